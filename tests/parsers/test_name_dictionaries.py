"""The name columns' Arrow dictionaries take the narrowest index type in each chunk, and the frame is unchanged.

A parsed chunk encodes names (backend, route, server, pod, ...) with 32-bit indices; every chunk of a file
is alive until the file's frame is built, so each chunk narrows them (:func:`parsers.log_frames.narrow_dictionaries`)
and the frame's join widens them to the widest of its chunks. ``mga analyze``'s kept rows also hold the
request line and captured headers (set on the router's default answers only) as dictionaries.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from parsers import haproxy_log, log_chunks, log_lines, normal_lines
from parsers.load_snapshot import load_snapshot
from parsers.log_frames import _to_frame, narrow_dictionaries
from tests.parsers.test_log_groups import line

START = datetime(2026, 11, 20, 8, 29, 50, tzinfo=UTC)


def _names(count: int, prefix: str) -> pa.Array:
    return pc.dictionary_encode(pa.array([f"{prefix}-{i}" for i in range(count)] + [None]))


@pytest.mark.parametrize(("distinct", "index"), [(1, pa.int8()), (128, pa.int8()), (129, pa.int16()),
                                                (32768, pa.int16()), (32769, pa.int32())])
def test_each_dictionary_takes_the_narrowest_index_type_holding_it(distinct: int, index: pa.DataType):
    table = pa.table({"server": _names(distinct, "pod"), "status": pa.array([200] * (distinct + 1), pa.int16())})
    narrowed = narrow_dictionaries(table)
    assert narrowed.schema.field("server").type == pa.dictionary(index, pa.string())
    assert narrowed.schema.field("status").type == pa.int16()  # only dictionaries are touched
    assert narrowed.column("server").to_pylist() == table.column("server").to_pylist()


def test_chunks_of_different_index_widths_make_the_frame_of_the_unnarrowed_chunks():
    few = pa.table({"server": _names(3, "a"), "route": _names(3, "r")})
    many = pa.table({"server": _names(200, "b"), "route": _names(200, "r")})  # one chunk needs 16 bits
    reference = _to_frame([few, many], source="s.log", input="in")
    frame = _to_frame([narrow_dictionaries(few), narrow_dictionaries(many)], source="s.log", input="in")
    for name in ("server", "route"):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype)
        assert frame[name].tolist() == reference[name].tolist()
        assert list(frame[name].cat.categories) == list(reference[name].cat.categories)
    assert frame["server"].cat.codes.dtype.itemsize == 2  # 203 names in all


def _log(path: Path, seed: int) -> None:
    """One route's lines in a first part with three servers, then a part with 300 (one pod each), then
    default answers with captured Host headers and paths."""
    rng = random.Random(seed)
    lines = []
    for i in range(1400):
        servers = 3 if i < 600 else 300
        at = START + timedelta(milliseconds=100 * i)
        pod = rng.randrange(servers)
        lines.append(line(at, "be_http:shop:web", f"pod:web-{pod}:web:http:10.0.{pod // 250}.{pod % 250}:8080",
                          rng.choice([200, 503]), rng.choice(["--VN", "SC--"])))
    for i in range(20):
        at = START + timedelta(minutes=2, milliseconds=10 * i)
        lines.append(line(at, "openshift_default", "<NOSRV>", 503, "SC--",
                          f'{{shop.apps.example.com|curl/8.5}} "GET /cart?id={i} HTTP/1.1"'))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("files", [1, 2])
def test_analyze_rows_hold_narrow_name_codes_and_the_same_values_as_the_full_rows(files: int, tmp_path, monkeypatch):
    """One log, or the same lines as two router pods' logs (every other line; the default answers, with
    paths, in both): the frames' joins keep the request lines and captures as categoricals."""
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")  # the rows themselves, normal lines included
    whole = tmp_path / "router.log"
    _log(whole, seed=3)
    logs = [whole]
    if files == 2:
        text = whole.read_text().splitlines(keepends=True)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        for at, part in enumerate(logs):
            part.write_text("".join(text[at::2]))
    objects = tmp_path / "routes.yaml"
    objects.write_text("apiVersion: v1\nkind: List\nitems:\n- apiVersion: route.openshift.io/v1\n  kind: Route\n"
                       "  metadata: {name: web, namespace: shop}\n  spec: {host: shop.apps.example.com, "
                       "to: {kind: Service, name: web}}\n")
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 64 << 10)  # many chunks: three servers in some, hundreds in others
    monkeypatch.setattr(log_chunks, "WORKERS", 2)
    index_types: list[dict[str, pa.DataType]] = []
    to_frame = haproxy_log.frame_of_files

    def seen(files: list[Any], **kwargs: Any) -> tuple[pd.DataFrame, Any]:
        index_types.extend({f.name: f.type.index_type for f in t.schema if pa.types.is_dictionary(f.type)}
                           for file in files for t in file.tables)
        return to_frame(files, **kwargs)

    monkeypatch.setattr(haproxy_log, "frame_of_files", seen)
    kept = load_snapshot([str(objects)], [str(p) for p in logs], keep_all_requests=False).frame("requests")
    assert len(index_types) > 3
    assert {types["server"] for types in index_types} == {pa.int8(), pa.int16()}
    assert all(types["route"] == pa.int8() and types["path"] == pa.int8() for types in index_types)
    full = load_snapshot([str(objects)], [str(p) for p in logs]).frame("requests")
    assert len(kept) == len(full) == 1420
    # the same rows (analyze's are in route order, the full frame's in time order)
    kept, full = (frame.sort_values(["source", "line"], ignore_index=True) for frame in (kept, full))
    for name in ("server", "pod", "server_ip", "route", "term", "status", "ts", "line", "source"):
        assert kept[name].tolist() == full[name].tolist(), name
    default = (full["backend_kind"] == "openshift_default").to_numpy(dtype=bool)
    for name in ("path", "request_headers"):
        assert isinstance(kept[name].dtype, pd.CategoricalDtype) and kept[name].cat.codes.dtype.itemsize == 1
        assert kept.loc[default, name].tolist() == full.loc[default, name].tolist()
        assert kept.loc[~default, name].isna().all()
