"""``--since``/``--until`` as support engineers type them: HAProxy's accept date copied from a log line
(with its milliseconds) is read, and an empty value (an unset shell variable) is refused, not taken
as no window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import typer

from mga.console import parse_time


def test_the_accept_date_of_a_log_line_is_read_with_its_milliseconds():
    assert parse_time("20/Nov/2026:08:45:34.225", "--since") == datetime(2026, 11, 20, 8, 45, 34, 225000, tzinfo=UTC)
    assert parse_time("20/Nov/2026:08:45:34", "--since") == datetime(2026, 11, 20, 8, 45, 34, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_time_is_refused_not_ignored(value, capsys):
    with pytest.raises(typer.Exit) as exit_:
        parse_time(value, "--since")
    assert exit_.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.startswith("mga: --since: cannot read time '") and "(use a full date:" in err


def test_no_option_is_no_window():
    assert parse_time(None, "--until") is None
