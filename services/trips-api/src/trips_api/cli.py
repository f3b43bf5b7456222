"""``trips-api serve`` runs the service; ``keys create`` issues an API key;
``events-key`` prints the verifier key that signs the source's events and
``rotate-events-key`` replaces it; ``withhold-event`` follows the ledger's
withholding under law."""

import argparse
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from periplus import collector, db, keyfile, logs, web
from periplus.note import Signer
from trips_api.departments import registry
from trips_api.events import service as events_service
from trips_api.fields import Name
from trips_api.keys import service as keys_service
from trips_api.keys.schemas import KeyName
from trips_api.main import JSON_COLUMNS, MIGRATIONS, build
from trips_api.settings import Settings, get_settings

# Where rotate-events-key reads the new seed when the key comes from the environment.
NEW_KEY_VARIABLE = "TRIPS_NEW_SIGNING_KEY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trips-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service and its outbox relay")
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create a key and print it on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. trips:write")
    create.add_argument(
        "--holder",
        help="the person or office answerable for the key (default: its name); four eyes "
        "refuses approval to the holder who created, submitted or changed a trip",
    )
    held = commands.add_parser(
        "withhold-event",
        help="stop serving an event's bytes after the ledger withheld its entry under law",
    )
    held.add_argument("--seq", type=int, required=True, help="the event's seq")
    held.add_argument("--reason", required=True, help="what the withholding protects")
    held.add_argument("--legal-basis", required=True, help="the court order or law invoked")
    held.add_argument(
        "--notice-index", type=int, required=True, help="the ledger entry of the public notice"
    )
    rotation = commands.add_parser(
        "rotate-events-key",
        help="sign with a new events key, announced by an event signed with the old one "
        "(stop the service first)",
    )
    rotation.add_argument(
        "--new-key",
        help="base64 of the new 32-byte seed, seen by every user of this host (ps): prefer "
        f"{NEW_KEY_VARIABLE}; one of them is needed when the key comes from the environment",
    )
    printing = commands.add_parser(
        "events-key",
        help="print the verifier key of the events' signing key, last line; a missing key "
        "file is an error unless --create",
    )
    printing.add_argument(
        "--create",
        action="store_true",
        help="make the key file (mode 0600) if it is missing, as the service's first start does",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    settings = get_settings()
    logs.configure("trips-api", settings.log_level)
    if args.command == "serve":
        if settings.departments_file is not None:
            try:  # a bad registry stops the start with one line, before anything listens
                registry.read(settings.departments_file)
            except registry.RegistryFileError as exc:
                print(f"TRIPS_DEPARTMENTS_FILE: {exc}", file=sys.stderr)
                return 2
        app = build(settings)
        collector.collect_less()
        web.serve(app, settings)
        return 0
    if args.command == "events-key":
        return _events_key(settings, create=args.create)
    engine = db.make_engine(settings.database_url, settings.database_limits(), **JSON_COLUMNS)
    db.upgrade(engine, MIGRATIONS)
    if args.command == "withhold-event":
        return _withhold(engine, args)
    if args.command == "rotate-events-key":
        # From the environment, the seed stays out of the process list and shell history.
        return _rotate(engine, settings, args.new_key or os.environ.get(NEW_KEY_VARIABLE))
    return _create_key(engine, args)


def _events_key(settings: Settings, *, create: bool) -> int:
    """Print the key the service signs with; make one only when asked to. A key made
    unasked, where the caller's settings point, would not be the one that signs."""
    path = settings.signing_key_file.absolute()
    made = not settings.signing_key and not path.exists()
    if made and not create:
        print(
            f"error: no events key at {path} (TRIPS_SIGNING_KEY_FILE; TRIPS_SIGNING_KEY is not "
            "set), and none made. Point TRIPS_SIGNING_KEY_FILE at the service's key, or make one: "
            "`trips-api serve` on its first start, `trips-api events-key --create` now.",
            file=sys.stderr,
        )
        return 1
    try:
        verifier = settings.signer.verifier
    except keyfile.KeyFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if made:
        print(f"Made a new events key at {path}.", file=sys.stderr)
    print(f"Events of {settings.source} are signed with this key.", file=sys.stderr)
    print(verifier)
    return 0


def _create_key(engine: Engine, args: argparse.Namespace) -> int:
    # The API's own rules for a name and a holder, so that the command makes no key the
    # API would refuse (nor one its column cannot hold).
    try:
        name = TypeAdapter(KeyName).validate_python(args.name)
        holder = None if args.holder is None else TypeAdapter(Name).validate_python(args.holder)
    except ValidationError as exc:
        print(f"error: --name or --holder: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    with Session(engine) as session:
        try:
            key, plain = keys_service.create(
                session,
                name,
                [s.strip() for s in args.scopes.split(",") if s.strip()],
                holder=holder,
            )
        except keys_service.UnknownScopeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        session.commit()
        print(
            f"Created key {key.id} ({key.name}, held by {key.holder}) with scopes {key.scopes}.",
            file=sys.stderr,
        )
    print(plain)
    return 0


def _rotate(engine: Engine, settings: Settings, seed: str | None) -> int:
    """Announce the new key in an event the old key signs, then keep the new key."""
    if settings.signing_key and not seed:
        print(
            f"the key comes from TRIPS_SIGNING_KEY: set {NEW_KEY_VARIABLE} to the new seed",
            file=sys.stderr,
        )
        return 2
    try:
        new_key = keyfile.from_seed(seed) if seed else Ed25519PrivateKey.generate()
    except keyfile.KeyFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    old, new = settings.signer, Signer(settings.source, new_key)
    if old.verifier == new.verifier:
        print("the new key is the old key", file=sys.stderr)
        return 2
    path = settings.signing_key_file
    staged = path.with_name(path.name + ".next")
    if not settings.signing_key:
        staged.unlink(missing_ok=True)
        keyfile.write(staged, new_key)
    with Session(engine) as session:
        announced = events_service.rotate(session, old, new)
        session.commit()
    if not settings.signing_key:
        path.rename(path.with_name(f"{path.name}.{old.verifier.key_id.hex()}.retired"))
        staged.rename(path)
    print(f"event {announced.seq} names the new key; the old one signs nothing after it")
    print("restart trips-api" + ("" if not settings.signing_key else " with the new seed"))
    print(new.verifier)
    return 0


def _withhold(engine: Engine, args: argparse.Namespace) -> int:
    with Session(engine) as session:
        try:
            events_service.withhold(
                session, args.seq, args.reason, args.legal_basis, args.notice_index
            )
        except events_service.WithholdError as exc:
            print(f"not withheld: {exc}", file=sys.stderr)
            return 1
        session.commit()
    print(f"event {args.seq} withheld; the ledger's notice is entry {args.notice_index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
