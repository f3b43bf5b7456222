"""The notifier shows an entry only once the witnesses its policy names have cosigned it."""

from ledger.testing import SOURCE_SIGNER
from notifier import state
from notifier.main import build
from notifier.settings import Settings
from periplus.testing import Server, eventually
from tests.trust.conftest import WitnessedLog


def test_entries_are_shown_once_the_quorum_cosigned_their_checkpoint(
    witnessed_log: WitnessedLog, database_url: str
) -> None:
    log = witnessed_log(1)
    log.ledger.fill(3)
    settings = Settings(
        database_url=database_url,
        ledger_url=log.ledger.url,
        trust_policy_file=log.policy_file,  # the ledger's own policy: its key, w1, quorum w1
        source_keys={SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]},
        ledger_source=log.ledger.settings.own_source,
        kafka_bootstrap="127.0.0.1:9",
        ingest_enabled=False,
        webhooks_enabled=False,
        alerts_enabled=False,
    )
    app = build(settings)
    with Server(app):
        ingestor = state.of(app).ingestor
        shown: list[int] = []

        def catching_up(total: int) -> bool:
            shown.append(ingestor.catch_up())
            return sum(shown) == total

        # No checkpoint meets the quorum yet: the ledger answers 503 and the notifier
        # backs off (half a second at first), then shows what the quorum cosigned.
        assert ingestor.catch_up() == 0
        assert log.cosign()
        eventually(lambda: catching_up(3))
        log.ledger.fill(2)
        assert ingestor.catch_up() == 0  # signed, not yet cosigned: not shown
        assert log.cosign()
        eventually(lambda: catching_up(5))
