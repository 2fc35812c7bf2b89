"""The ratio guard and the byte budget of members read whole (``InputSource.read``).

The floor past which the ratio is judged (64 MiB) is lowered here so that small archives show the
rule; the command-line tests in ``tests/hostile`` run it at its real size.
"""

from __future__ import annotations

import copy
import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from parsers import byte_budget
from parsers.byte_budget import RATIO_LIMIT, ByteBudget
from parsers.inputs import open_input
from parsers.layout import index_input
from parsers.load_app_logs import APP_LOG_BYTES, read_app_logs
from parsers.snapshot import InputRecord

MiB = 1 << 20
FLOOR = 1 * MiB


@pytest.fixture(autouse=True)
def low_floor(monkeypatch):
    monkeypatch.setattr(byte_budget, "RATIO_FLOOR", FLOOR)


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def _read_all(src) -> dict[str, tuple[bytes | None, str | None, int | None]]:
    return {m.name: (data, err, offset) for m, data, err, offset in src.read_many(src.members)}


@pytest.mark.parametrize("mode", ["w:gz", "w:xz", "w:bz2"])
def test_compressed_tar_member_past_the_ratio_of_the_whole_archive_is_refused_and_listing_stops_there(
        tmp_path, mode):
    path = tmp_path / f"a.tar.{mode[2:]}"
    with tarfile.open(path, mode) as tf:
        _add(tf, "first.yaml", b"kind: A\n")
        _add(tf, "zeros-1.yaml", bytes(4 * MiB))
        _add(tf, "zeros-2.yaml", bytes(4 * MiB))  # reaching it would cost decompressing the bomb
        _add(tf, "last.yaml", b"kind: B\n")
    stored = path.stat().st_size
    assert RATIO_LIMIT * stored < 4 * MiB  # a bomb even against the whole archive
    with open_input(path) as src:
        assert [m.name for m in src.members] == ["first.yaml", "zeros-1.yaml"]
        assert src.damaged_offset == 1024 + 512 + 4 * MiB  # the end of the member that passed the ratio
        assert src.damaged.startswith(f"listing stopped at decompressed byte {src.damaged_offset}: ")
        assert f"more than {RATIO_LIMIT} times its size ({stored} bytes)" in src.damaged
        got = _read_all(src)
        assert got["first.yaml"][0] == b"kind: A\n"
        data, reason, offset = got["zeros-1.yaml"]
        assert data is None and offset == 0  # refused by its declared size, before decompressing it
        assert f"{RATIO_LIMIT} times the compressed size of the archive ({stored} bytes" in reason
        assert reason.startswith(f"zeros-1.yaml: {4 * MiB} bytes") and reason.endswith("not read")
        assert src.budget.used == 8  # only what was kept is counted


def test_compressed_tar_counts_every_member_against_the_one_archive(tmp_path):
    path = tmp_path / "a.tar.gz"
    each = FLOOR * 2 // 5
    with tarfile.open(path, "w:gz") as tf:
        _add(tf, "small.yaml", b"kind: A\n")
        for i in range(4):  # each under the allowance, together over it
            _add(tf, f"zeros-{i}.yaml", bytes(each))
    with open_input(path) as src:
        assert [m.name for m in src.members][-1] == "zeros-2.yaml"  # the stream passed the ratio in it
        got = _read_all(src)
    assert [got[f"zeros-{i}.yaml"][0] is not None for i in range(3)] == [True, True, False]
    assert f"{2 * each + 8} decompressed bytes already read from it" in got["zeros-2.yaml"][1]


def test_plain_tar_and_directory_members_are_not_judged_by_ratio(tmp_path):
    path = tmp_path / "a.tar"
    with tarfile.open(path, "w") as tf:
        _add(tf, "zeros.yaml", bytes(4 * MiB))
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "zeros.yaml").write_bytes(bytes(4 * MiB))
    for inp in (path, tmp_path / "dir"):
        with open_input(inp) as src:
            assert src.read(src.members[0]) == bytes(4 * MiB)


def _shared_body_zip(path: Path, body: bytes, copies: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("shared.yaml", body)
        zf.filelist.extend(copy.copy(zf.filelist[0]) for _ in range(copies - 1))
        zf.writestr("other.yaml", b"kind: B\n")


def test_zip_members_sharing_one_body_count_each_read_against_that_body(tmp_path):
    path = tmp_path / "shared.zip"
    _shared_body_zip(path, b"# padding\n" * (60 * 1024), 5)  # 600 KiB from about 1 KiB stored
    with open_input(path) as src:
        results = list(src.read_many(src.members))
    shared = [r for r in results if r[0].name == "shared.yaml"]
    assert [data is not None for _, data, _, _ in shared] == [True, False, False, False, False]
    for _, _, reason, offset in shared[1:]:
        assert offset == 0 and "its stored body, which 5 members share" in reason
        assert f"{600 * 1024} decompressed bytes already read from it" in reason
    [(_, other, _, _)] = [r for r in results if r[0].name == "other.yaml"]
    assert other == b"kind: B\n"


def test_gzipped_dump_past_the_ratio_is_cut_while_streaming_with_its_offset(tmp_path):
    path = tmp_path / "pods.yaml.gz"
    path.write_bytes(gzip.compress(bytes(8 * MiB)))
    with open_input(path) as src:
        [(_, data, reason, offset)] = list(src.read_many(src.members))
        assert src.budget.used == 0
    allowed = max(FLOOR, RATIO_LIMIT * path.stat().st_size)
    assert data is None and offset == allowed  # its size is known only once read: cut where it passed
    assert f"more than {allowed} bytes" in reason and "compressed size of the file" in reason
    assert f"reading stopped at byte {offset}, nothing of it kept" in reason


def test_a_head_read_counts_only_what_it_keeps_and_is_refused_once_the_budget_is_spent(tmp_path):
    (tmp_path / "a.log").write_bytes(b"x" * 100)
    with open_input(tmp_path) as src:
        src.budget = ByteBudget(130)
        [member] = src.members
        assert src.read(member, 60) == b"x" * 60 and src.budget.used == 60
        assert src.read(member, 60) == b"x" * 60 and src.budget.used == 120
        [(_, data, reason, offset)] = list(src.read_many([member], 60))
    assert data is None and offset == 0 and "60 bytes would pass the run's byte budget (130 bytes" in reason


def _container_log_tree(root: Path, size: int) -> Path:
    logs = root / "namespaces/shop/pods/web-1/web/web/logs"
    logs.mkdir(parents=True)
    (logs / "current.log").write_bytes(b"2026-11-20T08:41:03Z Listening on 0.0.0.0:8080\n" + b"x" * size)
    return root


def test_container_logs_count_against_the_run_budget_and_are_skipped_when_it_is_spent(tmp_path):
    root = _container_log_tree(tmp_path / "inspect", 2 * APP_LOG_BYTES)
    for limit, expect_read in ((APP_LOG_BYTES * 2, True), (APP_LOG_BYTES - 1, False)):
        with open_input(root) as src:
            src.budget = ByteBudget(limit)
            record, skipped = InputRecord(path=str(root), kind="inspect", roots=[]), []
            lines = read_app_logs(src, index_input(src), {"shop"}, record, skipped, set())
            if expect_read:
                assert src.budget.used == APP_LOG_BYTES and lines and not skipped  # the head, counted
                assert record.files_read == 1
            else:
                [(name, reason, offset)] = skipped
                assert name.endswith("current.log") and offset == 0 and "--max-bytes" in reason
                assert src.budget.used == 0 and not lines and record.files_skipped == 1
