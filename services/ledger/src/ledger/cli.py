"""``ledger serve`` runs the log service."""

import argparse
import sys

import uvicorn
from periplus import logs

from ledger.main import build
from ledger.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service, ingestion and checkpoint signing")
    args = parser.parse_args(argv)
    settings = get_settings()
    logs.configure("ledger", settings.log_level)
    if args.command == "serve":
        uvicorn.run(build(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
