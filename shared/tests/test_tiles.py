"""tlog-tiles paths and entry bundles, as C2SP writes them."""

import pytest

from periplus import tiles


def test_paths_group_the_index_in_threes_and_name_a_partial_width() -> None:
    assert tiles.tile_path(0) == "000"
    assert tiles.tile_path(1234067) == "x001/x234/067"
    assert tiles.tile_path(1234067, 7) == "x001/x234/067.p/7"
    for index, width in ((0, 256), (5, 1), (1234067, 255), (10**9, 17)):
        assert tiles.parse_path(tiles.tile_path(index, width)) == (index, width)


@pytest.mark.parametrize(
    "path", ["1", "0000", "x1/000", "000.p/0", "000.p/256", "000.p/07", "000.p/x", "x001/067/000"]
)
def test_a_malformed_path_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="tile"):
        tiles.parse_path(path)


def test_a_bundle_is_each_entry_behind_its_length_and_reads_back() -> None:
    entries = [b'{"a":1}', b"", b"x" * 300]
    body = tiles.bundle(entries)
    assert body[:9] == b'\x00\x07{"a":1}'
    assert body[9:11] == b"\x00\x00"
    assert body[11:13] == (300).to_bytes(2, "big")
    assert len(body) == 2 + 7 + 2 + 2 + 300
    assert tiles.unbundle(body, 3) == entries


def test_an_entry_too_long_for_a_bundle_is_refused() -> None:
    with pytest.raises(tiles.BundleError):
        tiles.bundle([b"x" * (tiles.LONGEST + 1)])
    assert tiles.unbundle(tiles.bundle([b"x" * tiles.LONGEST]), 1) == [b"x" * tiles.LONGEST]


@pytest.mark.parametrize(
    ("body", "width"),
    [
        (b"\x00\x07{}", 1),  # ends inside its entry
        (b"\x00", 1),  # ends inside a length
        (b"\x00\x02{}\x00\x02{}", 1),  # more entries than asked for
        (b"\x00\x02{}", 2),  # fewer
        (b"", 1),
    ],
)
def test_bytes_that_are_not_a_bundle_of_the_width_asked_for_are_refused(
    body: bytes, width: int
) -> None:
    with pytest.raises(tiles.BundleError):
        tiles.unbundle(body, width)
