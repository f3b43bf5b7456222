"""The notifier shows an entry only once the witnesses its policy names have cosigned it."""

from ledger.testing import SOURCE_SIGNER
from notifier.main import build
from notifier.settings import Settings
from periplus.testing import Server
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
        ingestor = app.state.ingestor
        assert ingestor.catch_up() == 0  # no checkpoint meets the quorum yet
        assert log.cosign()
        assert ingestor.catch_up() == 3
        log.ledger.fill(2)
        assert ingestor.catch_up() == 0
        assert log.cosign()
        assert ingestor.catch_up() == 2
