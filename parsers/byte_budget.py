"""One byte budget per run, for what is read into memory from the inputs' files.

design.md "Resource limits": YAML/JSON/text members are read whole into memory, so each is capped
(``MEMBER_CAP``, 1 GiB decompressed) and together they are capped per run (``RUN_BYTES``, 4 GiB by
default, ``--max-bytes``). The budget is shared by every input of the run and counts every read,
so members of a zip that share one stored body count each time they are read. A member that would
pass it is skipped (with the byte offset where reading stopped), never kept in part; the members
after it that still fit are read. Access logs are streamed and guarded apart (``parsers.log_stream``).
"""

from __future__ import annotations

MEMBER_CAP = 1 << 30  # 1 GiB: larger single members are skipped (decompression bombs, core dumps)
RUN_BYTES = 4 << 30  # 4 GiB read into memory per run, all inputs together


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
