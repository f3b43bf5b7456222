"""``ledger verify``: an auditor's checks from the command line.

    python -m periplus.audit --url https://ledger.example --policy trust.policy
    python -m periplus.audit --receipt entry-41.tlog-proof --policy trust.policy
    python -m periplus.audit --export log.jsonl --policy trust.policy

Online, the whole log is checked over its public HTTP interface; offline, a
receipt or an export is checked against the reader's own trust policy.
"""

import argparse
import json
import sys
from pathlib import Path

from periplus.checks import VerificationFailedError, rotation_statements
from periplus.note import NoteError
from periplus.offline import check_export, check_receipt
from periplus.policy import Policy, PolicyError, read_policy
from periplus.sources import SourceKeys
from periplus.verify import verify_log


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--url", help="the ledger's base URL: check the whole log")
    what.add_argument("--receipt", type=Path, help="a .tlog-proof receipt: check it offline")
    what.add_argument("--export", type=Path, help="a JSON Lines export: check it offline")
    parser.add_argument(
        "--policy",
        type=Path,
        help="a C2SP tlog-policy file: the log key and the witness quorum you trust "
        "(required offline)",
    )
    parser.add_argument(
        "--source-key",
        action="append",
        default=[],
        metavar="VKEY",
        help="a source's verifier key (repeatable): every entry of it is checked under it",
    )
    parser.add_argument(
        "--unsigned-before",
        type=int,
        default=0,
        metavar="INDEX",
        help="entries below this index may be unsigned (logged before source signatures); "
        "default 0: every entry must be signed",
    )
    parser.add_argument(
        "--rotations",
        type=Path,
        help="the log's key rotations, as GET /v1/log/keys answers them (JSON), kept from "
        "the ledger: offline, a receipt or an export then checks under the key you pin "
        "whether it was signed before or after a rotation",
    )
    parser.add_argument("--checkpoint", type=Path, help="a signed checkpoint kept from before")
    parser.add_argument("--key", help="the verifier key to trust (else the policy's or published)")
    parser.add_argument(
        "--proofs", default="32", help="inclusion proofs to check, or 'all' (default 32)"
    )
    parser.add_argument(
        "--save", type=Path, help="after success, write the checked checkpoint to this file"
    )


def _sources(keys: list[str]) -> SourceKeys:
    by_source: dict[str, list[str]] = {}
    for key in keys:
        by_source.setdefault(key.split("+", 1)[0], []).append(key)
    return SourceKeys.configured(by_source)


def _rotations(path: Path) -> list[str]:
    """The statements of a saved ``GET /v1/log/keys`` answer; ValueError if it is none."""
    try:
        return rotation_statements(json.loads(path.read_bytes()))
    except ValueError as exc:
        raise ValueError(f"{path} is not the JSON of GET /v1/log/keys: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    try:
        policy: Policy | None = read_policy(args.policy) if args.policy else None
        sources = _sources(args.source_key)
        rotations = _rotations(args.rotations) if args.rotations else []
    except (OSError, PolicyError, NoteError, ValueError) as exc:
        print(f"FAILED: the trust you gave cannot be read: {exc}", file=sys.stderr)
        return 2
    try:
        if args.url is None:
            if policy is None:
                print("FAILED: an offline check needs --policy", file=sys.stderr)
                return 2
            if args.receipt is not None:
                print(
                    check_receipt(
                        args.receipt.read_text(),
                        policy,
                        sources,
                        args.unsigned_before,
                        rotations,
                    )
                )
            else:
                with args.export.open() as lines:
                    checked = check_export(lines, policy, sources, args.unsigned_before, rotations)
                    print(checked.summary())
            return 0
        previous = args.checkpoint.read_text() if args.checkpoint else None
        proofs = -1 if args.proofs == "all" else int(args.proofs)
        report = verify_log(
            args.url,
            key=args.key,
            previous=previous,
            proofs=proofs,
            policy=policy,
            sources=sources,
            unsigned_before=args.unsigned_before,
        )
    except VerificationFailedError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as exc:
        print(f"FAILED: the file is not UTF-8 text: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    if args.save:
        args.save.write_text(report.checkpoint)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ledger verify", description="Check a Periplus ledger, a receipt or an export."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
