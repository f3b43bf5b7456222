"""The log's public contract over real HTTP, on SQLite and PostgreSQL."""

import base64
import json
import uuid

from sqlmodel import Session, col, select

from ledger.log.models import Entry
from ledger.log.service import ENTRY, announcement
from ledger.log.tiles import parse_index
from ledger.testing import SOURCE, Ledger, event, trip_data
from periplus import merkle
from periplus.note import Verifier, open_checkpoint
from periplus.tiles import tile_path


def b64d(text: str) -> bytes:
    return base64.b64decode(text)


def test_an_empty_log_serves_a_signed_checkpoint_of_size_zero(ledger: Ledger) -> None:
    verifier = Verifier.parse(ledger.get("/v1/log/key").text)
    note = ledger.get("/v1/log/checkpoint").text
    checkpoint = open_checkpoint(note, verifier, "periplus.test/ledger")
    assert (checkpoint.size, checkpoint.root) == (0, merkle.EMPTY_ROOT)
    assert ledger.get("/checkpoint").text == note


def test_entries_and_proofs_verify_against_the_signed_checkpoint(ledger: Ledger) -> None:
    ledger.fill(13)
    verifier = Verifier.parse(ledger.get("/v1/log/key").text)
    signed = open_checkpoint(ledger.get("/v1/log/checkpoint").text, verifier)
    assert signed.size == 13
    entries = ledger.get("/v1/log/entries", start=0, end=100).json()["entries"]
    leaves = [b64d(e["leaf"]) for e in entries]
    assert [e["index"] for e in entries] == list(range(13))
    assert merkle.root_from_leaves(leaves) == (13, signed.root)
    assert json.loads(leaves[4])["seq"] == 5
    for index in (0, 6, 12):
        proof = ledger.get("/v1/log/proof/inclusion", index=index, tree_size=13).json()
        hashes = [b64d(h) for h in proof["hashes"]]
        leaf = merkle.leaf_hash(leaves[index])
        assert proof["leaf_hash"] == base64.b64encode(leaf).decode()
        assert merkle.verify_inclusion(leaf, index, 13, hashes, signed.root)
    ledger.fill(6)
    later = open_checkpoint(ledger.get("/v1/log/checkpoint").text, verifier)
    proof = ledger.get("/v1/log/proof/consistency", first=13, second=19).json()
    hashes = [b64d(h) for h in proof["hashes"]]
    assert merkle.verify_consistency(13, 19, signed.root, later.root, hashes)


def test_bad_ranges_are_clear_problems_not_errors(ledger: Ledger) -> None:
    ledger.fill(3)
    for path, params in [
        ("/v1/log/proof/inclusion", {"index": 3, "tree_size": 3}),
        ("/v1/log/proof/inclusion", {"index": 0, "tree_size": 9}),
        ("/v1/log/proof/consistency", {"first": 3, "second": 2}),
        ("/v1/log/entries", {"start": 5, "end": 1}),
    ]:
        response = ledger.get(path, **params)
        assert response.status_code == 400, (path, params)
        assert response.headers["content-type"] == "application/problem+json"
    assert ledger.get("/v1/log/entries", start=-1, end=2).status_code == 422


def test_each_event_is_appended_once_in_seq_order(ledger: Ledger) -> None:
    trip = uuid.uuid4()
    first, second, third = (event(i, trip) for i in (1, 2, 3))
    ledger.append([third, first, second, first])
    ledger.append([second])
    entries = ledger.get("/v1/log/entries", start=0, end=10).json()["entries"]
    assert [e["event"]["seq"] for e in entries] == [1, 2, 3]
    with ledger.engine.connect() as connection:
        rows = connection.execute(ENTRY.select().order_by(ENTRY.c.index)).all()
    messages = [announcement(row._asdict()) for row in rows]
    assert {key for key, _ in messages} == {str(trip).encode()}
    announced = [json.loads(value) for _, value in messages]
    assert [(a["index"], a["tree_size"], a["event"]["seq"]) for a in announced] == [
        (0, 1, 1),
        (1, 2, 2),
        (2, 3, 3),
    ]
    withheld = announcement({**rows[1]._asdict(), "leaf": b""})
    assert json.loads(withheld[1]) == {"index": 1, "withheld": True}


def test_checkpoint_history_lists_every_signed_size(ledger: Ledger) -> None:
    ledger.fill(2)
    ledger.fill(3)
    history = ledger.get("/v1/log/checkpoints").json()["checkpoints"]
    assert [c["size"] for c in history] == [0, 2, 5]
    assert ledger.get("/v1/log/checkpoints", after=2).json()["checkpoints"][0]["size"] == 5
    verifier = Verifier.parse(ledger.get("/v1/log/key").text)
    assert open_checkpoint(history[1]["note"], verifier).size == 2


