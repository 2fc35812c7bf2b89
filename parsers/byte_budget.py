"""One byte budget per run, for what is read into memory from the inputs' files.

design.md "Resource limits": YAML/JSON/text members are read whole into memory, so each is capped
(``MEMBER_CAP``, 1 GiB decompressed) and together they are capped per run (``RUN_BYTES``, 4 GiB by
default, ``--max-bytes``). The budget is shared by every input of the run and counts every read,
so members of a zip that share one stored body count each time they are read. A member that would
pass it is skipped (with the byte offset where reading stopped), never kept in part; the members
after it that still fit are read. Access logs are streamed and guarded apart (``parsers.log_stream``).

Compressed inputs read whole are also guarded by ratio (:class:`RatioGuard`), with the constants the
access logs use: past 64 MiB, the decompressed bytes read from one compressed body may not pass 200
times its stored size. Without it a 3 MB ``.tar.gz`` of 4 x 700 MB members, or a 1 MB zip whose
members share one 900 MB body, is decompressed up to the budget: minutes and gigabytes for nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any

MEMBER_CAP = 1 << 30  # 1 GiB: larger single members are skipped (decompression bombs, core dumps)
RUN_BYTES = 4 << 30  # 4 GiB read into memory per run, all inputs together
RATIO_LIMIT = 200  # decompressed bytes per stored byte beyond which a compressed body is a bomb
RATIO_FLOOR = 64 << 20  # the ratio is only judged past this many decompressed bytes


class MemberTooLarge(Exception):
    """A member not kept because of a byte limit; ``offset``: the byte where reading stopped."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


class ByteBudget:
    """The bytes a run may still read into memory (shared by the sources of one run)."""

    def __init__(self, limit: int = RUN_BYTES):
        self.limit = limit
        self.used = 0
        # bytes a compressed tar's listing holds for a later read (``parsers.archive_sources``), all inputs
        # together: not counted as used until read, but no listing holds more than the budget leaves
        self.held = 0

    def left(self) -> int:
        return max(0, self.limit - self.used)

    def take(self, n: int) -> None:
        """Count ``n`` bytes read and kept."""
        self.used += n

    def refusal(self, name: str, size: str, offset: int = 0) -> MemberTooLarge:
        """Why ``name`` (``size``: how many bytes it has) is not kept: it would pass the run's budget."""
        return MemberTooLarge(
            f"{name}: {size} would pass the run's byte budget ({self.limit} bytes, --max-bytes; "
            f"{self.left()} left); {not_kept(offset)}", offset)


def not_kept(offset: int) -> str:
    """The end of a refusal: refused before reading, or cut part-way (its bytes dropped)."""
    return "not read" if not offset else f"reading stopped at byte {offset}, nothing of it kept"


def ratio_allowance(stored: int) -> int:
    """The decompressed bytes ``stored`` compressed bytes may explain before they are judged a bomb."""
    return max(RATIO_FLOOR, RATIO_LIMIT * max(stored, 1))


class RatioGuard:
    """Decompressed bytes read so far from each compressed body of one input.

    A body is what a member's bytes come out of: the whole archive for a compressed tar or a ``.gz``
    dump (a bomb cannot be explained even by the whole compressed file), one stored entry for a zip
    member (members that share a data offset share the body, so each read of it counts). Only bytes
    kept are counted: a member refused or cut leaves the allowance to the members after it.
    """

    def __init__(self) -> None:
        self.read: dict[object, int] = {}

    def left(self, body: object, stored: int) -> int:
        return max(0, ratio_allowance(stored) - self.read.get(body, 0))

    def take(self, body: object, n: int) -> None:
        self.read[body] = self.read.get(body, 0) + n

    def refusal(self, name: str, size: str, body: object, stored: int, what: str, offset: int = 0
                ) -> MemberTooLarge:
        """Why ``name`` (``size``: how many bytes it has) is not kept: ``body`` would pass the ratio."""
        return MemberTooLarge(
            f"{name}: {size} would pass {RATIO_LIMIT} times the compressed size of {what} ({stored} bytes, "
            f"{self.read.get(body, 0)} decompressed bytes already read from it; judged past {RATIO_FLOOR}): "
            f"a decompression bomb; {not_kept(offset)}", offset)


class CappedReader(io.RawIOBase):
    """A read-only stream that raises ``over(cap)`` once more than ``cap`` bytes come out of ``raw``;
    it ends after ``stop`` bytes when given (a head read never reads ahead into the cap)."""

    def __init__(self, raw: IO[bytes], cap: int, over: Callable[[int], MemberTooLarge], stop: int | None = None):
        self._raw = raw
        self._cap = cap
        self._over = over
        self._stop = stop
        self.offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._stop is not None:
            view = view[: max(0, self._stop - self.offset)]
            if not len(view):
                return 0
        n = self._raw.readinto(view) if hasattr(self._raw, "readinto") else self._fill(view)
        self.offset += n or 0
        if self.offset > self._cap:
            raise self._over(self._cap)
        return n or 0

    def _fill(self, view: memoryview) -> int:
        data = self._raw.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()
