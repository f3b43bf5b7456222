"""Racing submissions: exactly one wins each race, and the stored size never goes back.

tlog-witness warns that checking the old size and storing the new one must be
atomic, or a slow request for size N overwrites a fast one for N+K. Here
several clients submit different sizes from the same old size at once, to one
witness process and to two sharing a database.
"""

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from periplus.note import Checkpoint, split_note
from witness.testing import Log, RunningWitness, serve

RACERS = 6
ROUNDS = 8


def _stored_size(witness: RunningWitness, origin: str) -> int:
    digest = hashlib.sha256(origin.encode()).hexdigest()
    note = witness.http.get(f"{witness.url}/{digest}/checkpoint").text
    return Checkpoint.parse_body(split_note(note)[0]).size


def _race(witnesses: list[RunningWitness], bodies: list[str]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))
    clients = [httpx.Client(timeout=60) for _ in bodies]

    def send(i: int) -> httpx.Response:
        url = f"{witnesses[i % len(witnesses)].url}/add-checkpoint"
        barrier.wait()
        return clients[i].post(url, content=bodies[i])

    try:
        with ThreadPoolExecutor(len(bodies)) as pool:
            return list(pool.map(send, range(len(bodies))))
    finally:
        for client in clients:
            client.close()


@pytest.mark.parametrize("processes", [1, 2])
def test_racing_submissions_never_roll_the_stored_size_back(
    database_url: str, log: Log, tmp_path: Path, processes: int
) -> None:
    with ExitStack() as stack:
        witnesses = []
        for i in range(processes):
            (tmp_path / str(i)).mkdir()
            running = serve(database_url, [log.signer.verifier], tmp_path / str(i))
            witnesses.append(stack.enter_context(running))
        assert witnesses[0].submit(log.grow(3).submission(0)).status_code == 200
        stored, history = 3, [3]
        for _ in range(ROUNDS):
            log.grow(stored + RACERS - log.size)
            sizes = [stored + step for step in range(1, RACERS + 1)]
            responses = _race(witnesses, [log.submission(stored, size) for size in sizes])
            winners = [
                size for size, r in zip(sizes, responses, strict=True) if r.status_code == 200
            ]
            assert len(winners) == 1, [r.status_code for r in responses]
            for response in responses:
                if response.status_code != 200:
                    assert response.status_code == 409, response.text
                    assert response.text == f"{winners[0]}\n"
            stored = _stored_size(witnesses[-1], log.signer.name)
            assert stored == winners[0]
            history.append(stored)
        assert history == sorted(history)
