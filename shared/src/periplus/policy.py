"""C2SP tlog-policy: which logs and witnesses a reader trusts, and how many must agree.

A reader pins this file in its own configuration; a checkpoint counts only if
a listed log signed it and the listed witnesses that cosigned it meet the
quorum, so a log that shows different trees to different readers is caught
unless it also fools enough independent witnesses.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from periplus.cosignature import CosignerKey, cosignatures
from periplus.note import Checkpoint, NoteError, Verifier, split_note

NONE = "none"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_SPACE = re.compile(r"[ \t]+")
_DECIMAL = re.compile(r"[0-9]+")
_Key = TypeVar("_Key", Verifier, CosignerKey)


class PolicyError(ValueError):
    """A policy file that breaks a rule of tlog-policy, with the line that does."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line, self.reason = line, reason


@dataclass(frozen=True)
class PolicyLog:
    key: Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    key: CosignerKey
    url: str | None = None


@dataclass(frozen=True)
class PolicyGroup:
    """Witnessed when at least ``threshold`` of its members (witnesses or groups) are."""

    name: str
    threshold: int
    members: tuple[str, ...]

    def __str__(self) -> str:
        if self.threshold == len(self.members):
            k = "all"
        elif self.threshold == 1:
            k = "any"
        else:
            k = str(self.threshold)
        return f"group {self.name} {k} {' '.join(self.members)}"


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    log_key: Verifier
    cosigned: dict[str, int]
    """Witness name in the policy -> time of its valid cosignature."""


@dataclass(frozen=True)
class Policy:
    logs: list[PolicyLog]
    witnesses: dict[str, PolicyWitness]
    groups: dict[str, PolicyGroup] = field(default_factory=dict)
    quorum: str = NONE

    @classmethod
    def log_only(cls, verifier: Verifier) -> "Policy":
        """Trust one log's signature alone (``quorum none``)."""
        return cls([PolicyLog(verifier)], {})

    def __str__(self) -> str:
        lines = [" ".join(filter(None, ["log", str(log.key), log.url])) for log in self.logs]
        lines += [
            " ".join(filter(None, ["witness", w.name, str(w.key), w.url]))
            for w in self.witnesses.values()
        ]
        lines += [str(group) for group in self.groups.values()]
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"

    def satisfied(self, cosigned: Iterable[str]) -> bool:
        """Whether cosignatures by these witnesses (names in the policy) meet the quorum."""
        have = set(cosigned) & set(self.witnesses)

        def witnessed(name: str) -> bool:
            group = self.groups.get(name)
            if group is None:
                return name in have
            return sum(witnessed(m) for m in group.members) >= group.threshold

        return self.quorum == NONE or witnessed(self.quorum)

    def verify_checkpoint(
        self, note: str, origin: str | None = None, *, keys: Sequence[Verifier] | None = None
    ) -> VerifiedCheckpoint:
        """Check a signed checkpoint against the policy; raise NoteError saying why not.

        ``keys``: the log's keys as the caller followed them, through the log's signed
        rotations, from the policy's key; by default the policy's own."""
        text, signatures = split_note(note)
        checkpoint = Checkpoint.parse_body(text)
        if origin is not None and checkpoint.origin != origin:
            raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
        log_key = self._log_signature(text, signatures, checkpoint.origin, keys)
        cosigned: dict[str, int] = {}
        for witness in self.witnesses.values():
            found = cosignatures(note, [witness.key])
            if witness.key.name in found:
                cosigned[witness.name] = found[witness.key.name]
        if not self.satisfied(cosigned):
            by = ", ".join(sorted(cosigned)) or "no witness of the policy"
            raise NoteError(
                f"the checkpoint is cosigned by {by}, "
                f"which does not meet the policy's quorum {self.quorum!r}"
            )
        return VerifiedCheckpoint(checkpoint, log_key, cosigned)

    def _log_signature(
        self,
        text: str,
        signatures: list[tuple[str, bytes]],
        origin: str,
        followed: Sequence[Verifier] | None,
    ) -> Verifier:
        listed = [log.key for log in self.logs] if followed is None else followed
        keys = [key for key in listed if key.name == origin]
        if not keys:
            raise NoteError(f"the policy lists no log whose origin is {origin!r}")
        verified: Verifier | None = None
        for name, signature in signatures:
            for key in keys:
                if (name, signature[:4]) != (key.name, key.key_id):
                    continue
                try:
                    public = Ed25519PublicKey.from_public_bytes(key.public_key)
                    public.verify(signature[4:], text.encode())
                except InvalidSignature as exc:
                    raise NoteError(f"the log's signature by {name} does not verify") from exc
                verified = verified or key
        if verified is None:
            raise NoteError(f"the checkpoint carries no signature by a listed key of {origin!r}")
        return verified


