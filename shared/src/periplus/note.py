"""C2SP signed notes and tlog checkpoints with Ed25519.

The formats are those of C2SP ``signed-note`` and ``tlog-checkpoint``, which
Go's ``golang.org/x/mod/sumdb/note`` and the transparency-log tools read, so
an auditor need not trust our code to check our signatures.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100  # signed-note: a limit, of at least 16
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # below U+0020, newline aside
_KEY_ID = re.compile("[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @cached_property  # read for every event a source signs
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def __str__(self) -> str:
        blob = base64.b64encode(ALG_ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> "Verifier":
        """Read a verifier key string ``<name>+<hex id>+<base64(0x01 || key)>``."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _valid_name(parts[0]):
            raise NoteError("a verifier key is <name>+<8 hex digits>+<base64 key>")
        name, hex_id, blob = parts
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as exc:
            raise NoteError("the verifier key is not valid hex and base64") from exc
        if not _KEY_ID.fullmatch(hex_id) or base64.b64encode(raw).decode() != blob:
            raise NoteError("the verifier key is not valid hex and base64")
        wanted = bytes.fromhex(hex_id)
        if len(raw) != 33 or raw[:1] != ALG_ED25519:
            raise NoteError("only Ed25519 verifier keys are supported")
        verifier = cls(name, raw[1:])
        if verifier.key_id != wanted:
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, note: str) -> str:
        """Return the note's text if one of its signatures is this key's, else raise."""
        text, signatures = split_note(note)
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        for name, sig in signatures:
            if name == self.name and sig[:4] == self.key_id:
                try:
                    public.verify(sig[4:], text.encode())
                except InvalidSignature as exc:
                    raise NoteError(f"the signature by {name} does not verify") from exc
                return text
        raise NoteError(f"the note carries no signature by {self.name}")


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @cached_property  # derived once, not for every event signed
    def verifier(self) -> Verifier:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, raw)

    def sign(self, text: str) -> str:
        """Sign a note text (which must end in a newline) and return the whole note."""
        if not text.endswith("\n"):
            raise NoteError("a note's text ends with a newline")
        sig = self.verifier.key_id + self.private_key.sign(text.encode())
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {base64.b64encode(sig).decode()}\n"


def cosign(text: str, signers: "list[Signer]") -> str:
    """One note signed by several keys: a key rotation statement carries the old and the new."""
    if not signers:
        raise NoteError("a note needs at least one signature")
    lines = [signer.sign(text).rpartition("\n\n")[2] for signer in signers]
    return f"{text}\n{''.join(lines)}"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Split a signed note into its text and its (key name, key id || signature) lines."""
    if _CONTROL.search(note):
        raise NoteError("a signed note holds no control character but the newline")
    if not note.isascii():
        try:
            note.encode()
        except UnicodeEncodeError as exc:
            raise NoteError("a signed note is UTF-8 text") from exc
    text, sep, sigblock = note.rpartition("\n\n")
    if not sep or not text or not sigblock.endswith("\n"):
        raise NoteError("a signed note is its text, a blank line, then signature lines")
    lines = sigblock[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a signed note carries at most {MAX_SIGNATURES} signatures")
    signatures: list[tuple[str, bytes]] = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"not a signature line: {line!r}")
        name, _, blob = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        if not _valid_name(name):
            raise NoteError(f"not a key name: {name!r}")
        try:
            sig = base64.b64decode(blob, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"the signature by {name} is not base64") from exc
        if len(sig) < 5:
            raise NoteError(f"the signature by {name} is too short")
        signatures.append((name, sig))
    return text + "\n", signatures


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse_body(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint body is origin, size and root, one a line")
        origin, size, root = lines[0], lines[1], lines[2]
        # A uint64 has at most 20 digits: a longer size is malformed, not a number for
        # Python to read (past 4300 digits, int() raises ValueError).
        digits = size.isascii() and size.isdigit() and len(size) <= 20
        if not origin or not digits or (size.startswith("0") and size != "0"):
            raise NoteError("the checkpoint's origin or size is malformed")
        if "" in lines[3:-1]:
            raise NoteError("a checkpoint's extension lines are not empty")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error as exc:
            raise NoteError("the checkpoint's root is not base64") from exc
        if len(raw) != 32:
            raise NoteError("the checkpoint's root is not a SHA-256 hash")
        return cls(origin, int(size), raw)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint and return what it commits to."""
    checkpoint = Checkpoint.parse_body(verifier.verify(note))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
