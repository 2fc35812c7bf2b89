"""A ``skipped`` entry names the input its source is a file of (``input``, as ``inputs[].path`` and evidence's
``input`` name it): two archives of one name in two directories hold the same member paths, so the same file
skipped in both would otherwise be two entries that cannot be told apart (README, "Inputs it accepts")."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from typer.testing import CliRunner

from mga.cli import app

ROUTE = """apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: shop, namespace: web}
spec:
  host: shop.example.com
  to: {kind: Service, name: shop}
"""


def archive(folder: Path) -> Path:
    """``folder/must-gather.tar.gz`` of a dump whose every kind of skipped entry is the same in each copy: a file
    that does not parse (phase 1), an object left out (the object store), a file read as a log without a router
    line (the log pass)."""
    tree = folder / "tree"
    tree.mkdir(parents=True)
    (tree / "routes.yaml").write_text(ROUTE + "---\n{b: 2}\n")
    (tree / "bad.yaml").write_text("kind: [unclosed\n  foo: : bar\n")
    (tree / "router.log").write_text(f"hello from {folder.name}\n")  # not the same bytes: both read
    packed = folder / "must-gather.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        for path in sorted(tree.iterdir()):
            tar.add(path, arcname=path.name)
    return packed


def test_one_member_skipped_in_two_archives_of_one_name_names_each_input(tmp_path: Path):
    first, second = archive(tmp_path / "a"), archive(tmp_path / "b")
    extra_a, extra_b = tmp_path / "a" / "app.log", tmp_path / "b" / "app.log"
    for log in (extra_a, extra_b):
        log.write_text(f"not a router line ({log.parent.name})\n")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["analyze", str(first), str(second), "--logs", str(extra_a), "--logs",
                                      str(extra_b), "-f", "json", "--output", str(out), "-q"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    paths = [i["path"] for i in report["inputs"]]
    assert paths == [str(first), str(second), str(extra_a), str(extra_b)]
    of_files = [s for s in report["skipped"] if not s["source"].startswith("rule ")]
    for source, reason_start in (("bad.yaml", "not valid YAML"), ("routes.yaml", "line 8: object left out"),
                                 ("router.log", "not an access log")):
        entries = [s for s in of_files if s["source"] == source and s["reason"].startswith(reason_start)]
        assert [s["input"] for s in entries] == [str(first), str(second)], (source, of_files)
    assert [s["input"] for s in of_files if s["source"] == "app.log"] == [str(extra_a), str(extra_b)]
    assert all(s["input"] in paths for s in of_files), of_files
    # each entry of a file is one of its own: none is the same as another once its input is named
    keys = [(s["input"], s["source"], s["reason"]) for s in of_files]
    assert len(keys) == len(set(keys))
    assert not [s for s in report["skipped"] if s["source"].startswith("rule ") and "input" in s]
    html = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["analyze", str(first), str(second), "--output", str(html), "-q"],
                                env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert "a/must-gather.tar.gz: bad.yaml</td>" in page and "b/must-gather.tar.gz: bad.yaml</td>" in page