def read_policy(path: Path) -> Policy:
    """The policy in a file. Its comments may hold any bytes (tlog-policy keeps them
    opaque), so bytes that are not UTF-8 are kept as they are, not a decoding error."""
    return parse_policy(path.read_bytes().decode("utf-8", "surrogateescape"))


def parse_policy(text: str) -> Policy:
    """Read a tlog-policy file; raise PolicyError at the first rule it breaks."""
    lines = text.split("\n")
    if lines[-1]:
        raise PolicyError(len(lines), "the last line does not end with a newline")
    parser = _Parser()
    for number, line in enumerate(lines[:-1], start=1):
        bad = _CONTROL.search(line)
        if bad:
            raise PolicyError(number, f"control character {bad.group()!r} is not allowed")
        words = [w for w in _SPACE.split(line) if w]
        if not words or words[0].startswith("#"):
            continue
        try:
            parser.line(words)
        except ValueError as exc:
            raise PolicyError(number, str(exc)) from exc
    if parser.quorum is None:
        raise PolicyError(None, "the policy has no quorum line")
    return Policy(parser.logs, parser.witnesses, parser.groups, parser.quorum)


class _Parser:
    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: dict[str, PolicyWitness] = {}
        self.groups: dict[str, PolicyGroup] = {}
        self.quorum: str | None = None
        self.members: dict[str, str] = {}  # name -> the group that lists it

    def line(self, words: list[str]) -> None:
        keyword, args = words[0], words[1:]
        if keyword == "log" and len(args) in (1, 2):
            key = _vkey(args[0], Verifier.parse, [log.key for log in self.logs], "log")
            self.logs.append(PolicyLog(key, _url(args, 1)))
        elif keyword == "witness" and len(args) in (2, 3):
            self._new_name(args[0])
            known = [w.key for w in self.witnesses.values()]
            cosigner = _vkey(args[1], CosignerKey.parse, known, "witness")
            self.witnesses[args[0]] = PolicyWitness(args[0], cosigner, _url(args, 2))
        elif keyword == "group" and len(args) >= 3:
            self._group(args[0], args[1], args[2:])
        elif keyword == "quorum" and len(args) == 1:
            if self.quorum is not None:
                raise ValueError("a policy has exactly one quorum line")
            if args[0] != NONE:
                self._defined(args[0])
            self.quorum = args[0]
        elif keyword in ("log", "witness", "group", "quorum"):
            raise ValueError(f"wrong number of items on a {keyword} line")
        else:
            raise ValueError(f"unknown line type {keyword!r}")

    def _group(self, name: str, k: str, members: list[str]) -> None:
        self._new_name(name)
        for member in members:
            if member == NONE:
                raise ValueError("'none' cannot be a group member")
            self._defined(member)
            if member in self.members:
                raise ValueError(f"{member} is already a member of group {self.members[member]}")
            self.members[member] = name
        if k == "all":
            threshold = len(members)
        elif k == "any":
            threshold = 1
        elif _DECIMAL.fullmatch(k) and 1 <= int(k) <= len(members):
            threshold = int(k)
        else:
            raise ValueError(f"a group's threshold is all, any or 1 to {len(members)}, not {k!r}")
        self.groups[name] = PolicyGroup(name, threshold, tuple(members))

    def _new_name(self, name: str) -> None:
        if name == NONE or name in self.witnesses or name in self.groups:
            raise ValueError(f"the name {name} is already defined")

    def _defined(self, name: str) -> None:
        if name not in self.witnesses and name not in self.groups:
            raise ValueError(f"{name} is not defined on an earlier line")


def _vkey(word: str, parse: Callable[[str], _Key], known: list[_Key], role: str) -> _Key:
    if word != word.strip():
        raise ValueError(f"the {role} key {word!r} is not a vkey")
    try:
        key = parse(word)
    except NoteError as exc:
        raise ValueError(f"the {role} key is not usable: {exc}") from exc
    if any(other.public_key == key.public_key for other in known):
        raise ValueError(f"the {role} key duplicates the public key of an earlier {role}")
    return key


def _url(args: list[str], index: int) -> str | None:
    return args[index] if len(args) > index else None
