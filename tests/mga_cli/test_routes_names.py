"""``mga routes INPUT NAME`` with a name typed wrong lists the closest routes, as ``-n`` and ``--route`` do."""

from __future__ import annotations

from typer.testing import CliRunner

from mga.cli import app
from tests.mga_cli.test_describe_route import OBJECTS


def test_a_route_name_not_found_lists_the_closest(tmp_path):
    (tmp_path / "objects.yaml").write_text(OBJECTS)
    result = CliRunner().invoke(app, ["routes", str(tmp_path), "consol"], env={"NO_COLOR": "1"})
    assert result.exit_code == 2
    assert result.stderr == f"mga: route consol not found in {tmp_path}; closest: console, web/console\n"
