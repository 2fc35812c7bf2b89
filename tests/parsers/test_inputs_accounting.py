"""Every input's ``files_read`` and ``files_skipped`` add up to its ``files_seen`` (README, "Inputs it accepts"),
also when one path is given twice, as an input and with ``--logs``, or next to the archive of itself."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

from parsers.load_snapshot import load_snapshot
from parsers.snapshot import Snapshot
from tests.analyzer.scenario_helpers import SCENARIOS, router_log

SCENARIO = SCENARIOS / "B504-fires-app-timeout"
MUST_GATHER = next(SCENARIO.glob("must-gather.*"))


def counts(snap: Snapshot) -> list[tuple[str, int, int, int]]:
    """(path, seen, read, skipped) of every input, each checked to add up."""
    for record in snap.inputs:
        assert record.files_read + record.files_skipped == record.files_seen, record
    return [(r.path, r.files_seen, r.files_read, r.files_skipped) for r in snap.inputs]


def test_the_same_must_gather_twice_reads_its_log_once_and_counts_the_copy_skipped():
    [(_, seen, read, skipped)] = counts(load_snapshot([str(MUST_GATHER)]))
    [first, second] = counts(load_snapshot([str(MUST_GATHER), str(MUST_GATHER)]))
    assert first == (str(MUST_GATHER), seen, read, skipped)
    # its objects de-duplicated (the file kept as a source: read), its access log a copy (skipped)
    assert second == (str(MUST_GATHER), seen, read - 1, skipped + 1)


def test_a_must_gather_next_to_its_archive(tmp_path: Path):
    packed = tmp_path / "must-gather.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        tar.add(MUST_GATHER, arcname=MUST_GATHER.name)
    [(_, seen, read, skipped)] = counts(load_snapshot([str(MUST_GATHER)]))
    records = counts(load_snapshot([str(packed), str(MUST_GATHER)]))
    assert records == [(str(packed), seen, read - 1, skipped + 1), (str(MUST_GATHER), seen, read, skipped)]


def test_the_same_log_twice_with_logs(tmp_path: Path):
    log = tmp_path / "router.log"
    shutil.copyfile(router_log(SCENARIO), log)
    snap = load_snapshot([], [str(log), str(log)])
    assert counts(snap) == [(str(log), 1, 1, 0), (str(log), 1, 0, 1)]
    [(source, reason, _)] = [s for s in snap.skipped if "read once" in s[1]]
    assert (source, reason) == ("router.log", f"the same access log as router.log of {log} (the same bytes): read once")


def packed(tmp_path: Path) -> Path:
    archive = tmp_path / "must-gather.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(MUST_GATHER, arcname=MUST_GATHER.name)
    return archive


def test_a_must_gather_given_with_logs_has_its_router_logs_read_and_its_other_files_skipped(tmp_path: Path):
    archive = packed(tmp_path)
    as_input = load_snapshot([str(archive)])
    snap = load_snapshot([], [str(archive)])
    [(_, seen, read, skipped)] = counts(snap)
    assert (read, skipped) == (1, seen - 1)  # its one access log read
    assert (snap.log_lines, snap.log_unparsed) == (as_input.log_lines, 0)
    assert snap.has_access_logs and snap.inputs[0].given_as_logs == "must-gather"
    assert not [entry for entry in snap.skipped if entry[1].startswith("not an access log")]
    assert [entry[:2] for entry in snap.skipped] == [
        (f"{archive} ({seen - 1} files)", f"a must-gather given with --logs: only its router access logs are read; "
                                          f"give it as an input to read its objects (mga analyze {archive} ...)")]


def test_a_must_gather_given_as_an_input_and_with_logs(tmp_path: Path):
    archive = packed(tmp_path)
    [(_, seen, read, skipped)] = counts(load_snapshot([str(archive)]))
    snap = load_snapshot([str(archive)], [str(archive)])
    assert counts(snap) == [(str(archive), seen, read, skipped), (str(archive), seen, 0, seen)]
    assert f"{archive} ({seen - 1} files)" in [entry[0] for entry in snap.skipped]


def test_a_case_directory_and_the_archive_inside_it(tmp_path: Path):
    """The archive read in place inside the directory has the label of the archive given itself."""
    case = tmp_path / "case"
    case.mkdir()
    archive = packed(case)
    (case / "notes.txt").write_text("notes\n")
    [(_, seen, read, skipped)] = counts(load_snapshot([str(archive)]))
    records = counts(load_snapshot([str(case), str(archive)]))
    assert records[1:] == [(str(archive), seen, read, skipped), (str(archive), seen, read - 1, skipped + 1)]
