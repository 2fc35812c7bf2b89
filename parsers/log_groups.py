"""The access log folded per minute x route backend x server x status x termination state.

:func:`minute_groups` folds a request frame. ``mga analyze`` folds each chunk's kept rows on the
thread (or Dask worker) that parsed it (:func:`chunk_groups`) and joins the chunks' groups once
(:func:`merged_groups`): the same groups as folding the whole frame, without a pass over it on the
thread that joins the chunks. Folding is shaping, not diagnosing: what the groups mean is
:mod:`analyzer.facts.access`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.int_codes import dense_codes, group_extremes
from parsers.router_names import DEFAULT_BACKEND

GROUP_KEYS = ("minute", "namespace", "route", "backend", "backend_kind", "server", "pod", "status", "term",
              "host_capture", "default_path")
NAME_KEYS = ("namespace", "route", "backend", "backend_kind", "server", "pod", "term")
LOCATED = ("input", "source", "line")  # where each group's first line is
GROUP_COLUMNS = (*GROUP_KEYS, "requests", "first", "last", *LOCATED)


def no_groups() -> pd.DataFrame:
    """The groups of a log without a dated request."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS})


def minute_groups(requests: pd.DataFrame) -> pd.DataFrame:
    """The access log as counts per minute and key (:data:`GROUP_KEYS`), with each group's first line.

    ``host_capture``/``default_path`` are filled for ``openshift_default`` lines only, so the group
    count stays that of backends x servers x statuses. ``first``/``last`` are the HAProxy accept
    times of the group's first and last request; ``input``/``source``/``line`` locate its first line
    (the first of the group's lines, in time order, that has one).

    The name columns (:data:`NAME_KEYS`, ``host_capture``, ``default_path``) are categoricals whose
    categories are the texts present, sorted, a missing name reading ``""``: a big log folds into a
    million groups, and a text per group and column was most of their memory. Group on them with
    ``observed=True``; their order is the text order.

    Each line's keys become integer codes ranked in text order (one code per distinct text, a missing
    name sharing the code of ``""`` as the text keys did), folded into one integer per line; the
    lines are sorted once by that integer and time, and the groups are the runs of equal integers,
    in the order of the text keys. No frame of the lines is built: the memory is a few integer
    arrays as long as the log.
    """
    if requests.empty:
        return no_groups()
    dated = requests["ts"].notna().to_numpy()
    rows = None if dated.all() else np.flatnonzero(dated)
    if rows is not None and not len(rows):
        return no_groups()

    def column(name: str) -> pd.Series:
        return requests[name] if rows is None else requests[name].take(rows)

    ts = column("ts")
    keys: list[tuple[str, np.ndarray, list]] = []  # (key, each line's code, the value of each code), GROUP_KEYS order
    minutes, minute_codes = dense_codes(ts.array.asi8 // _TICKS_A_MINUTE[ts.dt.unit])  # floor("min"), as a number
    keys.append(("minute", minute_codes.astype(_narrow(len(minutes))), []))
    del minute_codes
    for k in NAME_KEYS:
        keys.append((k, *text_codes(column(k))))
    statuses, status_codes = dense_codes(column("status").fillna(-2).to_numpy(dtype=np.int64))
    # TCP lines have no status: -2 keeps them apart from -1
    keys.insert(GROUP_KEYS.index("status"), ("status", status_codes.astype(_narrow(len(statuses))), []))
    default = pd.Series(column("backend_kind") == DEFAULT_BACKEND).fillna(False).astype(bool).to_numpy()
    keys.append(("host_capture", *_default_codes(column("request_headers"), default)))
    keys.append(("default_path", *_default_codes(column("path"), default, before="?")))
    assert tuple(k for k, _, _ in keys) == GROUP_KEYS
    line_key = _folded_key(keys, {"minute": len(minutes), "status": len(statuses)}, len(ts))
    # lines by key (the groups' order), then time, then log order
    by_group, sorted_keys = _group_order(line_key, ts.array.asi8, ts.dt.unit)
    del line_key
    new_group = np.empty(len(sorted_keys), dtype=bool)
    new_group[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_group[1:])
    del sorted_keys
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(by_group))
    counts = ends - starts
    first_rows, last_rows = by_group[starts], by_group[ends - 1]
    out = pd.DataFrame({"minute": ts.array.take(first_rows).floor("min")})  # the groups' minutes, not every line's
    _add_keys(out, keys, statuses, first_rows)
    out["requests"] = counts.astype(np.int64)
    out["first"] = ts.array.take(first_rows)
    out["last"] = ts.array.take(last_rows)
    for c in LOCATED:
        values = column(c)
        out[c] = values.array.take(_first_valid(values, new_group, by_group, first_rows), allow_fill=True)
    return out


