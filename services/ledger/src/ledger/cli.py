"""``ledger serve`` runs the log; ``verify`` checks one; ``key`` prints its verifier key;
``withhold``, ``resolve`` and ``rotate-key`` change it in public; ``adopt-checkpoint``
records the database's newest checkpoint as the newest signed."""

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.ingest.models import ResolutionRequest
from ledger.ingest.resolve import ResolveError, check_request, request, resolve
from ledger.ingest.service import follow_rotations
from ledger.log.adopt import AdoptError, adopt
from ledger.log.last_signed import RollbackError
from ledger.log.rotation import KeyNotInForceError, check_in_force, rotate
from ledger.log.service import sign_checkpoint
from ledger.log.signing import last_signed, load_signer, source_signer
from ledger.log.withhold import WithholdError, withhold, withhold_fact
from ledger.log.writer_lock import WriterLock
from ledger.main import MIGRATIONS, build, source_keys
from ledger.settings import Settings, get_settings
from periplus import audit, collector, db, keyfile, logs, web
from periplus.note import Signer

# Where rotate-key reads the new seed when the key comes from the environment.
NEW_KEY_VARIABLE = "LEDGER_NEW_SIGNING_KEY"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return audit.run(args)
    settings = get_settings()
    logs.configure("ledger", settings.log_level)
    if args.command == "key":
        path = settings.signing_key_file.absolute()
        made = not settings.signing_key and not path.exists()
        verifier = load_signer(settings).verifier
        if made:  # said aloud: a key made where nothing signs with it would be pinned in vain
            print(f"Made a new log key at {path}.", file=sys.stderr)
        print(f"Checkpoints of {settings.origin} are signed with this key.", file=sys.stderr)
        print(verifier)
        return 0
    if args.command == "serve":
        app = build(settings)
        collector.collect_less()
        web.serve(app, settings)
        return 0
    if args.command == "rotate-key":
        return _rotate(settings, args)
    if args.command == "resolve":
        return _resolve(settings, args)
    if args.command == "adopt-checkpoint":
        return _adopt(settings)
    return _withhold(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledger", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service, ingestion and checkpoint signing")
    audit.add_arguments(
        commands.add_parser(
            "verify", help="check a ledger over HTTP, or a receipt or export offline"
        )
    )
    commands.add_parser(
        "key", help="print the log's verifier key (the key file is made if missing), last line"
    )
    commands.add_parser(
        "adopt-checkpoint",
        help="write LEDGER_SIGNED_CHECKPOINT_FILE, when missing, from the database's newest "
        "checkpoint: only if the database holds every checkpoint this log signed",
    )
    _add_changes(commands)
    return parser


