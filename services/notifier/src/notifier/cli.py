"""``notifier serve`` runs the public notifier; ``notifier verifier`` writes the standalone
verifier of this release, and its SHA-256, without a server; ``notifier accept-gap``
records, in public, that this site goes on past a gap in the ledger's log that no public
notice explains, and shows again the entries the gap held."""

import argparse
import hashlib
import sys
from pathlib import Path

from notifier.ingest import gaps
from notifier.main import build
from notifier.publish.routes.verifier import FILENAME, standalone
from notifier.settings import Settings, get_settings
from notifier.trust import TrustError
from periplus import collector, db, logs, web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notifier", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the public site, feeds and their ingestion")
    verifier = commands.add_parser(
        "verifier",
        help="write /verifier.html as this release builds it and print its SHA-256, to "
        "compare with what a site serves (it reads no setting and no database)",
    )
    verifier.add_argument("--out", type=Path, default=Path(FILENAME), help="where to write it")
    accept = commands.add_parser(
        "accept-gap",
        help="accept, in public on /notices, that the ledger's log jumps past seqs of a "
        "source after a seq with no public notice, and show its later entries again",
    )
    accept.add_argument("--source", required=True, help="the source held, as the log names it")
    accept.add_argument("--after", required=True, type=int, help="its last seq shown")
    accept.add_argument("--reason", required=True, help="why, as the site will show it")
    args = parser.parse_args(argv)
    if args.command == "verifier":
        return _verifier(args.out)
    settings = get_settings()
    logs.configure("notifier", settings.log_level)
    if args.command == "accept-gap":
        return _accept_gap(settings, args.source, args.after, args.reason)
    if args.command == "serve":
        try:
            app = build(settings)
        except TrustError as exc:
            print(f"notifier: {exc}", file=sys.stderr)
            return 2
        collector.collect_less()
        web.serve(app, settings)
    return 0


def _accept_gap(settings: Settings, source: str, after: int, reason: str) -> int:
    engine = db.make_engine(settings.database_url, settings.database_limits())
    try:
        decision = gaps.accept(engine, source, after, reason, settings.ledger_source)
    except gaps.GapError as exc:
        print(f"notifier: not accepted: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"Accepted: {source} goes on at seq {decision.next_seq} after seq {after} "
        f"(from ledger index {decision.first_index}); entries shown again: "
        f"{decision.released}. The decision is listed on /notices."
    )
    return 0


def _verifier(out: Path) -> int:
    body = standalone()
    out.write_bytes(body)
    print(f"Wrote the standalone verifier to {out}; its SHA-256:", file=sys.stderr)
    print(hashlib.sha256(body).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
