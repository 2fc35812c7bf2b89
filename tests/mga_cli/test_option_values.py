"""``--namespace``/``-n`` and ``--route`` take several values after one flag, as the contract's synopsis writes
them (``[--namespace NS ...] [--route NS/NAME ...]``); the flag repeated still works, and a word that is a
path stays an input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from mga.option_values import FOLLOWING_VALUES

ROUTES = Path(__file__).resolve().parent / "fixtures" / "routes.yaml"  # web/shop, web/api, other/plain


def analyze(tmp_path: Path, *args: str) -> tuple[int, str, list[str]]:
    """Exit code, stderr and the report's routes (NAMESPACE/NAME) of ``mga analyze ARGS`` in ``tmp_path``."""
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["analyze", "--format", "json", "--output", str(out), "-q", *args],
                                env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    routes = json.loads(out.read_text())["routes"] if out.exists() else []
    keys = sorted(f"{r['namespace']}/{r['name']}" for r in routes)
    return result.exit_code, result.stderr, keys


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the input ``mg/`` (the routes of ROUTES)."""
    (tmp_path / "mg").mkdir()
    shutil.copy(ROUTES, tmp_path / "mg" / "routes.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_route_takes_several_keys_after_one_flag(case: Path):
    code, err, keys = analyze(case, "mg", "--route", "web/shop", "web/api")
    assert code == 0, err
    assert keys == ["web/api", "web/shop"]
    assert "no such file" not in err  # web/api was an input path before


def test_route_repeated_and_route_with_several_keys_are_the_same(case: Path):
    assert analyze(case, "mg", "--route", "web/shop", "--route", "other/plain")[2] == ["other/plain", "web/shop"]
    assert analyze(case, "mg", "--route=web/shop", "other/plain")[2] == ["other/plain", "web/shop"]


def test_namespace_takes_several_names_after_one_flag_long_and_short(case: Path):
    for flag in ("-n", "--namespace"):
        code, err, keys = analyze(case, "mg", flag, "web", "other")
        assert code == 0, err
        assert keys == ["other/plain", "web/api", "web/shop"]
    assert analyze(case, "mg", "-n", "web", "-n", "other")[2] == ["other/plain", "web/api", "web/shop"]


def test_a_missing_namespace_after_the_first_is_a_filter_that_matches_nothing(case: Path):
    code, err, _ = analyze(case, "mg", "-n", "web", "nosuchns")
    assert code == 2
    assert "nosuchns" in err and "no such file" not in err


def test_a_word_that_is_a_path_after_the_values_is_an_input(case: Path):
    """``-n web mg``: mg is a directory, so the input, not a namespace; the options before the inputs."""
    code, err, keys = analyze(case, "-n", "web", "mg")
    assert code == 0, err
    assert keys == ["web/api", "web/shop"]
    code, err, keys = analyze(case, "--route", "web/shop", "other/plain", "./mg")
    assert code == 0, err
    assert keys == ["other/plain", "web/shop"]


def test_an_option_or_a_double_dash_ends_the_values(case: Path):
    code, err, keys = analyze(case, "--route", "web/shop", "other/plain", "-n", "web", "other", "mg")
    assert code == 0, err
    assert keys == ["other/plain", "web/shop"]
    code, err, keys = analyze(case, "-n", "web", "--", "mg")
    assert code == 0, err
    assert keys == ["web/api", "web/shop"]


@pytest.mark.parametrize("word, taken", [
    ("shop", True), ("openshift-ingress", True), ("Shop", False), ("mg.tar.gz", False), ("~x", False),
    ("-q", False), ("a" * 64, False),
])
def test_which_words_can_be_a_namespace(word: str, taken: bool, case: Path):
    assert FOLLOWING_VALUES["--namespace"](word) is taken


@pytest.mark.parametrize("word, taken", [
    ("shop/api", True), ("shop/api.v1", True), ("shop", False), ("shop/API", False), ("cases/mg.tar.gz", False),
    ("a/b/c", False), ("./shop/api", False), ("/shop/api", False),
])
def test_which_words_can_be_a_route_key(word: str, taken: bool, case: Path):
    assert FOLLOWING_VALUES["--route"](word) is taken


def test_an_existing_path_is_never_a_value(case: Path):
    (case / "shop").mkdir()
    (case / "web").mkdir()
    (case / "web" / "api").write_text("")
    assert not FOLLOWING_VALUES["--namespace"]("shop")
    assert not FOLLOWING_VALUES["--route"]("web/api")


def test_batch_namespace_takes_several_names(case: Path):
    out = case / "reports"
    result = CliRunner().invoke(app, ["batch", "mg", "-n", "web", "other", "--engine", "local", "-f", "json",
                                      "-d", str(out)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "no such file" not in result.stderr
    [row] = json.loads((out / "index.json").read_text())["inputs"]
    assert row["input"] == "mg" and row["routes"] == 3


def test_help_shows_several_values():
    for command in (["analyze"], ["batch"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
        assert "NS..." in result.stdout
    assert "NS/NAME..." in CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"}).stdout


def test_a_path_typed_wrong_after_the_values_is_said_missing_as_an_input(case: Path):
    """``-n web mgx``: taken as a second namespace, mgx left no input; it is the input, and it is missing."""
    code, err, _ = analyze(case, "-n", "web", "mgx")
    assert code == 2
    assert err.strip() == "mga: mgx: no such file or directory"
    code, err, _ = analyze(case, "--route", "web/shop", "mgx/x")
    assert code == 2 and "mgx/x: no such file or directory" in err
