"""YAML text to Python objects through rapidyaml, only where the result provably equals PyYAML's.

Why: PyYAML's ``CSafeLoader`` reads must-gather Lists at a few MB/s (perf-baseline.md §2);
rapidyaml parses the same text into its arena, emits JSON and ``json.loads`` builds the objects
several times faster. The two do not agree on everything, so PyYAML stays the reference and the
fallback: :func:`load_item` returns None for any text it cannot prove it converts identically
(:func:`risky_offsets` says where), and the caller then uses ``CSafeLoader`` for that text.

Where rapidyaml's JSON differs from YAML 1.1 as PyYAML's SafeLoader resolves it (each case is in
the tests):

- plain scalars PyYAML resolves to non-strings that rapidyaml emits as strings: ``yes/no/on/off``
  and their capitalisations, ``True``/``FALSE``, ``~``/``Null``/``NULL``, octal ``017``,
  ``0o17``, ``0x1F``, ``0b11``, ``1_000``, sexagesimal ``1:20``, ``.inf``/``.nan``, ``+5``,
  timestamps (datetime/date objects in PyYAML), merge keys ``<<`` and ``=``;
- plain scalars PyYAML keeps as strings that rapidyaml emits as (or rewrites into) numbers or
  other strings: ``1e3``, ``-.5``, ``611e499871`` (infinity), ``nan`` → ``".nan"``, ``inf`` and
  ``infinity`` → ``".inf"``, even in quoted keys (``"nan":`` becomes ``".nan"``);
- keys: rapidyaml always emits strings, PyYAML resolves plain keys (``1:``, ``true:``, ``null:``);
- anchors, aliases and tags (``!!str 1`` becomes the number 1); explicit ``?`` keys; flow
  collections other than ``[]``/``{}``; several documents;
- ``\\L``/``\\P`` escapes (three UTF-8 bytes for two) lose earlier text of the scalar;
- a last block scalar without a final line break gets one;
- text PyYAML refuses and rapidyaml accepts: a tab after ``key:``, ``@``, backquote, ``]``, ``}``
  or ``,`` starting a plain scalar, malformed block scalar headers (``>6<``), text after a
  closing quote, implicit keys longer than 1024 characters or spread over lines, raw
  non-printable characters, NEL/LS/PS line breaks, surrogate escapes (``"\\ud800"``).

The scan refuses every such construct (and, to stay cheap, some harmless look-alikes, which only
cost a fallback). Block scalar contents are not scanned: their text is never resolved, so JSON or
YAML embedded in ``|-`` annotations does not force a fallback (unless a quoted scalar spread over
lines could make the header a fake). A mapping with a duplicate key is refused too (``json.loads``
would keep the last value silently): PyYAML reads it and notes it (:mod:`parsers.yaml_keys`).
One switch: ``MGA_YAML=pyyaml`` turns the accelerator off, ``fast`` (the default when ``ryml``
imports) turns it on; the choice is read once, at import.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Final

from parsers.json_keys import unique_keys

try:
    import ryml
except ImportError:  # optional accelerator: PyYAML alone is always correct
    ryml = None

AVAILABLE: Final = ryml is not None
MODE: Final = os.environ.get("MGA_YAML", "").strip().lower() or ("fast" if AVAILABLE else "pyyaml")
ENABLED: bool = AVAILABLE and MODE == "fast"  # a module attribute so tests can turn it off

# Characters PyYAML's reader refuses or treats as line breaks (CR, NEL, LS, PS), and the BOM.
_PRINTABLE_ASCII = b"\t\n" + bytes(range(0x20, 0x7F))
_UNSAFE_CHARS = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]+")

# The scan runs over "\n" + text, so that every line starts after a "\n". Each alternative of a
# pattern starts with a literal character, which lets `re` skip ahead in C between candidates;
# possessive quantifiers keep failed attempts from backtracking. A match ends on the line of what
# it found, so ``end - 2`` is an offset of that line in the original text.
_LINE = r"\n[ ]*+(?:-[ ]++)*+"  # a line start, past indentation and `- ` entries
_VALUE = r": [ ]*+"  # after `key: ` (`: ` a literal that `re` skips to, not `:` alone)
_KEY_END = r"[ ]*+:(?=[ \n]|$)"
_VALUE_END = r"[ ]*+(?=#|\n|$)"
# Scalars PyYAML resolves to something else than a string (bool, null, int, float, timestamp,
# merge, value) or that rapidyaml emits as a bare JSON token or rewrites (numbers in any radix,
# inf/nan words), as supersets. Every alternative starts with a literal or a class, which `re`
# tests before trying it. Values both read the same are let through: true, false, null and plain
# decimal numbers without exponent; as keys they are not (rapidyaml emits every key as a string).
_WORD = (
    r"(?:[yY][eE][sS]|[nN][oO]|[oO][nN]|[oO][fF][fF]|[tT][rR][uU][eE]|[fF][aA][lL][sS][eE]|[nN][uU][lL][lL]"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]|~|<<|=)"
)
_NUMBER = (
    r"(?:[-+]?(?:0[xX][0-9a-fA-F_.]*(?:[pP][-+]?[0-9]+)?|0[bB][01_.]*|0[oO][0-7_.]*"
    r"|(?:[0-9][0-9_:]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
    r"|\.?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|\.?[nN][aA][nN])"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][^\n#]*)?)"
)
_SAFE_NUMBER = r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?"
_SAFE_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
_NODE = "|".join(
    [
        r"[&*!@`%,\]}]|[?:](?=[ \n]|$)",  # properties, aliases, reserved indicators, explicit/empty keys
        r"[|>](?!(?:[-+][1-9]?|[1-9][-+]?)?(?:[ ]+(?:#[^\n]*)?)?(?:\n|$))",  # a malformed block header
        r"\[(?!\][ ]*(?:#|\n|$))|\{(?!\}[ ]*(?:#|\n|$))",  # flow collections, but for [] and {}
        rf"{_WORD}(?:{_KEY_END}|(?<!true)(?<!false)(?<!null){_VALUE_END})",
        rf"(?=[-+.0-9])(?!{_SAFE_NUMBER}{_VALUE_END}){_NUMBER}(?:{_KEY_END}|{_VALUE_END})",
    ]
)
_GATE = r"(?=[-+.0-9yYnNtTfFoOiI~<=&*!@`%,\]}?:|>\[{])"  # what a risky node can start with: fail fast
# Separate passes are faster than one alternation: each is a C loop to its first character. A
# pattern that would start with a class of characters is a pair, each starting with its own
# literal (see _finditer).
_PASSES: tuple[re.Pattern[str] | tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"\t"), re.compile(r"\\(?:u[dD][89a-fA-F]|U|[LP])")),  # tabs (separators the two read
    # differently); surrogate and out-of-range escapes; \L and \P, whose expansion loses text in rapidyaml
    re.compile(rf"{_LINE}{_GATE}(?:(?<=\n)(?:---|\.\.\.)(?=[ \n]|$)|{_NODE})", re.MULTILINE),  # + documents
    re.compile(rf"{_VALUE}{_GATE}(?:{_NODE})", re.MULTILINE),
)
# Candidates checked one by one: a closing quote (of a key, or followed by more text on its line,
# which rapidyaml may accept), a line long enough to hold a key too long for libyaml (1024).
_QUOTE = tuple(re.compile(rf"""{q}(?:([ ]*+:)(?=[ \n]|$)|[ ]++[^ #:\n])""", re.MULTILINE) for q in "\"'")
_ONE_LINE_QUOTED_KEY = re.compile(
    r"""[ ]*+(?:-[ ]++)*+(?:"((?:[^"\\\n]|\\.)*+)"|'((?:[^'\n]|'')*+)')[ ]*+:(?=[ \n]|$)""", re.MULTILINE
)
# A whole line `key: 'quoted'` or `- "quoted"`: quotes and colons inside the value are harmless.
_QUOTED_VALUE_LINE = re.compile(
    r"""[ ]*+(?:-[ ]++)*+(?:(?:[^\s"'#:?,\[\]{}&*!|>%@`-](?:[^\n:"']|:(?=[^ \n]))*+"""
    r"""|"(?:[^"\\\n]|\\.)*+"|'(?:[^'\n]|'')*+')[ ]*+:[ ]++)?"""
    r"""(?:"(?:[^"\\\n]|\\.)*+"|'(?:[^'\n]|'')*+')[ ]*+(?:[ ]#[^\n]*+)?$""",
    re.MULTILINE,
)
# keys rapidyaml rewrites even when quoted (`"nan":` becomes ".nan"); escapes could spell them
_REWRITTEN_KEY = re.compile(r"[-+]?\.?(?i:inf|infinity|nan)|.*\\.*", re.DOTALL)
_LONG_LINE = re.compile(r"\n[^\n]{1000}")
_KEY_COLON = re.compile(r":(?=[ \n]|$)", re.MULTILINE)

# A block scalar header (`key: |-`, `- >`, a lone `|`); explicit indentation indicators are not
# recognised, so such content is scanned like any other text (a possible fallback, never a miss).
_HEADER = tuple(re.compile(rf"\{c}[-+]?[ ]*+(?:#[^\n]*+)?(?=\n)") for c in "|>")
_HEADER_LEAD = re.compile(r"[ ]*+(?:-[ ]++)*+|[^\n]*:[ ]++")
_NODE_START = re.compile(r"[ ]*+(?:-[ ]++)*+")
_FIRST_CONTENT = re.compile(r"(?:[ ]*+\n)*+([ ]*+)(?=[^ \n])")


def _finditer(
    rx: re.Pattern[str] | tuple[re.Pattern[str], ...], text: str, start: int, end: int
) -> Iterator[re.Match[str]]:
    """``rx.finditer(text, start, end)``; for a pair, the matches of the alternation of the two, in order.

    Why: `re` skips ahead to a literal first character in a tight C loop, but tries a pattern that
    starts with a class (``[|>]``, ``["']``, ``\\t|\\\\``) at every offset, about ten times slower
    (0.55 s against 0.08 s for ``[|>]`` over 140 MB). Each pattern of a pair starts with its own
    literal and matches at least one character, so at most one of them matches at an offset, and
    the alternation's next match from an offset is the earlier of their next matches from there.
    """
    if isinstance(rx, re.Pattern):
        yield from rx.finditer(text, start, end)
        return
    first, second = rx
    a, b = first.search(text, start, end), second.search(text, start, end)
    while a is not None or b is not None:
        found = a if b is None or (a is not None and a.start() < b.start()) else b
        yield found  # type: ignore[misc]
        pos = found.end()  # type: ignore[union-attr]
        if a is not None and a.start() < pos:
            a = first.search(text, pos, end)
        if b is not None and b.start() < pos:
            b = second.search(text, pos, end)


@lru_cache(maxsize=64)
def _block_body(indent: int) -> re.Pattern[str]:
    """Lines of a block scalar whose content is indented by ``indent`` spaces (blank lines included)."""
    return re.compile(rf"(?:(?:[ ]{{{indent}}}[^\n]*+|[ ]*+)\n)*+")


def _block_contents(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the content lines of every block scalar, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for header in _finditer(_HEADER, text, 0, len(text)):
        if header.start() < pos:
            continue  # inside the content of a block scalar already found
        line_start = text.rfind("\n", 0, header.start()) + 1
        if not _HEADER_LEAD.fullmatch(text, line_start, header.start()):
            continue  # a `|` or `>` inside some scalar, not a header
        node_indent = _NODE_START.match(text, line_start).end() - line_start  # type: ignore[union-attr]
        body_start = header.end() + 1
        first = _FIRST_CONTENT.match(text, body_start)
        if first is None or len(first.group(1)) <= node_indent:
            continue
        pos = _block_body(len(first.group(1))).match(text, body_start).end()  # type: ignore[union-attr]
        spans.append((body_start, pos))
    return spans


_Q = r"""(?:"(?:[^"\\\n]|\\.)*+"|'(?:[^'\n]|'')*+')"""
# A line whose quotes all belong to a one-line quoted key and/or value (or that has none); any other
# line may open a quoted scalar that goes on over the next lines.
_OPEN_QUOTE_LINE = re.compile(
    rf"""\n(?=[^"'\n]*+["'])"""  # only lines with a quote
    rf"""(?![ ]*+(?:-[ ]++)*+(?:{_Q}[ ]*+:(?=[ \n]|$)[ ]*+|[^"'\n]*?:[ ]++)?{_Q}?[^"'\n]*+(?:\n|$))""",
    re.MULTILINE,
)


class _Blocks:
    """The block scalar contents of a text, exempt from the scan when nothing may make them fakes."""

    def __init__(self, text: str) -> None:
        self.spans = _block_contents(text)

    def keep(self, offsets: Iterator[int]) -> Iterator[int]:
        """The ascending ``offsets`` that are outside every block content."""
        spans, i = self.spans, 0
        for offset in offsets:
            while i < len(spans) and spans[i][1] <= offset:
                i += 1
            if i == len(spans) or offset < spans[i][0]:
                yield offset

    def untrusted(self, scan: str, starts: list[int]) -> Iterator[int]:
        """The first offset of each block content that may not be one, so the scan may not skip it.

        A `key: |` line inside a quoted scalar spread over lines is no header, and the lines after
        it may be real keys. So a block counts only when no line from the start of its piece to
        its header (outside earlier blocks, which count by the same rule) may open such a scalar.
        ``scan`` is "\\n" + text.
        """
        by_piece: dict[int, list[int]] = {}  # piece start -> the body starts of its blocks
        for body_start, _ in self.spans:
            by_piece.setdefault(starts[max(bisect.bisect_right(starts, body_start) - 1, 0)], []).append(body_start)
        for piece, bodies in by_piece.items():
            opened = self._first_open_quote(scan, piece, bodies[-1])
            yield from (body for body in bodies if opened < body)

    def gaps(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The stretches of [start, end) outside block contents."""
        spans = self.spans
        i = bisect.bisect_right(spans, (start, start))
        if i and spans[i - 1][1] > start:
            i -= 1
        pos = start
        while i < len(spans) and spans[i][0] < end:
            if spans[i][0] > pos:
                yield pos, spans[i][0]
            pos = max(spans[i][1], pos)
            i += 1
        if pos < end:
            yield pos, end

    def _first_open_quote(self, scan: str, start: int, end: int) -> float:
        """The offset of the first line of [start, end), outside block contents, that may open a quoted scalar."""
        for gap_start, gap_end in self.gaps(start, end):
            found = _OPEN_QUOTE_LINE.search(scan, gap_start, gap_end)
            if found:
                return found.start()
        return float("inf")


def _candidate_offsets(text: str, scan: str, blocks: _Blocks) -> Iterator[int]:
    """Offsets of candidates a pattern alone cannot settle (quotes, long lines), outside block contents."""
    quotes = (quote for start, end in blocks.gaps(0, len(text)) for quote in _finditer(_QUOTE, text, start, end))
    for quote in quotes:
        offset = quote.start()
        line_start = text.rfind("\n", 0, offset) + 1
        if quote.group(1) is not None:  # a quote then `:`: the end of a key?
            key = _ONE_LINE_QUOTED_KEY.match(text, line_start)
            if key is not None and key.end() == quote.end():
                if _REWRITTEN_KEY.fullmatch(key.group(1) if key.group(1) is not None else key.group(2)):
                    yield offset
                continue
        if not _QUOTED_VALUE_LINE.match(text, line_start):
            yield offset  # a multi-line implicit key, or more text after a closing quote
    colons = []
    for line in _LONG_LINE.finditer(scan):  # scan is "\n" + text: line.start() is the line's offset
        line_end = text.find("\n", line.end() - 1)
        colon = _KEY_COLON.search(text, line.start() + 1000, len(text) if line_end < 0 else line_end)
        if colon:
            colons.append(colon.start())  # libyaml refuses implicit keys longer than 1024 characters
    yield from blocks.keep(iter(colons))


def _char_offsets(text: str) -> list[int]:
    """Where each run of characters PyYAML refuses starts; plain printable ASCII is told in one C pass over bytes.

    A run ends at a line break, so it lies in one piece (pieces start at lines), and the first offset
    is enough to send that piece to PyYAML: a crash's megabytes of NUL bytes are one offset, not millions.
    """
    if text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII):
        return []
    return [m.start() for m in _UNSAFE_CHARS.finditer(text)]


def risky_offsets(text: str, starts: list[int] | None = None) -> list[int]:
    """Ascending offsets in ``text`` where something may read differently in rapidyaml and PyYAML.

    ``starts`` are the offsets where the pieces the caller loads separately begin (the items of a
    List); by default the text is one piece. A piece without any offset inside it may take the
    fast path. Over-reporting costs a fallback, never a wrong object.
    """
    offsets = _char_offsets(text)  # anywhere, block contents included
    if text and text[-1] != "\n":  # rapidyaml ends a last block scalar with a line break PyYAML does not
        offsets.append(len(text) - 1)
    blocks = _Blocks(text)
    scan = "\n" + text  # the line at offset p of text follows the "\n" at offset p of scan
    gaps = [(start, end + (end == len(text))) for start, end in blocks.gaps(0, len(text))]
    offsets.extend(m.end() - 2 for rx in _PASSES for start, end in gaps for m in _finditer(rx, scan, start, end))
    offsets.extend(_candidate_offsets(text, scan, blocks))
    offsets.extend(blocks.untrusted(scan, starts or [0]))
    offsets.sort()
    return offsets


def _strip_document_start(text: str) -> str:
    """A stream opening with a bare ``---`` line holds the same single document without it."""
    return text[4:] if text.startswith(("---\n", "--- \n")) else text


_local = threading.local()


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """rapidyaml writes a message to fd 2 before raising; the caller reports errors itself."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        os.dup2(_devnull(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _devnull() -> int:
    fd = getattr(_local, "devnull", None)
    if fd is None:
        fd = _local.devnull = os.open(os.devnull, os.O_WRONLY)
    return fd


def _tree() -> Any:
    """One rapidyaml tree per thread, cleared and reused: allocating one per item doubles the parse time."""
    tree = getattr(_local, "tree", None)
    if tree is None:
        tree = _local.tree = ryml.Tree()
    else:
        tree.clear()
        tree.clear_arena()
    return tree


_KEPT_BUFFER = 4 << 20  # bytes: a larger JSON gets a buffer of its own, freed after it


def _emitted_json(tree: Any) -> str:
    """``ryml.emit_json(tree)``, emitted into a buffer reused by the thread's items.

    ``emit_json`` measures its output with a first emitting pass, then emits it again into a new
    buffer (a third of the time of parsing and emitting an item); a buffer large enough takes one
    pass. The text is made as that function makes it: cut at a first NUL (a C string) and decoded
    with ``surrogateescape``.
    """
    buf = getattr(_local, "json_buffer", None)
    if buf is None:
        buf = _local.json_buffer = bytearray(64 << 10)
    failed, size = ryml.emit_json_to_substr(tree, tree.root_id(), buf)
    if failed:
        buf = bytearray(size)
        if size <= _KEPT_BUFFER:
            _local.json_buffer = buf
        failed, size = ryml.emit_json_to_substr(tree, tree.root_id(), buf)
        if failed:
            raise ValueError("rapidyaml's JSON outgrew its measure")
    nul = buf.find(0, 0, size)
    return str(memoryview(buf)[: size if nul < 0 else nul], "utf-8", "surrogateescape")


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-YAML JSON constant {token}")


def _checked_float(token: str) -> float:
    """Only the plain decimal forms the scan lets through may reach here (defence in depth)."""
    if not _SAFE_FLOAT.fullmatch(token):
        raise ValueError(f"float {token!r} not proven equal to PyYAML's")
    return float(token)


_decoder = json.JSONDecoder(parse_float=_checked_float, parse_constant=_reject_constant, object_pairs_hook=unique_keys)


def load_item(text: str, checked: bool = False) -> list[Any] | None:
    """The documents of ``text`` like ``list(yaml.load_all(text, CSafeLoader))``, or None: use PyYAML.

    ``checked`` says the caller already found no :func:`risky_offsets` in ``text``. Only a single
    document whose root is a mapping or a sequence is converted; anything else (empty text, a lone
    scalar, several documents), any rapidyaml or JSON error and any mapping with a duplicate key
    give None, so PyYAML decides, words the error or notes the duplicate.
    """
    if not ENABLED or ryml is None:
        return None
    body = _strip_document_start(text)
    if not checked and risky_offsets(body):
        return None
    with _stderr_silenced():
        return _converted(body)


def load_items(texts: list[str]) -> list[list[Any] | None]:
    """``load_item(text, checked=True)`` of each text, with fd 2 silenced once for all of them.

    Silencing is three ``dup`` calls; once per item of a 14,000-item archive it cost half a second.
    Only rapidyaml and the JSON decoder run while it is silenced (no caller's code).
    """
    if not ENABLED or ryml is None:
        return [None] * len(texts)
    with _stderr_silenced():
        return [_converted(_strip_document_start(text)) for text in texts]


def _converted(body: str) -> list[Any] | None:
    """rapidyaml's reading of ``body`` (already scanned, its document start stripped), or None."""
    try:
        tree = ryml.parse_in_arena(body.encode("utf-8"), _tree())
        root = tree.root_id()
        if not (tree.is_map(root) or tree.is_seq(root)):
            return None
        emitted = _emitted_json(tree)
    except Exception:  # rapidyaml raises its own exception classes for every parse problem
        return None
    try:
        return [_decoder.decode(emitted)]
    except (ValueError, RecursionError):
        return None
