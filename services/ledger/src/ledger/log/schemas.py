"""What the log's endpoints return."""

import base64
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class Withheld(BaseModel):
    reason: str
    legal_basis: str
    notice_index: int = Field(description="The public entry that announced the withholding.")
    withheld_at: datetime


class LogEntry(BaseModel):
    index: int
    leaf: str = Field(
        description="Base64 of the leaf bytes: the RFC 8785 JSON of the event; "
        "empty when the bytes are withheld under law."
    )
    leaf_hash: str = Field(description="Base64 of SHA-256(0x00 || leaf), as kept in the tree.")
    event: dict[str, Any] | None = Field(description="The event; null when withheld.")
    withheld: Withheld | None = Field(
        default=None, description="Why and under what law the bytes are withheld."
    )


class Entries(BaseModel):
    entries: list[LogEntry]


class Proof(BaseModel):
    hashes: list[str] = Field(description="Base64 hashes, as RFC 9162 section 2.1 orders them.")


class InclusionProof(Proof):
    index: int
    tree_size: int
    leaf_hash: str


class ConsistencyProof(Proof):
    first: int
    second: int


class SignedCheckpointOut(BaseModel):
    size: int
    root: str
    signed_at: datetime
    note: str = Field(description="The C2SP signed note, with the log's signature.")
    witnessed: str | None = Field(
        default=None,
        description="The note with every witness cosignature, once they met the quorum.",
    )


class Checkpoints(BaseModel):
    checkpoints: list[SignedCheckpointOut]


class WitnessOut(BaseModel):
    name: str = Field(description="The witness's name in the policy.")
    key: str = Field(description="Its verifier key (C2SP vkey, type 0x04).")
    url: str | None = Field(description="Its submission prefix.")
    size: int | None = Field(description="The size it last cosigned for this log.")
    checked_at: datetime | None
    problem: str | None = Field(description="What went wrong at the last attempt, if anything.")


class Witnesses(BaseModel):
    policy: str | None = Field(description="The C2SP tlog-policy file in force, if any.")
    witnesses: list[WitnessOut]


class Rotation(BaseModel):
    old_key: str
    new_key: str
    tree_size: int = Field(description="The last checkpoint size the old key signed.")
    statement: str = Field(description="A signed note bearing both keys' signatures.")
    rotated_at: datetime


class Keys(BaseModel):
    current: str = Field(description="The verifier key that signs checkpoints now.")
    rotations: list[Rotation]


class QuarantinedOut(BaseModel):
    id: int
    received_at: datetime
    origin: str
    reason: str
    raw: str | None = Field(
        description="The refused bytes, as UTF-8 (invalid bytes replaced), where the source "
        "they name signed them: what a source said is public. Null for bytes no source "
        "signed (anyone who can write to the broker can send them: the log does not "
        "publish them for him) and for bytes withheld under law."
    )
    sha256: str | None = Field(
        default=None,
        description="SHA-256 (hex) of the whole refused message, to match a copy against; "
        "null where its bytes were withheld under law. The log keeps all of a message its "
        "source signed (up to twice the longest event) but only the first 4 KiB of one no "
        "source signed.",
    )
    size: int | None = Field(
        default=None, description="The size in bytes of the whole refused message."
    )
    source: str | None = Field(default=None, description="The source the event claims.")
    seq: int | None = Field(
        default=None,
        description="The seq it claims: at the source's next seq, it holds the source back "
        "until the real event comes or `ledger resolve` moves past it in public.",
    )


class Quarantine(BaseModel):
    events: list[QuarantinedOut]
