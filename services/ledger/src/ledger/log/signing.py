"""The log's Ed25519 key: from the environment, or a 0600 file made on first start."""

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from ledger.settings import Settings
from periplus.note import Signer


def load_signer(settings: Settings) -> Signer:
    if settings.signing_key:
        seed = base64.b64decode(settings.signing_key, validate=True)
        return Signer(settings.origin, Ed25519PrivateKey.from_private_bytes(seed))
    return Signer(settings.origin, _key_file(settings.signing_key_file))


def _key_file(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    write_key_file(path, key)
    return key


class Keys:
    """The signer in use; reloaded when this process becomes the writer (after a rotation)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = load_signer(settings)

    def reload(self) -> None:
        self.signer = load_signer(self.settings)


def write_key_file(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a PEM key with mode 0600, refusing to overwrite."""
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
