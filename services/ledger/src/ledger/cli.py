"""``ledger serve`` runs the log; ``ledger verify`` checks one; ``ledger withhold`` redacts."""

import argparse
import sys
import time

import uvicorn
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.signing import load_signer
from ledger.log.withhold import WithholdError, withhold
from ledger.log.writer import WriterLock
from ledger.main import MIGRATIONS, build
from ledger.settings import Settings, get_settings
from periplus import db, logs, verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service, ingestion and checkpoint signing")
    verify.add_arguments(
        commands.add_parser("verify", help="check a ledger over HTTP, as an auditor would")
    )
    held = commands.add_parser(
        "withhold", help="withhold an entry's bytes under law, with a public notice"
    )
    held.add_argument("--index", type=int, required=True)
    held.add_argument("--reason", required=True, help="what the withholding protects, in public")
    held.add_argument("--legal-basis", required=True, help="the court order or law invoked")
    held.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the writer lock"
    )
    args = parser.parse_args(argv)
    if args.command == "verify":
        return verify.run(args)
    settings = get_settings()
    logs.configure("ledger", settings.log_level)
    if args.command == "serve":
        uvicorn.run(build(settings), host=settings.host, port=settings.port, log_config=None)
        return 0
    return _withhold(settings, args)


def _withhold(settings: Settings, args: argparse.Namespace) -> int:
    """Appends, so it must hold the writer lock: a running writer is asked to step aside."""
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine, MIGRATIONS)
    lock = WriterLock(engine)
    deadline = time.monotonic() + args.wait
    while not lock.try_acquire():
        if time.monotonic() > deadline:
            print(
                "another ledger process is the writer; stop it (a reader takes over after) "
                "or run this where it runs",
                file=sys.stderr,
            )
            return 2
        time.sleep(0.5)
    try:
        with Session(engine) as session:
            try:
                notice = withhold(
                    session, args.index, args.reason, args.legal_basis, settings.own_source
                )
            except WithholdError as exc:
                print(f"not withheld: {exc}", file=sys.stderr)
                return 1
            session.commit()
            sign_checkpoint(session, load_signer(settings))
            session.commit()
    finally:
        lock.release()
        engine.dispose()
    print(f"entry {args.index} withheld; public notice appended at index {notice}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
