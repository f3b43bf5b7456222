"""``/readyz`` of the ledger: a standby that does not hold the writer role still serves the
log and is ready; the role is reported, as is a broker that is down."""

from ledger.testing import serve


def test_the_writer_role_is_reported_and_a_standby_is_ready_too(database_url: str) -> None:
    with serve(database_url) as writer, serve(database_url) as standby:
        first, second = writer.get("/readyz"), standby.get("/readyz")
        metrics = standby.get("/metrics").text
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["checks"]["writer"] == {"status": "ok", "required": False, "writer": True}
    assert second.json()["checks"]["writer"]["writer"] is False
    assert first.json()["checks"]["broker"]["status"] == "failing"  # nothing at 127.0.0.1:1
    assert 'readiness_check_value{check="writer",field="writer",service="ledger"} 0.0' in metrics
