"""Ed25519 private keys from the environment or from a 0600 PEM file made on first use.

Every signer of the system (a source, the log, a witness) keeps its key the
same way, so operators back up and rotate them the same way.
"""

import base64
import binascii
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

log = logging.getLogger(__name__)


class KeyFileError(ValueError):
    """A key that cannot be read; the message names the place."""


def from_seed(seed: str) -> Ed25519PrivateKey:
    """A key from the base64 of its 32-byte seed."""
    try:
        raw = base64.b64decode(seed, validate=True)
    except binascii.Error as exc:
        raise KeyFileError("the key is not base64") from exc
    if len(raw) != 32:
        raise KeyFileError(f"an Ed25519 seed is 32 bytes, not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def read(path: Path) -> Ed25519PrivateKey:
    """The key in a PEM file; a file that others than its owner may read is used, said
    aloud: a mounted secret is often 0644, and refusing it would stop the service."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning(
            "a signing key file is readable by others than its owner; make it mode 0600",
            extra={"path": str(path), "mode": oct(mode)},
        )
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise KeyFileError(f"{path} holds no readable PEM key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} does not hold an Ed25519 key")
    return key


def load(seed: str | None, path: Path, *, create: bool = True) -> Ed25519PrivateKey:
    """The key from ``seed`` if given, else from ``path``, made there if missing and allowed."""
    if seed:
        return from_seed(seed)
    if path.exists():
        return read(path)
    if not create:
        raise KeyFileError(f"{path} is missing")
    key = Ed25519PrivateKey.generate()
    write(path, key)
    return key


def write(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a PEM key with mode 0600, refusing to overwrite."""
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
