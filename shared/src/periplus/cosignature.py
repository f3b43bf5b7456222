"""C2SP tlog-cosignature v1 with Ed25519: a witness's timestamped word on a checkpoint.

A cosignature says that, at its time, the checkpoint was the largest
consistent tree head its cosigner had seen for that log. The signed message
starts with ``cosignature/v1`` so that a cosigner key can never be tricked
into making a plain note signature, and the key id uses signature type 0x04
so that it never collides with the log's own (0x01) key id.
"""

import base64
import binascii
import hashlib
import re
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from periplus.note import SIGNATURE_PREFIX, NoteError, split_note

COSIGNATURE_ALG = b"\x04"
HEADER = "cosignature/v1"
MAX_TIMESTAMP = 2**63 - 1
SIGNATURE_SIZE = 4 + 8 + 64
"""Key id, then the ``timestamped_signature``: u64 big-endian time and an Ed25519 signature."""

_HEX_ID = re.compile(r"[0-9a-f]{8}")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"a key name is non-empty, without spaces or '+': {name!r}")


def cosigned_message(body: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 cosigner signs: header, time, then the checkpoint body."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"a cosignature's time is from 1 to 2^63-1, not {timestamp}")
    if not body.endswith("\n"):
        raise NoteError("a checkpoint body ends with a newline")
    return f"{HEADER}\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class CosignerKey:
    """A cosigner's public key, pinned by whoever checks its cosignatures."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(
            self.name.encode() + b"\n" + COSIGNATURE_ALG + self.public_key
        ).digest()[:4]

    def __str__(self) -> str:
        blob = base64.b64encode(COSIGNATURE_ALG + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> "CosignerKey":
        """Read a vkey ``<name>+<8 hex>+<base64(0x04 || key)>``."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _HEX_ID.fullmatch(parts[1]):
            raise NoteError("a cosigner vkey is <name>+<8 lowercase hex digits>+<base64 key>")
        name, hex_id, blob = parts
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as exc:
            raise NoteError("the cosigner vkey's key is not base64") from exc
        if base64.b64encode(raw).decode() != blob:
            raise NoteError("the cosigner vkey's key is not in canonical base64")
        if len(raw) != 33 or raw[:1] != COSIGNATURE_ALG:
            raise NoteError("a cosigner vkey holds type 0x04 (Ed25519 cosignature) and 32 bytes")
        key = cls(name, raw[1:])
        if key.key_id.hex() != hex_id:
            raise NoteError("the cosigner vkey's id does not match its name and key")
        return key

    def verify(self, body: str, signature: bytes) -> int:
        """Return the time of a valid cosignature of ``body``, whose bytes are those of
        its signature line (key id || timestamped_signature); raise NoteError otherwise."""
        if len(signature) != SIGNATURE_SIZE:
            raise NoteError(f"a cosignature by {self.name} is {SIGNATURE_SIZE} bytes")
        if signature[:4] != self.key_id:
            raise NoteError(f"the cosignature is not by this key of {self.name}")
        (timestamp,) = struct.unpack(">Q", signature[4:12])
        message = cosigned_message(body, timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[12:], message)
        except InvalidSignature as exc:
            raise NoteError(f"the cosignature by {self.name} does not verify") from exc
        return int(timestamp)


@dataclass(frozen=True)
class Cosigner:
    """A cosigner's private key; a witness cosigns only checkpoints it has checked."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def key(self) -> CosignerKey:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return CosignerKey(self.name, raw)

    def cosign(self, body: str, timestamp: int | None = None) -> str:
        """One signature line for ``body``, timestamped now unless told otherwise."""
        when = int(time.time()) if timestamp is None else timestamp
        signature = self.private_key.sign(cosigned_message(body, when))
        blob = base64.b64encode(self.key.key_id + struct.pack(">Q", when) + signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {blob}\n"


def cosignatures(note: str, keys: Iterable[CosignerKey]) -> dict[str, int]:
    """The valid cosignatures on ``note`` by ``keys``: key name -> time.

    Lines by other keys are ignored; a line whose name and key id are a known
    key's must verify, or the whole note is refused, as signed-note requires.
    """
    known = {(key.name, key.key_id): key for key in keys}
    body, signatures = split_note(note)
    found: dict[str, int] = {}
    for name, signature in signatures:
        key = known.get((name, signature[:4]))
        if key is not None:
            found[name] = key.verify(body, signature)
    return found
