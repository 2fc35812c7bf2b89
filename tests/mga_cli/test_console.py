"""The sanitising printer: control characters from inputs never reach the terminal raw."""

from __future__ import annotations

from mga.console import clean, clean_lines, table


def test_escape_and_osc_are_shown_escaped():
    assert clean("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert clean("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert clean("x\x9by") == "x\\x9by"


def test_a_newline_in_a_name_does_not_forge_a_row():
    out = table(["NAME", "HOST"], [["evil\nfake   row", "h"], ["ok", "h2"]])
    assert out.count("\n") == 3
    assert "evil\\nfake   row" in out


def test_clean_lines_keeps_line_breaks_but_escapes_inside_lines():
    assert clean_lines("a\x1bb\nc") == "a\\x1bb\nc"
