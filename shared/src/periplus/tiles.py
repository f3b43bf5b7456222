"""C2SP tlog-tiles: tile paths, and entry bundles as the log writes and readers read them.

An entry bundle holds up to ``WIDTH`` consecutive entries, each its length as a
big-endian uint16 and then its bytes; a withheld entry's bytes are gone, so the
ledger bundles it as empty (no event is).
"""

from collections.abc import Iterable

WIDTH = 256  # hashes in a tile, entries in a bundle
LONGEST = 0xFFFF  # the longest entry a bundle can hold


class BundleError(ValueError):
    """Bytes that are not an entry bundle of the width asked for."""


def tile_path(index: int, width: int = WIDTH) -> str:
    """Tile ``index``'s path: ``x001/x234/067``, or ``x001/x234/067.p/17`` when partial."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    path = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
    return path if width == WIDTH else f"{path}.p/{width}"


def parse_path(path: str) -> tuple[int, int]:
    """``x001/x234/067`` or ``067.p/17`` to (tile index, width); ValueError if malformed."""
    parts = path.split("/")
    width = WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        if not parts[-1].isdigit() or not 1 <= int(parts[-1]) < WIDTH or parts[-1][0] == "0":
            raise ValueError("A partial tile's width is 1 to 255.")
        width = int(parts[-1])
        parts = [*parts[:-2], parts[-2][:-2]]
    *upper, last = parts
    if not all(len(p) == 4 and p[0] == "x" and p[1:].isdigit() for p in upper) or not (
        len(last) == 3 and last.isdigit()
    ):
        raise ValueError("A tile index is written as x001/x234/067.")
    return int("".join(p[1:] for p in upper) + last), width


def bundle(entries: Iterable[bytes]) -> bytes:
    """The entries as one bundle; BundleError if one is longer than ``LONGEST``."""
    chunks = []
    for entry in entries:
        if len(entry) > LONGEST:
            raise BundleError(f"an entry of {len(entry)} bytes is too long for a bundle")
        chunks.append(len(entry).to_bytes(2, "big") + entry)
    return b"".join(chunks)


def unbundle(body: bytes, width: int) -> list[bytes]:
    """The ``width`` entries of a bundle; BundleError if ``body`` holds any other number,
    or ends inside one."""
    entries: list[bytes] = []
    at, end = 0, len(body)
    while at < end:
        start = at + 2
        at = start + int.from_bytes(body[at:start], "big")
        if at > end:
            raise BundleError(f"the bundle ends inside its entry {len(entries)}")
        entries.append(body[start:at])
    if len(entries) != width:
        raise BundleError(f"the bundle holds {len(entries)} entries, not {width}")
    return entries