def test_auditors_find_entries_by_trip_department_sdg_type_and_date(ledger: Ledger) -> None:
    water, roads = uuid.uuid4(), uuid.uuid4()
    ledger.append(
        [
            event(1, water, data=trip_data(["water", "environment"], [6, 13]), day=2),
            event(2, roads, data=trip_data(["roads"], [11]), day=5),
            event(3, water, "trip.completed", {"reference": "T-1"}, day=20),
        ]
    )

    def indices(**params: object) -> list[int]:
        found = ledger.get("/v1/audit/entries", **params).json()
        return [e["index"] for e in found["entries"]]

    assert indices(trip_id=str(water)) == [0, 2]
    assert indices(department="environment") == [0, 2]
    assert indices(sdg=11) == [1]
    assert indices(type="trip.completed") == [2]
    assert indices(source=SOURCE, since="2026-03-03", until="2026-03-20") == [1, 2]
    assert indices(until="2026-03-04") == [0]
    assert indices(after=0, limit=1) == [1]
    assert ledger.get("/v1/audit/entries", sdg=18).status_code == 422


def test_one_response_proves_every_entry_of_a_trip(ledger: Ledger) -> None:
    trip = uuid.uuid4()
    ledger.append([event(i + 1, trip if i % 3 == 0 else uuid.uuid4()) for i in range(10)])
    body = ledger.get(f"/v1/audit/trips/{trip}").json()
    verifier = Verifier.parse(ledger.get("/v1/log/key").text)
    signed = open_checkpoint(body["checkpoint"], verifier)
    assert body["tree_size"] == signed.size == 10
    assert [e["index"] for e in body["entries"]] == [0, 3, 6, 9]
    for entry in body["entries"]:
        leaf = merkle.leaf_hash(b64d(entry["leaf"]))
        proof = [b64d(h) for h in entry["proof"]]
        assert merkle.verify_inclusion(leaf, entry["index"], signed.size, proof, signed.root)
    assert ledger.get(f"/v1/audit/trips/{uuid.uuid4()}").status_code == 404
    assert ledger.get(f"/v1/audit/trips/{trip}", tree_size=7).status_code == 404


def test_the_export_streams_every_entry_as_json_lines(ledger: Ledger) -> None:
    ledger.fill(1203)
    response = ledger.get("/v1/audit/export.jsonl")
    assert response.headers["content-type"].startswith("application/jsonl")
    header, *lines = [json.loads(line) for line in response.text.splitlines()]
    assert header == {"checkpoint": ledger.get("/v1/log/checkpoint").text, "tree_size": 1203}
    assert [line["index"] for line in lines] == list(range(1203))
    leaves = [b64d(line["leaf"]) for line in lines]
    signed = ledger.get("/v1/log/checkpoints", after=1202).json()["checkpoints"][0]
    assert merkle.root_from_leaves(leaves)[1] == b64d(signed["root"])


def test_tiles_and_entry_bundles_follow_tlog_tiles(ledger: Ledger) -> None:
    ledger.fill(300)
    assert tile_path(0) == "000"
    assert tile_path(1234067) == "x001/x234/067"
    assert parse_index("x001/x234/067.p/7") == (1234067, 7)
    full = ledger.get("/tile/0/000")
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    hashes = [full.content[i : i + 32] for i in range(0, len(full.content), 32)]
    assert len(hashes) == 256
    partial = ledger.get("/tile/0/001.p/44")
    assert len(partial.content) == 44 * 32
    assert partial.headers["cache-control"] != full.headers["cache-control"]
    assert ledger.get("/tile/0/001").status_code == 404
    assert ledger.get("/tile/0/001.p/45").status_code == 404
    assert ledger.get("/tile/0/1").status_code == 404
    answer = ledger.get("/tile/entries/000")
    # A bundle's bytes change if an entry of it is withheld: caches keep it a day.
    assert answer.headers["cache-control"] == "public, max-age=86400"
    bundle = answer.content
    leaves: list[bytes] = []
    while bundle:
        size = int.from_bytes(bundle[:2], "big")
        leaves.append(bundle[2 : 2 + size])
        bundle = bundle[2 + size :]
    assert [merkle.leaf_hash(leaf) for leaf in leaves] == hashes
    level_one = ledger.get("/tile/1/000.p/1").content
    with Session(ledger.engine) as session:
        ordered = session.exec(select(Entry).order_by(col(Entry.index))).all()
        first_256 = [e.leaf for e in ordered][:256]
    assert level_one == merkle.root_from_leaves(first_256)[1]
