"""Trust: how long cosigning takes, and what an auditor's full check costs.

- Cosigning: after the ledger signs a checkpoint, the time until it holds
  cosignatures that meet the policy's quorum: one round of the witnessing
  worker (consistency proofs, a request to each witness over real HTTP, the
  answers checked and stored), with 1 and with 3 real witnesses (quorum 2 of
  3), p50/p95 over checkpoints of 20 new entries each. The baseline is the
  time to sign the checkpoint itself, in the same run. The worker is woken as
  soon as a checkpoint is signed, so this round is the delay a reader sees on
  top of the checkpoint interval.
- Auditor: ``ledger verify`` of 10^6 trip-sized, signed entries served over
  HTTP, every source signature checked, against hashing the same leaves in
  the same run (the floor of any check of the tree).

Kafka into the log with the source signature checked on every event is
``benchmarks/ledger.py``: since events are signed, that path checks them.
"""

import base64
import hashlib
import sqlite3
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from ledger.cosigning.worker import Witnessing
from ledger.log.service import sign_checkpoint
from ledger.log.signing import load_signer
from ledger.main import MIGRATIONS
from ledger.testing import SOURCE_SIGNER, event, ledger_settings, serve
from periplus import db, merkle
from periplus.policy import parse_policy
from periplus.sources import SourceKeys
from periplus.verify import verify_log
from witness.testing import serve as serve_witness

ROUNDS = 60
AUDIT_SIZE = 1_000_000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _cosigning(tmp: Path, count: int) -> dict[str, Any]:
    with ExitStack() as stack:
        ledger_url = f"sqlite:///{tmp}/cosign-{count}.db"
        log_key = load_signer(ledger_settings(ledger_url)).verifier
        witnesses = []
        for n in range(1, count + 1):
            folder = tmp / f"w{count}-{n}"
            folder.mkdir()
            witnesses.append(
                stack.enter_context(
                    serve_witness(
                        f"sqlite:///{folder}/witness.db",
                        [log_key],
                        folder,
                        name=f"witness{n}.bench/periplus",
                        key=base64.b64encode(bytes([n]) * 32).decode(),
                    )
                )
            )
        lines = [f"log {log_key}"]
        lines += [f"witness w{n} {w.cosigner.key} {w.url}" for n, w in enumerate(witnesses, 1)]
        if count > 1:
            lines.append("group g 2 " + " ".join(f"w{n}" for n in range(1, count + 1)))
        lines.append("quorum " + ("g" if count > 1 else "w1"))
        policy = parse_policy("\n".join(lines) + "\n")
        ledger = stack.enter_context(serve(ledger_url))
        http = stack.enter_context(httpx.Client(timeout=5))
        worker = Witnessing(ledger.engine, policy, http)
        signing: list[float] = []
        cosigning: list[float] = []
        trip = uuid.uuid4()
        for _ in range(ROUNDS):
            ledger.append([event(ledger.seq + i, trip) for i in range(1, 21)], checkpoint=False)
            ledger.seq += 20
            with Session(ledger.engine) as session:
                started = time.perf_counter()
                sign_checkpoint(session, ledger.signer)
                session.commit()
                signing.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert worker.run_once(), "the quorum was not met"
            cosigning.append(time.perf_counter() - started)
    return {
        "witnesses": count,
        "quorum": "1 of 1" if count == 1 else "2 of 3",
        "to_quorum_p50_ms": round(statistics.median(cosigning) * 1000, 1),
        "to_quorum_p95_ms": round(_percentile(cosigning, 0.95) * 1000, 1),
        "baseline_sign_p50_ms": round(statistics.median(signing) * 1000, 2),
        "ratio_p50_to_signing": round(statistics.median(cosigning) / statistics.median(signing), 1),
    }


def _signed_leaves(first: int, count: int) -> list[bytes]:
    """Trip-sized events signed by the test source, seqs from ``first``: distinct, each
    with its own signature."""
    padding = "Agenda: reunión con la red de ciudades y visita técnica — " * 20
    return [
        event(seq, uuid.uuid4(), data={"trip": {"reference": f"B-{seq}", "notes": padding}}).leaf
        for seq in range(first, first + count)
    ]


def _fill(path: Path, size: int) -> None:
    """Entries and tree nodes straight into the tables, as appends would leave them: events
    signed as they are written, their seqs from 1 in order, as an auditor checks them."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    compact = merkle.CompactRange()
    now = datetime.now(UTC).isoformat()
    while compact.size < size:
        entries: list[tuple[Any, ...]] = []
        nodes: list[tuple[int, int, bytes]] = []
        for leaf in _signed_leaves(compact.size + 1, min(50_000, size - compact.size)):
            index = compact.size
            entries.append(
                (
                    index,
                    f"{index:032x}",
                    "bench/src",
                    index + 1,
                    "trip.approved",
                    str(uuid.UUID(int=index)),
                    "2026-01-01T00:00:00Z",
                    leaf,
                    now,
                )
            )
            digest = hashlib.sha256(b"\x00" + leaf).digest()
            nodes.extend((lv, ix, h) for (lv, ix), h in compact.append(digest))
        connection.executemany(
            'INSERT INTO entry ("index", event_id, source, seq, type, trip_id, occurred_at,'
            " leaf, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
        connection.executemany('INSERT INTO node (level, "index", hash) VALUES (?, ?, ?)', nodes)
        connection.commit()
    connection.close()


def _audit(tmp: Path, size: int) -> dict[str, Any]:
    """A full ``ledger verify`` of ``size`` entries, each a signed event of its own."""
    leaves = _signed_leaves(1, 2_000)  # the same size of leaf, for the hashing baseline
    path = tmp / "audit.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()
    started = time.perf_counter()
    _fill(path, size)
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    for index in range(size):
        hashlib.sha256(b"\x00" + leaves[index % len(leaves)]).digest()
    hashing = size / (time.perf_counter() - started)
    keys = SourceKeys.configured({SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]})
    with serve(f"sqlite:///{path}") as ledger:
        with Session(ledger.engine) as session:
            sign_checkpoint(session, ledger.signer)
            session.commit()
        started = time.perf_counter()
        report = verify_log(ledger.url, key=str(ledger.signer.verifier), sources=keys)
        elapsed = time.perf_counter() - started
    assert report.signatures_checked == size
    return {
        "entries": size,
        "fill_s": round(fill_s, 1),
        "verify_s": round(elapsed, 1),
        "verify_entries_per_s": round(size / elapsed),
        "baseline_sha256_leaves_per_s": round(hashing),
        "ratio_to_hashing": round(size / elapsed / hashing, 4),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return {
            "cosigning": [_cosigning(folder, 1), _cosigning(folder, 3)],
            "ledger_verify": _audit(folder, AUDIT_SIZE),
        }
