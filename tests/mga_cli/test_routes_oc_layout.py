"""``mga routes`` against the layout of ``oc get routes -A -o wide`` for the same Route objects.

The fixture ``oc_get_routes_wide.txt`` holds the cells oc's route printer gives for ``routes.yaml``
(columns NAME HOST/PORT PATH SERVICES PORT TERMINATION WILDCARD, NAMESPACE first with ``-A``;
weights as percentages of their sum, ``<all>`` without a target port, ``edge/Redirect``, the
rejection reason in HOST/PORT when no router admitted the route). The cells are compared, not the
padding: mga appends READY and 5XX (and SOURCE with ``-o wide``), which widens nothing before it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_routes_columns_match_oc_get_routes_wide():
    proc = run("routes", str(FIXTURES / "routes.yaml"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = lines[0].split()
    assert header == ["NAMESPACE", "NAME", "HOST/PORT", "PATH", "SERVICES", "PORT", "TERMINATION", "WILDCARD",
                      "READY", "5XX"]
    # fixed-width columns: cut each line at the header's column starts
    starts = [lines[0].index(h) for h in lines[0].split()]
    got = []
    for line in lines[1:]:
        got.append([line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line) + 1], strict=True)])
    oc_lines = (FIXTURES / "oc_get_routes_wide.txt").read_text().splitlines()
    oc_starts = [oc_lines[0].index(h) for h in oc_lines[0].split()]
    expected = []
    for line in oc_lines[1:]:
        bounds = [*oc_starts[1:], len(line) + 1]
        expected.append([line[a:b].strip() for a, b in zip(oc_starts, bounds, strict=True)])
    assert [row[:8] for row in got] == expected


def test_wide_adds_source_at_the_end():
    proc = run("routes", str(FIXTURES / "routes.yaml"), "-o", "wide")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0].split()[-3:] == ["READY", "5XX", "SOURCE"]
