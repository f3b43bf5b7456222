"""``notifier serve`` runs the public notifier."""

import argparse
import sys

from notifier.main import build
from notifier.settings import get_settings
from notifier.trust import TrustError
from periplus import collector, logs, web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notifier", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the public site, feeds and their ingestion")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
