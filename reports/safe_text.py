"""Control characters from an input, shown escaped (``ESC`` -> ``\\x1b``): the project's one escaping.

Names, paths, log fields and annotations come from archives a customer sent. A raw ESC, OSC sequence
or line break in them would clear a terminal, forge a table row, or put characters an HTML page may
not hold. The terminal (:mod:`mga.console`), the HTML pages and the Markdown note all show such a
character the same way, through :func:`clean`. It lives here, beside the reports, so that rendering a
report does not import the command line (``typer``).
"""

from __future__ import annotations

import re

# C0 controls (tab, newline and CR included: one record is one row), DEL and the C1 range
# (U+0080-U+009F, where 0x9B is a one-byte CSI), the Unicode line and paragraph separators, and the
# invisible bidirectional marks, embeddings, overrides and isolates (U+200E/F, U+202A-E, U+2066-9):
# they reorder the text after them, so a command would read otherwise than it copies or runs.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object, *, keep: str = "") -> str:
    """``value`` as text with every control character shown escaped (``ESC`` -> ``\\x1b``).

    ``keep`` names the characters left as they are where the output has a use for them (tab and line
    breaks in a page: a terminal row has none).
    """
    text = "" if value is None else str(value)
    if not keep:
        return _CONTROL.sub(_escape, text)
    return _CONTROL.sub(lambda m: m.group(0) if m.group(0) in keep else _escape(m), text)
