"""Text from an archive made safe for Markdown: code spans, escaped prose, fenced blocks.

A span or a line of prose is one line: its whitespace is collapsed, but only once its control
characters are shown escaped (as the terminal shows them), since Python counts some of them
(U+001C-U+001F, U+0085) as whitespace and would turn them into a space nobody can see.
"""

from __future__ import annotations

from reports.safe_text import clean

LINE_BREAKS = "\t\n\r"  # whitespace a one-line span or line of prose may fold into a space


def _one_line(text: object) -> str:
    return " ".join(clean(text, keep=LINE_BREAKS).split())


def code(text: object, *, cell: bool = False) -> str:
    """An inline code span that survives backticks in the text and stays on one line.

    In a table cell a pipe would end the cell even inside a code span, so ``cell=True`` escapes it
    (GitHub-flavoured Markdown removes that backslash before rendering the span).
    """
    s = _one_line(text)
    if cell:
        s = s.replace("|", "\\|")
    longest = current = 0
    for ch in s:
        current = current + 1 if ch == "`" else 0
        longest = max(longest, current)
    ticks = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def plain(text: object) -> str:
    """Prose from the archive: markup characters escaped so nothing renders as HTML, links or emphasis."""
    s = _one_line(text)
    for ch in "\\`*_[]<>|":
        s = s.replace(ch, "\\" + ch)
    return s


def fence(lines: list[str]) -> str:
    """A fenced shell block longer than any backtick run inside it."""
    body = "\n".join(lines)
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}sh\n{body}\n{ticks}"
