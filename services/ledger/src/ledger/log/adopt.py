"""``ledger adopt-checkpoint``: the record of the newest checkpoint signed, made from the
database's newest checkpoint, for an operator who knows the database holds every one
the log signed (an upgrade from a version that kept no record, or a record lost beside
an intact database). The ledger never does this by itself: a missing record is also
what a lost volume beside a database restored from an older copy looks like.
"""

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.log.models import KeyRotation, SignedCheckpoint
from ledger.log.repository import latest_checkpoint
from ledger.log.signing import last_signed, load_signer
from ledger.settings import Settings
from periplus.checks import VerificationFailedError, key_chain, within_reach
from periplus.note import NoteError, Verifier, open_checkpoint


class AdoptError(RuntimeError):
    """Nothing was written; the message says why."""


def adopt(engine: Engine, settings: Settings) -> int:
    """Write the record from the database's newest checkpoint once it verifies under the
    key that signed it; return its size. Never replaces a record."""
    record = last_signed(settings)
    if record.path.exists():
        raise AdoptError(f"{record.path} exists; it is never replaced")
    if not settings.signing_key and not settings.signing_key_file.exists():
        # load_signer would make a new key, under which nothing of the log verifies.
        raise AdoptError(
            f"the log's key ({settings.signing_key_file}) is missing, so its checkpoints "
            "cannot be checked; restore it from its backup"
        )
    with Session(engine) as session:
        latest = latest_checkpoint(session)
        if latest is None:
            raise AdoptError(
                "the database holds no checkpoint; a new log signs its first without this"
            )
        statements = session.exec(select(KeyRotation.statement).order_by(col(KeyRotation.id)))
        _check(latest, list(statements), load_signer(settings).verifier, settings.origin)
    try:
        record.save(latest.note, replace=False)
    except FileExistsError as exc:
        raise AdoptError(f"{record.path} was made meanwhile; it is never replaced") from exc
    return latest.size


def _check(latest: SignedCheckpoint, statements: list[str], held: Verifier, origin: str) -> None:
    """Raise AdoptError unless ``latest`` verifies under a key that the rotation statements,
    each checked under both its keys, lead to from the key held, within that key's reach:
    the database's rows alone (a rotation to a key of someone else's) vouch for nothing."""
    try:
        chain = key_chain(statements, held)
    except VerificationFailedError as exc:
        raise AdoptError(f"the log's key rotations do not check: {exc}") from exc
    faults = []
    for key in chain:
        try:
            checkpoint = open_checkpoint(latest.note, key.verifier, origin)
            within_reach(chain, key.verifier, checkpoint, "the newest checkpoint")
            return
        except (NoteError, VerificationFailedError) as exc:
            faults.append(f"{key.verifier}: {exc}")
    raise AdoptError(
        f"the database's checkpoint at size {latest.size} does not verify under the log's "
        f"key {held} or any key its rotations lead to ({'; '.join(faults)})"
    )
