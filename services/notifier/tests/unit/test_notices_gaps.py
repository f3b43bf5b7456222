"""``/notices`` places each gap this site accepted just before the first entry it showed
again, among the ledger's notices read a page at a time from their index: every page,
at every size, is the slice of the whole list, newest first."""

from datetime import UTC, datetime

import pytest

from notifier.ingest.models import GapAccepted
from notifier.publish import notices
from notifier.publish.models import LoggedEntry

NOW = datetime(2026, 12, 2, tzinfo=UTC)
INDEXES = [10, 8, 5, 3, 1]  # the ledger's notices, newest first
GAPS = [9, 2, 0]  # the first entry each gap showed again


def _notice(index: int) -> LoggedEntry:
    return LoggedEntry(
        index=index, trip_id="", type="entry.withheld", occurred_at="", event={}, received_at=NOW
    )


def _gap(index: int) -> GapAccepted:
    return GapAccepted(
        source="city/trips-api",
        after_seq=index,
        next_seq=index + 2,
        first_index=index,
        released=1,
        reason="-",
        decided_at=NOW,
    )


def _key(found: LoggedEntry | GapAccepted) -> str:
    return f"g{found.first_index}" if isinstance(found, GapAccepted) else str(found.index)


@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_each_page_is_its_slice_of_the_whole_list(count: int) -> None:
    whole = ["10", "g9", "8", "5", "3", "g2", "1", "g0"]
    entries = [_notice(i) for i in INDEXES]
    gaps = [(_gap(g), sum(1 for i in INDEXES if i > g)) for g in GAPS]
    for start in range(len(whole) + 2):
        offset = notices.first_notice(gaps, start)
        listed = entries[offset : offset + count]  # as the query reads them
        found = notices.page(listed, gaps, start, count)
        assert [_key(f) for f in found] == whole[start : start + count], (start, count)
