"""The witness's own key, and the logs it trusts, pinned in a file of vkeys."""

from pathlib import Path

from periplus import keyfile
from periplus.cosignature import Cosigner
from periplus.note import NoteError, Verifier
from witness.settings import Settings


def load_cosigner(settings: Settings) -> Cosigner:
    seed = settings.key.get_secret_value() if settings.key else None
    return Cosigner(settings.name, keyfile.load(seed, settings.key_file))


def read_logs(path: Path | None) -> dict[str, list[Verifier]]:
    """Each trusted origin and its keys: one vkey a line, ``#`` comments, blank lines.

    A log's key name is its origin (tlog-checkpoint, tlog-policy); several keys
    for one origin let a log rotate its key without a gap in cosigning.
    """
    logs: dict[str, list[Verifier]] = {}
    if path is None:
        return logs
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            key = Verifier.parse(text)
        except NoteError as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from exc
        logs.setdefault(key.name, []).append(key)
    return logs
