"""The :class:`Snapshot`: every frame the analysis needs, from one or several inputs, merged.

A Snapshot is built by :func:`parsers.load_snapshot.load_snapshot` (the loader phases live in
``parsers/load_*.py``) and treated as immutable afterwards; rules read it, never files. Besides the
frames it keeps what the report says about the inputs (:class:`InputRecord`, skipped members, log
accounting) and what evidence needs to quote a line of a file that was read
(:class:`~parsers.kept_text.KeptTexts`: an index to re-read the line by offset, or a compressed copy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from parsers import schema
from parsers.kept_text import KeptTexts, Reader, Unreadable
from parsers.log_quotes import ChunkStart, quoted_lines
from parsers.log_totals import LogTotals
from parsers.normal_lines import NormalLines
from parsers.sources import InputError

READ_AS_LOG = "access log"  # a file read as an access log without one router line
READ_AS_OBJECTS = "Kubernetes objects"  # a YAML/JSON file read as `oc get` output that holds no Kubernetes object

# how a loader reports what it is doing: (stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class InputRecord:
    """What was done with one input (reported as the contract's ``inputs[]``)."""

    path: str
    kind: str
    roots: list[str]
    files_seen: int = 0  # listed: each one is read or skipped
    files_read: int = 0  # something was taken from it (a file that lost single lines or items is read)
    files_skipped: int = 0  # not read, unreadable, not needed, or read but lost whole (a skipped entry names it)
    damaged: str | None = None  # why listing stopped early (truncated or corrupt archive)
    # the kind (must-gather, inspect) of a path given with --logs that is one: its files other than its router
    # access logs are skipped, not read as logs
    given_as_logs: str | None = None
    # files read whole and skipped because they are not what they were read as: (file, READ_AS_LOG or
    # READ_AS_OBJECTS); the loose files of a case directory (notes, `oc get` text, other JSON) end up here
    not_what_read_as: list[tuple[str, str]] = field(default_factory=list)

    def lost_whole(self) -> None:
        """A file counted read whose content could not be used at all (a ``skipped`` entry names the
        whole file: not valid YAML, an alerts file or haproxy.config that does not parse; or one entry per
        object of a YAML/JSON file none of whose objects is a Kubernetes object) is skipped, not read:
        ``files_read`` counts the files something was taken from, and every file seen is read or skipped.
        A file that lost single lines or items is still read."""
        self.files_read -= 1
        self.files_skipped += 1


@dataclass
class Snapshot:
    """The loaded cluster view. Treat as immutable once :func:`load_snapshot` returns."""

    frames: dict[str, pd.DataFrame]
    inputs: list[InputRecord]
    skipped: list[tuple[str, str] | tuple[str, str, int | None]]  # source, reason[, byte where reading stopped]
    inspected_namespaces: frozenset[str]  # namespaces with their <ns>/<ns>.yaml marker (fully inspected)
    collected_namespaces: frozenset[str]  # namespaces for which any object was read
    collection_window: tuple[datetime | None, datetime | None]
    # (namespace, resource) whose files were read without losing an object: there, absence means absence
    collected_resources: frozenset[tuple[str, str]] = frozenset()
    # ``--until``: log lines accepted after it were not read, so a route still failing at the window's end
    # says nothing about the time from there to the collection (None: no such cut)
    log_until: datetime | None = None
    # ``--since``: log lines accepted before it were not read, so a fault failing from the window's opening
    # may have begun earlier (None: no such cut)
    log_since: datetime | None = None
    log_lines: int = 0
    log_unparsed: int = 0
    unparsed_samples: list[dict[str, Any]] = field(default_factory=list)
    log_accounting: list[dict[str, Any]] = field(default_factory=list)
    router_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # router pod -> defaults
    access_log_files: int = 0
    namespace_filter: frozenset[str] | None = None
    texts: KeptTexts = field(default_factory=KeptTexts, repr=False)  # (input, source) -> a file's lines
    log_texts: dict[tuple[str, str, int], str] = field(default_factory=dict, repr=False)
    alert_sources: tuple[str, ...] = ()  # files that held Prometheus alert data (none: alerts unknown)
    router_log_files: tuple[str, ...] = ()  # router container logs read, empty ones aside (router_log rows' files)
    # inputs given among others that hold nothing readable (path, one-line reason): in ``skipped`` too, and
    # said on stderr by the commands
    unusable_inputs: tuple[tuple[str, str], ...] = ()
    # the input each ``skipped`` entry belongs to, as its index in ``inputs``, by the entry's position: two
    # inputs can hold one member path, and two can share a label (one archive name in two directories, the same
    # path given twice); an entry of no one input (an input that could not be opened) has none
    skipped_inputs: dict[int, int] = field(default_factory=dict, repr=False)
    # whole-log figures of every request parsed; the ``requests`` frame may hold only some rows
    # (``load_snapshot(keep_all_requests=False)``). None: not parsed here, read from the frame.
    log_totals: LogTotals | None = field(default=None, repr=False)
    # the ``requests`` frame folded per minute and key (``parsers.log_groups``), as the chunks were
    # parsed. None: not folded there, folded from the frame when asked.
    log_groups: pd.DataFrame | None = field(default=None, repr=False)
    # the normal lines of kept routes counted instead of kept as ``requests`` rows (``parsers.normal_lines``;
    # empty where every line is a row): a rule's counts and times of a route are its rows' and these
    normal_lines: NormalLines = field(default_factory=NormalLines, repr=False)
    # each access log that can be read again by offset, by (input, source), and where its chunks start:
    # a cited line whose text the parse did not keep is read back from its chunk (:meth:`quote_log_lines`)
    log_readers: dict[tuple[str, str], Reader] = field(default_factory=dict, repr=False)
    log_chunk_starts: dict[tuple[str, str], tuple[ChunkStart, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.texts, dict):  # a snapshot built from bytes, without inputs (tests, tools)
            self.texts = KeptTexts.in_memory(self.texts)

    def totals(self) -> LogTotals:
        """The access log's whole-log figures: the streamed parse's, or the ``requests`` frame's."""
        if self.log_totals is None:
            self.log_totals = LogTotals.of_frame(self.frames.get("requests"))
        return self.log_totals

    def minute_groups(self) -> pd.DataFrame:
        """The ``requests`` frame's minute groups: the streamed parse's, or folded from the frame."""
        if self.log_groups is None:
            from parsers.log_groups import minute_groups

            self.log_groups = minute_groups(self.frame("requests"))
        return self.log_groups

    def log_text(self, input: str | None, source: str, line: int | None) -> str | None:
        """Raw text of an access-log line kept as evidence (error and abnormal lines only)."""
        if line is None:
            return None
        return self.log_texts.get((input or "", source, int(line)))

    def quote_log_lines(self, keys: Iterable[tuple[str, str, int]]) -> None:
        """Read back the access-log lines ``keys`` (input, source, line) whose text was not kept, from the
        chunks that hold them (``parsers.log_quotes``), into :attr:`log_texts`; a line of a file that cannot
        be read again by offset, or changed since it was loaded, stays without text."""
        wanted: dict[tuple[str, str], set[int]] = {}
        for input, source, line in keys:
            if (input, source, line) not in self.log_texts and (input, source) in self.log_readers:
                wanted.setdefault((input, source), set()).add(line)
        for (input, source), lines in wanted.items():
            found = quoted_lines(self.log_readers[(input, source)], self.log_chunk_starts.get((input, source), ()),
                                 lines)
            self.log_texts.update(((input, source, line), text) for line, text in found.items())

    def source_line(self, input: str | None, source: str, line: int) -> str | None:
        """The text of one line of a document file that was read (for evidence); None when the file
        was not kept or has no such line, a note in brackets when the line could not be re-read."""
        try:
            found = self.texts.lines((input or "", source), line, 1)
        except Unreadable as exc:
            return _unreadable(line, exc)
        return found[0].decode("utf-8", errors="replace") if found else None

    def find_line(self, input: str | None, source: str, start: int, needle: str, limit: int = 400) -> tuple[int, str]:
        """The first line at or after ``start`` (within ``limit`` lines) containing ``needle``.

        Rules cite the exact line of a field (``targetPort: 8080``) rather than the start of the
        object that holds it; when the needle is not found the object's first line is cited, and
        when the lines cannot be re-read, a note saying so.
        """
        if start < 1:
            return start, needle
        try:
            lines = self.texts.lines((input or "", source), start, limit)
        except Unreadable as exc:
            return start, _unreadable(start, exc)
        if lines is None:
            return start, needle
        for offset, raw in enumerate(lines):
            text = raw.decode("utf-8", errors="replace")
            if needle in text:
                return start + offset, text.strip()
        first = lines[0].decode("utf-8", errors="replace").strip() if lines else needle
        return start, first

    def frame(self, name: str) -> pd.DataFrame:
        """A frame by name; an empty frame with the declared columns when nothing was loaded."""
        df = self.frames.get(name)
        return df if df is not None else schema.empty_frame(name)

    @property
    def has_access_logs(self) -> bool:
        return self.access_log_files > 0


def _unreadable(line: int, exc: Unreadable) -> str:
    return f"(line {line} could not be re-read: {exc})"


def _noop(stage: str, done: int, total: int) -> None:
    return None


__all__ = ["InputError", "InputRecord", "Progress", "Snapshot"]
