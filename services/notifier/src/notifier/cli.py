"""``notifier serve`` runs the public notifier; ``notifier verifier`` writes the standalone
verifier of this release, and its SHA-256, without a server."""

import argparse
import hashlib
import sys
from pathlib import Path

from notifier.main import build
from notifier.publish.routes.verifier import FILENAME, standalone
from notifier.settings import get_settings
from notifier.trust import TrustError
from periplus import collector, logs, web


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
    args = parser.parse_args(argv)
    if args.command == "verifier":
        return _verifier(args.out)
    settings = get_settings()
    logs.configure("notifier", settings.log_level)
    if args.command == "serve":
        try:
            app = build(settings)
        except TrustError as exc:
            print(f"notifier: {exc}", file=sys.stderr)
            return 2
        collector.collect_less()
        web.serve(app, settings)
    return 0


def _verifier(out: Path) -> int:
    body = standalone()
    out.write_bytes(body)
    print(f"Wrote the standalone verifier to {out}; its SHA-256:", file=sys.stderr)
    print(hashlib.sha256(body).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
