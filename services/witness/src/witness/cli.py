"""``witness serve`` runs the witness; ``witness key`` prints its verifier key."""

import argparse
import sys

from periplus import logs, web
from witness.keys import load_cosigner
from witness.main import build
from witness.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="witness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service")
    commands.add_parser(
        "key", help="print the vkey that logs and readers pin (makes the key file if missing)"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    logs.configure("witness", settings.log_level)
    if args.command == "key":
        path = settings.key_file.absolute()
        made = not settings.key and not path.exists()
        vkey = load_cosigner(settings).key
        if made:  # said aloud: a key made where the witness does not run would be pinned in vain
            print(f"Made a new witness key at {path}.", file=sys.stderr)
        print(vkey)
        return 0
    web.serve(build(settings), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
