"""A ledger and real witnesses, each over real HTTP with a database of its own."""

import base64
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ledger.cosigning.worker import Witnessing
from ledger.testing import SEED, Ledger, serve
from periplus.keyfile import from_seed
from periplus.note import Signer
from periplus.policy import Policy, parse_policy
from witness.testing import RunningWitness
from witness.testing import serve as serve_witness

ORIGIN = "periplus.test/ledger"
LOG_SIGNER = Signer(ORIGIN, from_seed(SEED))


@dataclass
class Witnessed:
    ledger: Ledger
    witnesses: list[RunningWitness]
    policy: Policy
    policy_file: Path

    def cosign(self) -> bool:
        """One round of asking every witness, as the ledger's worker does."""
        with httpx.Client(timeout=5) as http:
            return Witnessing(self.ledger.engine, self.policy, http).run_once()


WitnessedLog = Callable[..., Witnessed]


@pytest.fixture
def witnessed_log(make_database: Callable[[str], str], tmp_path: Path) -> Iterator[WitnessedLog]:
    """``witnessed_log(count, quorum)``: a ledger whose policy names ``count`` witnesses."""
    with ExitStack() as stack:

        def start(
            count: int = 1, quorum: str = "w1", unreachable: int = 0, **ledger_options: object
        ) -> Witnessed:
            """``unreachable`` names a witness whose URL in the policy answers nothing."""
            witnesses = []
            for n in range(1, count + 1):
                seed = base64.b64encode(bytes([n]) * 32).decode()
                folder = tmp_path / f"w{n}"
                folder.mkdir()
                witnesses.append(
                    stack.enter_context(
                        serve_witness(
                            make_database(f"witness{n}"),
                            [LOG_SIGNER.verifier],
                            folder,
                            name=f"witness{n}.test/periplus",
                            key=seed,
                        )
                    )
                )
            lines = [f"log {LOG_SIGNER.verifier}"]
            lines += [
                f"witness w{n} {w.cosigner.key} "
                + ("http://127.0.0.1:9" if n == unreachable else w.url)
                for n, w in enumerate(witnesses, 1)
            ]
            if count > 1:
                names = " ".join(f"w{n}" for n in range(1, count + 1))
                lines.append(f"group witnesses {quorum} {names}")
                quorum = "witnesses"
            lines.append(f"quorum {quorum}")
            policy_file = tmp_path / "trust.policy"
            policy_file.write_text("\n".join(lines) + "\n")
            ledger = stack.enter_context(
                serve(make_database("ledger"), witness_policy_file=policy_file, **ledger_options)
            )
            return Witnessed(ledger, witnesses, parse_policy(policy_file.read_text()), policy_file)

        yield start