def _add_changes(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The commands that change the log in public; each waits for the writer lock."""
    held = commands.add_parser(
        "withhold", help="withhold an entry's bytes under law, with a public notice"
    )
    which = held.add_mutually_exclusive_group(required=True)
    which.add_argument("--index", type=int, help="the entry to withhold")
    which.add_argument("--trip", help="a trip id: withhold every entry of it that states --fact")
    held.add_argument("--fact", help="with --trip: the text to withhold (a name, a document)")
    held.add_argument("--reason", required=True, help="what the withholding protects, in public")
    held.add_argument("--legal-basis", required=True, help="the court order or law invoked")
    held.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the writer lock"
    )
    resolving = commands.add_parser(
        "resolve",
        help="move a source past a seq that a quarantined event holds, or that never came, "
        "with a public notice; queued for the writer if another process is the writer",
    )
    resolving.add_argument("--source", required=True, help="the source held back")
    resolving.add_argument("--seq", type=int, required=True, help="its seq to move past")
    resolving.add_argument("--reason", required=True, help="why the log goes on without it")
    resolving.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to wait for the writer to apply the decision, if it is queued",
    )
    rotation = commands.add_parser(
        "rotate-key", help="sign with a new key, stated in a note signed by both keys"
    )
    rotation.add_argument(
        "--new-key",
        help="base64 of the new 32-byte seed, seen by every user of this host (ps): prefer "
        f"{NEW_KEY_VARIABLE}; one of them is needed when the key comes from the environment",
    )
    rotation.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the writer lock"
    )


@contextmanager
def _writing(settings: Settings, wait: float) -> Iterator[Engine | None]:
    """The database with the writer lock held, or None if another process keeps it."""
    engine = db.make_engine(settings.database_url, settings.database_limits())
    db.upgrade(engine, MIGRATIONS)
    lock = WriterLock(engine)
    deadline = time.monotonic() + wait
    try:
        while not lock.try_acquire():
            if time.monotonic() > deadline:
                print(
                    "another ledger process is the writer; stop it (a reader takes over "
                    "after) or run this where it runs",
                    file=sys.stderr,
                )
                yield None
                return
            time.sleep(0.5)
        yield engine
    finally:
        lock.release()
        engine.dispose()


def _rotate(settings: Settings, args: argparse.Namespace) -> int:
    # From the environment, the seed stays out of the process list and shell history.
    given = "--new-key" if args.new_key else NEW_KEY_VARIABLE
    seed = args.new_key or os.environ.get(NEW_KEY_VARIABLE)
    if settings.signing_key and not seed:
        print(
            f"the key comes from LEDGER_SIGNING_KEY: set {NEW_KEY_VARIABLE} to the new seed",
            file=sys.stderr,
        )
        return 1
    new_private = Ed25519PrivateKey.generate()
    if seed:
        try:
            new_private = keyfile.from_seed(seed)
        except keyfile.KeyFileError as exc:
            print(f"{given}: {exc}", file=sys.stderr)
            return 1
    old = load_signer(settings)
    new = Signer(settings.origin, new_private)
    staged = settings.signing_key_file.with_name(settings.signing_key_file.name + ".next")
    with _writing(settings, args.wait) as engine:
        if engine is None:
            return 2
        if not settings.signing_key:
            staged.unlink(missing_ok=True)
            keyfile.write(staged, new_private)
        with Session(engine) as session:
            try:
                rotation = rotate(session, old, new, last_signed(settings))
            except (KeyNotInForceError, RollbackError, ValueError) as exc:
                staged.unlink(missing_ok=True)
                print(f"not rotated: {exc}", file=sys.stderr)
                return 1
            session.commit()
            print(rotation.statement, end="")
        if not settings.signing_key:
            retired = settings.signing_key_file.with_name(
                f"{settings.signing_key_file.name}.{old.verifier.key_id.hex()}.retired"
            )
            settings.signing_key_file.rename(retired)
            staged.rename(settings.signing_key_file)
    print(f"new verifier key: {new.verifier}")
    if settings.signing_key:
        print("now set LEDGER_SIGNING_KEY to the new seed and restart the writer")
    return 0


def _adopt(settings: Settings) -> int:
    engine = db.make_engine(settings.database_url, settings.database_limits())
    try:
        db.upgrade(engine, MIGRATIONS)
        size = adopt(engine, settings)
    except AdoptError as exc:
        print(f"not adopted: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"{settings.signed_checkpoint_path} records the checkpoint at size {size}: the "
        "ledger signs again"
    )
    return 0


@contextmanager
def _noticing(settings: Settings, session: Session) -> Iterator[Signer]:
    """With the writer lock held: check that the log's key is in force and that the log can
    be signed (a notice no checkpoint could cover would stand unsigned), give the signer
    of the ledger's own source for the notice, then commit it and sign a checkpoint over it.
    Whatever the body raises commits nothing."""
    signer = load_signer(settings)
    check_in_force(session, signer)
    last_signed(settings).check(session)
    yield source_signer(settings, signer)
    session.commit()
    sign_checkpoint(session, signer, last_signed(settings))
    session.commit()


def _withhold(settings: Settings, args: argparse.Namespace) -> int:
    """Appends, so it must hold the writer lock."""
    if (args.trip is None) != (args.fact is None):
        print("--trip and --fact go together", file=sys.stderr)
        return 2
    with _writing(settings, args.wait) as engine:
        if engine is None:
            return 2
        with Session(engine) as session:
            try:
                with _noticing(settings, session) as own:
                    if args.index is not None:
                        notice = withhold(session, args.index, args.reason, args.legal_basis, own)
                        pairs = [(args.index, notice)]
                    else:
                        pairs = withhold_fact(
                            session, args.trip, args.fact, args.reason, args.legal_basis, own
                        )
            except (WithholdError, KeyNotInForceError, RollbackError) as exc:
                print(f"not withheld: {exc}", file=sys.stderr)
                return 1
    for index, notice in pairs:
        print(f"entry {index} withheld; public notice appended at index {notice}")
    return 0


def _resolve(settings: Settings, args: argparse.Namespace) -> int:
    """Applied now where no other process is the writer; else queued for the writer, which
    applies it in its next ingest round, and waited for up to ``--wait`` seconds."""
    try:
        check_request(args.source, args.reason, settings.sources)
    except ResolveError as exc:
        print(f"not resolved: {exc}", file=sys.stderr)
        return 1
    engine = db.make_engine(settings.database_url, settings.database_limits())
    db.upgrade(engine, MIGRATIONS)
    lock = WriterLock(engine)
    try:
        if lock.try_acquire():
            return _resolve_now(settings, args, engine)
        return _queue_resolution(settings, args, engine)
    finally:
        lock.release()
        engine.dispose()


def _resolve_now(settings: Settings, args: argparse.Namespace, engine: Engine) -> int:
    """With the writer lock held: append the notice and sign a checkpoint."""
    with Session(engine) as session:
        try:
            with _noticing(settings, session) as own:
                keys = source_keys(settings)
                follow_rotations(session, keys)
                index = resolve(
                    session,
                    args.source,
                    args.seq,
                    args.reason,
                    own,
                    settings.sources,
                    keys,
                    settings.resolve_missing_after,
                )
        except (ResolveError, KeyNotInForceError, RollbackError) as exc:
            print(f"not resolved: {exc}", file=sys.stderr)
            return 1
    print(
        f"applied now: seq {args.seq} of {args.source} passed; public notice appended at "
        f"index {index}"
    )
    return 0


def _queue_resolution(settings: Settings, args: argparse.Namespace, engine: Engine) -> int:
    """Another process is the writer: queue the decision, signed with the log key as its
    notice will be, and say what became of it."""
    own = source_signer(settings, load_signer(settings))
    with Session(engine) as session:
        row = request(session, args.source, args.seq, args.reason, own)
        session.commit()
        row_id = row.id
    print(
        f"queued for the writer (request {row_id}): another ledger process is the writer; "
        "it applies the decision in its next ingest round (every LEDGER_CATCHUP_INTERVAL)"
    )
    deadline = time.monotonic() + args.wait
    while True:
        with Session(engine) as session:
            done = session.get(ResolutionRequest, row_id)
        if done is not None and done.done_at is not None:
            break
        if time.monotonic() >= deadline:
            print(
                f"not applied yet after {args.wait:g} s: request {row_id} stays queued; "
                "/readyz shows the source held until the writer applies it"
            )
            return 0
        time.sleep(0.5)
    if done.refused is not None:
        print(f"not resolved: the writer refused request {row_id}: {done.refused}", file=sys.stderr)
        return 1
    print(
        f"applied by the writer: seq {args.seq} of {args.source} passed; public notice "
        f"appended at index {done.notice_index}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
