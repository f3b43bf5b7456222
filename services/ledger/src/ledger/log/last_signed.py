"""The newest checkpoint this ledger signed, kept in a file outside its database.

A database restored from an older copy, or one that lost its last commits,
holds a shorter tree than the checkpoints already published, or another tree
once it grows again; signing it would put a second root under a published
size, a fork that witnesses and readers reject for good. The file survives
what the database loses, so before each signing the ledger checks that its
tree still holds that checkpoint (a tree at least that large, with that root
at that size), and otherwise refuses, loudly, until it does again (the same
events appended again in the same order restore it).

A missing file is what a lost volume looks like, so it is refused too once the
database holds checkpoints; only a log that signed none yet starts without it.
An operator who knows the database holds every checkpoint signed (an upgrade
from a version that kept no file, or a file lost beside an intact database)
writes it from the newest of them with ``ledger adopt-checkpoint``.
"""

import base64
import logging
import os
import tempfile
from pathlib import Path

from prometheus_client import Gauge
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.log.repository import NodeStore, latest_checkpoint, tree_size
from periplus import db, merkle
from periplus.note import Checkpoint, NoteError, split_note
from periplus.readiness import CheckFailedError

log = logging.getLogger(__name__)

REFUSED = Gauge(
    "ledger_signing_refused",
    "1 while the log's tree does not hold the newest checkpoint this ledger signed",
)


class RollbackError(RuntimeError):
    """The database no longer holds the newest checkpoint this ledger signed."""


class LastSigned:
    """The file at ``path``: the signed note of the newest checkpoint, written before the
    checkpoint is committed, so nothing is published that the file does not cover."""

    def __init__(self, path: Path, origin: str) -> None:
        self.path, self.origin = path, origin
        self.refusal: str | None = None  # the reason last logged

    def read(self) -> Checkpoint | None:
        try:
            note = self.path.read_text()
        except FileNotFoundError:
            return None
        try:
            return Checkpoint.parse_body(split_note(note)[0])
        except NoteError as exc:
            raise RollbackError(f"{self.path} holds no signed checkpoint: {exc}") from exc

    def check(self, session: Session, size: int | None = None) -> Checkpoint | None:
        """The checkpoint in the file, if any, once the tree of ``size`` entries is found to
        hold it; else raise RollbackError. The reason is logged when it first appears or
        changes, and the gauge says whether signing is refused.

        Without ``size``, the tree is read after the file. The writer writes the file only
        once the tree holds what it covers, so a tree read after it and found short was
        rolled back; read before it, the tree of a process that is not the writer may
        merely predate entries that the writer appended and signed in between.
        """
        try:
            signed = self.read()
            if size is None:
                size = tree_size(session)
            if signed is None and latest_checkpoint(session) is not None:
                # The writer of a new log may have signed its first checkpoint since.
                signed = self._found_again()
                size = tree_size(session)
            if signed is not None:
                self._holds(session, size, signed)
        except RollbackError as exc:
            if str(exc) != self.refusal:
                log.critical(
                    "refusing to sign checkpoints",
                    extra={"reason": str(exc), "file": str(self.path), "tree_size": size},
                )
            self.refusal = str(exc)
            REFUSED.set(1)
            raise
        if self.refusal is not None:
            log.warning("signing again: the tree holds the newest checkpoint signed")
        self.refusal = None
        REFUSED.set(0)
        return signed

    def _found_again(self) -> Checkpoint:
        """The file read again, since the database holds checkpoints; RollbackError if it
        is still missing."""
        signed = self.read()
        if signed is None:
            raise RollbackError(
                f"{self.path} is missing, but the database holds signed checkpoints: the file "
                "was lost, or this log was signed by a version that kept none. If the database "
                "holds every checkpoint this ledger signed, run `ledger adopt-checkpoint`; if "
                "not, put there the newest checkpoint its witnesses cosigned"
            )
        return signed

    def _holds(self, session: Session, size: int, signed: Checkpoint) -> None:
        """Raise RollbackError unless the tree of ``size`` entries holds ``signed``."""
        said = f"the checkpoint this ledger signed at size {signed.size} ({self.path})"
        if signed.origin != self.origin:
            raise RollbackError(f"{said} is of the log {signed.origin}, not {self.origin}")
        if size < signed.size:
            raise RollbackError(
                f"the database holds {size} entries, fewer than {said}: it was rolled back "
                "or restored from an older copy"
            )
        root = merkle.root(NodeStore(session), signed.size)
        if root != signed.root:
            raise RollbackError(
                f"the tree's root at size {signed.size} is {base64.b64encode(root).decode()}, "
                f"not {base64.b64encode(signed.root).decode()} as in {said}: the database "
                "was rolled back and other entries appended"
            )

    def save(self, note: str, *, replace: bool = True) -> None:
        """Replace the file with ``note``, durably: a crash leaves the old or the new. With
        ``replace`` false, raise FileExistsError rather than replace a file, even one made
        meanwhile: an operator's command never overwrites what a writer recorded."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        temporary = Path(name)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(note)
                file.flush()
                os.fsync(file.fileno())
            if replace:
                temporary.replace(self.path)
            else:
                os.link(temporary, self.path)  # unlike a rename, fails if the file is there
        finally:
            temporary.unlink(missing_ok=True)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def probe(self, engine: Engine) -> dict[str, object]:
        """The ``signing`` check of ``/readyz``, run afresh on a writer and a standby alike:
        it fails, saying why, while the tree does not hold the checkpoint in the file.

        The tree is read after the file (``check``), so that a standby's probe does not
        take the writer appending and signing meanwhile for a rollback.
        """
        with db.reading(engine) as connection, Session(bind=connection) as session:
            try:
                signed = self.check(session)
            except RollbackError as exc:
                raise CheckFailedError(str(exc), tree_size=tree_size(session)) from exc
            size = tree_size(session)
        return {"tree_size": size, "signed_size": None if signed is None else signed.size}