def _add_keys(out: pd.DataFrame, keys: list[tuple[str, np.ndarray, list]], statuses: np.ndarray,
              rows: np.ndarray) -> None:
    """The groups' key columns but the minute, from the codes at ``rows`` (one row per group): each name
    a categorical of the texts present, the status an integer (-2, no status, missing)."""
    for k, codes, texts in keys:
        if k == "minute":
            continue
        at = codes[rows]
        if k == "status":
            values = statuses[at]
            out[k] = pd.arrays.IntegerArray(values, values == -2)
        else:
            out[k] = pd.Categorical.from_codes(at, categories=pd.Index(texts)).remove_unused_categories()


def _folded_key(keys: list[tuple[str, np.ndarray, list]], cardinality: dict[str, int], n: int) -> np.ndarray:
    """One integer per line whose order is the order of its keys' codes, taken in turn."""
    line_key = np.zeros(n, dtype=np.int64)
    size = 1
    for k, codes, texts in keys:
        count = cardinality.get(k) or len(texts)
        if size * count >= 1 << 62:  # renumber the keys so far densely (in their order) before they overflow
            uniques, line_key = np.unique(line_key, return_inverse=True)
            size = len(uniques)
        line_key = line_key * count + codes
        size *= count
    return line_key


def _group_order(line_key: np.ndarray, ticks: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """``np.lexsort((ts, line_key))`` and the keys in that order, or a number in the keys' order per line.

    A group's lines share a minute, so the key, the millisecond within the minute and the line's position
    fold into one 64-bit number per line (group rank, 16 bits of milliseconds, the position): one sort
    of plain integers (vectorised by numpy) gives the lexsort's order, where the lexsort's two stable
    passes over 64-bit keys cost a quarter of a second at 3M lines. The keys' ranks come from a hash
    factorization, not a sort. Times finer than a millisecond, or too many groups and lines for 63
    bits, take the lexsort. ``ticks`` are the lines' times in ``unit`` (``s``, ``ms``, ``us``, ``ns``).
    """
    if len(ticks) < 2 or unit not in _TICKS_A_MS:
        return _lexsorted(line_key, ticks)
    within = ticks % _TICKS_A_MINUTE[unit]
    if _TICKS_A_MS[unit] > 1:
        if (within % _TICKS_A_MS[unit]).any():
            return _lexsorted(line_key, ticks)
        within //= _TICKS_A_MS[unit]
    codes, uniques = pd.factorize(line_key)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[np.argsort(uniques)] = np.arange(len(uniques))
    position_bits = (len(ticks) - 1).bit_length()
    if (len(uniques) - 1).bit_length() + 16 + position_bits > 63:
        return _lexsorted(line_key, ticks)
    folded = rank[codes]
    del codes
    folded <<= 16
    folded |= within
    del within
    folded <<= position_bits
    folded |= np.arange(len(ticks), dtype=np.int64)
    folded.sort()
    by_group = folded & ((1 << position_bits) - 1)
    folded >>= 16 + position_bits
    return by_group, folded


def _group_ends(line_key: np.ndarray, ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group, groups in key order: its first line (the earliest time, then the earliest position), its
    latest time and how many lines it has: the ends of each group in :func:`_group_order`'s order, found
    without sorting the lines (a chunk's sort of every line was most of its folding). The groups are
    numbered by a hash and only their keys sorted; each group's earliest and latest time, and the earliest
    position at its earliest time, are taken by unbuffered ``ufunc.at`` passes."""
    group, keys = pd.factorize(line_key)
    size = len(keys)
    low, high = group_extremes(group, size, ticks)
    at_low = ticks == low[group]
    first, _ = group_extremes(group[at_low], size, np.flatnonzero(at_low))
    in_key_order = np.argsort(keys)
    return first[in_key_order], high[in_key_order], np.bincount(group, minlength=size)[in_key_order].astype(np.int64)


def _lexsorted(line_key: np.ndarray, ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    by_group = np.lexsort((ticks, line_key))
    return by_group, line_key[by_group]


_TICKS_A_MS = {"ms": 1, "us": 1_000, "ns": 1_000_000}
_TICKS_A_MINUTE = {"s": 60, "ms": 60_000, "us": 60_000_000, "ns": 60_000_000_000}


def _first_valid(values: pd.Series, new_group: np.ndarray, by_group: np.ndarray, first_rows: np.ndarray) -> np.ndarray:
    """Per group, the position of its first line (in ``by_group`` order) where ``values`` is not missing, or -1.

    ``new_group`` marks, in ``by_group`` order, the first line of each group.
    """
    missing = values.isna().to_numpy()
    if not missing.any():
        return first_rows
    kept = np.flatnonzero(~missing[by_group])  # positions in by_group order
    groups, first = np.unique((np.cumsum(new_group) - 1)[kept], return_index=True)
    out = np.full(len(first_rows), -1, dtype=np.int64)
    out[groups] = by_group[kept[first]]
    return out


def text_codes(column: pd.Series, missing: str = "") -> tuple[np.ndarray, list[str]]:
    """Codes for ``column`` as text with missing values as ``missing``, and the sorted texts the codes stand for.

    Two codes never share a text and the codes follow the texts' order, so grouping and sorting on
    the codes group and sort as the text would.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        names = [str(v) for v in column.cat.categories.tolist()]
    else:
        codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        names = [str(v) for v in uniques.tolist()]
    return _ranked(codes, [*names, missing])  # code -1 (missing) reads the last text


def _default_codes(values: pd.Series, default: np.ndarray, before: str | None = None) -> tuple[np.ndarray,
                                                                                             list[str]]:
    """Codes of ``values`` as text on the ``openshift_default`` rows, of ``""`` elsewhere, and their sorted texts.

    Only those rows are converted: on a big log they are few, and converting the whole column to
    strings (then throwing most of it away) was a copy of every path and header capture.
    ``before`` cuts each value at its first occurrence (the query string of a path).
    """
    codes = np.zeros(len(values), dtype=np.int64)
    if not default.any():
        return codes, [""]
    picked = values[default].astype("string")
    if before is not None:
        picked = picked.str.split(before, n=1).str[0]
    picked_codes, uniques = pd.factorize(picked.fillna(""), sort=False)
    codes[default] = picked_codes + 1
    return _ranked(codes, ["", *(str(v) for v in uniques.tolist())])


def _ranked(codes: np.ndarray, texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """``codes`` (positions in ``texts``, -1 the last) renumbered to positions in the sorted distinct texts."""
    ranked = sorted(set(texts))
    rank = {t: i for i, t in enumerate(ranked)}
    renumber = np.array([rank[t] for t in texts], dtype=_narrow(len(ranked)))
    return renumber[codes], ranked


def _narrow(count: int) -> type[np.integer]:
    """The smallest signed integer type numbering ``count`` values (a code array per key stays small)."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if count <= np.iinfo(t).max)


NAMED = (*NAME_KEYS, "host_capture", "default_path")  # the group keys that are texts


@dataclass(frozen=True, slots=True)
class ChunkGroups:
    """One chunk's groups (:data:`GROUP_KEYS`) as arrays, one entry per group, in key order.

    Plain arrays, not a frame: made on the parsing threads (or Dask workers) for every chunk, where
    building a frame of categoricals cost more than folding the lines.
    """

    minute: np.ndarray  # minutes since the epoch (int64)
    names: dict[str, tuple[np.ndarray, list[str]]]  # key of NAMED -> each group's position in the texts, the texts
    status: np.ndarray  # int64; -2 where the lines logged none (TCP)
    requests: np.ndarray  # int64
    first: np.ndarray  # the group's earliest accept time, nanoseconds since the epoch
    last: np.ndarray  # its latest
    line: np.ndarray  # the line of its first request (in time, then line order), from the chunk's start

    def shifted(self, lines_before: int) -> ChunkGroups:
        """The same groups for a chunk that starts after ``lines_before`` lines of its file."""
        return replace(self, line=self.line + lines_before)


def chunk_groups(table: pa.Table) -> ChunkGroups | None:
    """One parsed chunk's rows (the ``requests`` frame's columns before they are joined; ``line`` never
    missing) folded as :func:`minute_groups` folds a frame; None without a dated row.

    Read straight from the Arrow columns: dictionary indices and their texts, times as integers.
    """
    ts = table.column("ts")
    unit = table.schema.field("ts").type.unit
    rows = None  # the dated rows, where some are not
    if ts.null_count:
        rows = np.flatnonzero(ts.is_valid().to_numpy(zero_copy_only=False))
        if not len(rows):
            return None

    def values(array: np.ndarray) -> np.ndarray:
        return array if rows is None else array[rows]

    ticks = values(_filled(ts.cast(pa.int64()), 0))
    keys: list[tuple[str, np.ndarray, list]] = []
    minutes, minute_codes = dense_codes(ticks // _TICKS_A_MINUTE[unit])
    keys.append(("minute", minute_codes, []))
    raw: dict[str, tuple[np.ndarray, list[str]]] = {}
    for k in NAME_KEYS:
        codes, texts = _dictionary_codes(table.column(k))
        raw[k] = (codes := values(codes)), texts
        keys.append((k, *_ranked(codes, [*texts, ""])))  # code -1 (missing) reads "", as text_codes does
    statuses, status_codes = dense_codes(values(_filled(table.column("status"), -2)).astype(np.int64))
    keys.insert(GROUP_KEYS.index("status"), ("status", status_codes, []))
    kind_codes, kinds = raw["backend_kind"]
    default = (kind_codes == kinds.index(DEFAULT_BACKEND)) if DEFAULT_BACKEND in kinds else np.zeros(len(ticks), bool)
    keys.append(("host_capture", *_default_texts(table.column("request_headers"), default, rows)))
    keys.append(("default_path", *_default_texts(table.column("path"), default, rows, before="?")))
    line_key = _folded_key(keys, {"minute": len(minutes), "status": len(statuses)}, len(ticks))
    first_rows, latest, requests = _group_ends(line_key, ticks)
    to_ns = _TICKS_A_MINUTE["ns"] // _TICKS_A_MINUTE[unit]
    names = {k: (codes[first_rows], texts) for k, codes, texts in keys if k in NAMED}
    return ChunkGroups(
        minute=minutes[minute_codes[first_rows]],
        names=names,
        status=statuses[status_codes[first_rows]],
        requests=requests,
        first=ticks[first_rows] * to_ns,
        last=latest * to_ns,
        line=values(table.column("line").to_numpy()).astype(np.int64)[first_rows],
    )


def _dictionary_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """A column's values as positions in its distinct texts (-1 where missing), and those texts."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    if not column.num_chunks:
        return np.zeros(0, dtype=np.int64), []
    if column.num_chunks > 1:
        column = column.unify_dictionaries()
    indices = pa.chunked_array([c.indices for c in column.chunks], type=column.type.index_type)
    return _filled(indices, -1), [str(v) for v in column.chunk(0).dictionary.to_pylist()]


def _filled(column: pa.ChunkedArray, missing: int) -> np.ndarray:
    """An integer column as numpy, ``missing`` where it has no value (not copied when it has them all)."""
    return (pc.fill_null(column, missing) if column.null_count else column).to_numpy()


def _default_texts(column: pa.ChunkedArray, default: np.ndarray, rows: np.ndarray | None,
                   before: str | None = None) -> tuple[np.ndarray, list[str]]:
    """:func:`_default_codes` of an Arrow column: its text on the ``openshift_default`` rows, ``""`` elsewhere."""
    codes = np.zeros(len(default), dtype=np.int64)
    if not default.any():
        return codes, [""]
    at = np.flatnonzero(default) if rows is None else rows[default]
    picked = [("" if v is None else v if before is None else v.split(before, 1)[0])
              for v in column.take(pa.array(at)).to_pylist()]
    texts = list(dict.fromkeys(picked))
    number = {t: i + 1 for i, t in enumerate(texts)}
    codes[default] = [number[t] for t in picked]
    return _ranked(codes, ["", *texts])


def merged_groups(parts: list[tuple[int, ChunkGroups]], files: list[tuple[str, str]],
                  requests: pd.DataFrame) -> pd.DataFrame:
    """The chunks' groups joined: exactly ``minute_groups(requests)``.

    ``parts`` are (file, groups) pairs: the file's position in ``files`` (the (input, source) of each
    file, in the order the files' rows were joined) and the groups of one of its chunks, lines counted
    from the file's start; ``requests`` is the frame of all those chunks' rows (for the types of
    ``input``, ``source`` and ``line``).

    A group met in several chunks adds their requests, keeps the earliest first and the latest last
    request, and is located by its earliest first request, a tie going to the earlier file, then the
    earlier line: the order :func:`minute_groups` reads the lines in (by time, then in frame order,
    which for one file is line order and for several is time order, a tie in file order).
    """
    if not parts:
        return no_groups()
    groups = [g for _, g in parts]
    keys: list[tuple[str, np.ndarray, list]] = []
    minute_values, minute_codes = dense_codes(np.concatenate([g.minute for g in groups]))
    keys.append(("minute", minute_codes, []))
    for k in NAMED:
        keys.append((k, *_joined_codes([g.names[k] for g in groups])))
    statuses, status_codes = dense_codes(np.concatenate([g.status for g in groups]))
    keys.insert(GROUP_KEYS.index("status"), ("status", status_codes, []))
    line_key = _folded_key(keys, {"minute": len(minute_values), "status": len(statuses)}, len(minute_codes))
    _, group = np.unique(line_key, return_inverse=True)  # the groups in key order
    del line_key
    first = np.concatenate([g.first for g in groups])
    file = np.concatenate([np.full(len(g.first), f, dtype=np.int64) for f, g in parts])
    line = np.concatenate([g.line for g in groups])
    order = np.lexsort((line, file, first, group))  # each group's parts, the one it is located by first
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    located = order[starts]
    out = pd.DataFrame({"minute": _utc(minute_values[minute_codes[located]] * _TICKS_A_MINUTE["ns"])})
    _add_keys(out, keys, statuses, located)
    out["requests"] = np.add.reduceat(np.concatenate([g.requests for g in groups])[order], starts)
    out["first"] = _utc(first[located])
    out["last"] = _utc(np.maximum.reduceat(np.concatenate([g.last for g in groups])[order], starts))
    where = file[located]
    out["input"] = _categorical([files[f][0] for f in where], requests["input"].dtype)
    out["source"] = _categorical([files[f][1] for f in where], requests["source"].dtype)
    lines = line[located]
    dtype = requests["line"].dtype
    fits = not len(lines) or int(lines.max()) <= np.iinfo(dtype.numpy_dtype).max  # line numbers start at 1
    out["line"] = pd.array(lines, dtype=dtype if fits else "Int64")
    return out


def _categorical(values: list[str], dtype: pd.CategoricalDtype) -> pd.Categorical:
    """``values`` in the request frame's categories, with those of files none of whose rows the frame kept
    (their lines all counted: ``parsers.normal_lines``) added."""
    missing = sorted(set(values) - set(dtype.categories))
    if missing:
        dtype = pd.CategoricalDtype([*dtype.categories, *missing])
    return pd.Categorical(values, dtype=dtype)


def _joined_codes(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, list[str]]:
    """(codes, texts) of several parts -> one code per entry, its position in the sorted union of the texts."""
    texts = sorted(set().union(*(t for _, t in parts)))
    rank = {t: i for i, t in enumerate(texts)}
    return np.concatenate([np.array([rank[t] for t in t_], dtype=np.int64)[c] for c, t_ in parts]), texts


def _utc(nanoseconds: np.ndarray) -> pd.arrays.DatetimeArray:
    return pd.Series(nanoseconds.astype("datetime64[ns]")).dt.tz_localize("UTC").array
