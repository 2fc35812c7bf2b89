"""Evidence lines quoted from kept files: the line-offset lookup gives what splitting the bytes gave."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.snapshot import Snapshot


def _snapshot(data: bytes) -> Snapshot:
    return Snapshot(
        frames={}, inputs=[], skipped=[], inspected_namespaces=frozenset(), collected_namespaces=frozenset(),
        collection_window=(None, None), texts={("in", "f.yaml"): data},
    )


def _split_source_line(data: bytes, line: int) -> str | None:
    """The earlier implementation: split the bytes up to the line."""
    lines = data.split(b"\n", line)
    return lines[line - 1].decode("utf-8", errors="replace") if len(lines) >= line else None


def _split_find_line(data: bytes, start: int, needle: str, limit: int) -> tuple[int, str]:
    lines = data.split(b"\n", start + limit)[start - 1 : start - 1 + limit]
    for offset, raw in enumerate(lines):
        text = raw.decode("utf-8", errors="replace")
        if needle in text:
            return start + offset, text.strip()
    first = lines[0].decode("utf-8", errors="replace").strip() if lines else needle
    return start, first


TEXT = st.lists(st.sampled_from([b"a", b"port: 8080", b"\n", b"\n\n", b" x", b"\xff", b"\r\n", b"targetPort: 80"]),
                max_size=40).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=30), st.sampled_from(["port", "targetPort", "x", "zzz", ""]),
       st.integers(min_value=1, max_value=8))
def test_lines_by_offset_equal_lines_by_split(data: bytes, line: int, needle: str, limit: int):
    snap = _snapshot(data)
    assert snap.source_line("in", "f.yaml", line) == _split_source_line(data, line)
    assert snap.find_line("in", "f.yaml", line, needle, limit) == _split_find_line(data, line, needle, limit)


def test_late_lines_of_a_big_file_and_past_its_end():
    data = b"".join(b"- name: svc%d\n  targetPort: %d\n" % (i, i) for i in range(50_000))
    snap = _snapshot(data)
    assert snap.find_line("in", "f.yaml", 99_999, "targetPort") == (100_000, "targetPort: 49999")
    assert snap.source_line("in", "f.yaml", 1) == "- name: svc0"
    assert snap.source_line("in", "f.yaml", 100_001) == ""  # the empty line after the last newline
    assert snap.source_line("in", "f.yaml", 100_002) is None
