"""A compressed must-gather is decompressed once: what the loaders read whole is kept as it is listed.

Each loader phase that read a member the listing had passed decompressed the archive again from its start
to reach it (``timestamp``, ``haproxy.config``, the router's and the ingress operator's logs: 0.23 s of the
real must-gather's 1.65 s). ``parsers.load_snapshot.read_whole`` names them from their paths alone
(``parsers.layout.place_by_name``), and the tar keeps them within its caps; the access-log sidecar's files
are streamed, never kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from parsers import load_snapshot as load_snapshot_module
from parsers.archive_sources import TarSource
from parsers.inputs import open_input
from parsers.layout import ROOT_MARKERS, classify, find_roots, place_by_name
from parsers.load_snapshot import load_snapshot, read_whole
from tests.conftest import FIXTURES, MUST_GATHER, make_tar, realworld

SCENARIO = FIXTURES / "scenarios" / "I701-fires-timeout-rejected"
ACCESS_LOG = next((FIXTURES / "scenarios" / "R101-fires-sharded-away").glob(
    "must-gather*/*/namespaces/openshift-ingress/pods/*/logs/logs/logs/current.log"))
OPERATOR_LOG = FIXTURES / "platform" / "ingress-operator-current.log"


def _names(path: Path) -> list[str]:
    return [m.name for m in open_input(path).members]


@pytest.mark.parametrize("where", ["fixture", "real"])
def test_place_by_name_is_the_place_classify_gives_once_the_roots_are_known(where):
    paths = ([MUST_GATHER, next(SCENARIO.glob("must-gather*"))] if where == "fixture"
             else [realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")])
    names = [name for path in paths for name in _names(path)]
    roots = find_roots(names)
    assert len(roots) >= 1 and len(names) > 10
    for name in names:
        guessed, known = place_by_name(name), classify(name, roots)
        if guessed != known:  # only a member whose path names no root marker is told apart later
            assert guessed.category == "other" and not any(p in (*ROOT_MARKERS, "ingress_controllers")
                                                           for p in name.split("/")[:-1]), name


def test_what_the_listing_keeps_is_what_the_loaders_read_whole():
    root = "mg/image"
    assert read_whole(f"{root}/namespaces/app/core/pods.yaml")
    assert read_whole(f"{root}/timestamp") and read_whole("mg/timestamp")
    assert read_whole(f"{root}/ingress_controllers/default/router-default-1/haproxy.config")
    assert read_whole(f"{root}/namespaces/openshift-ingress/pods/r-1/router/router/logs/current.log")
    assert read_whole(f"{root}/namespaces/openshift-ingress-operator/pods/o-1/ingress-operator/ingress-operator/"
                      "logs/previous.log")
    # streamed or read by their head only: the access-log sidecar, application logs, anything else
    assert not read_whole(f"{root}/namespaces/openshift-ingress/pods/r-1/logs/logs/logs/current.log")
    assert not read_whole(f"{root}/namespaces/app/pods/web-1/web/web/logs/current.log")
    assert not read_whole(f"{root}/namespaces/openshift-ingress/pods/r-1/router/router/logs/rotated/1.log.gz")
    assert not read_whole(f"{root}/host_service_logs/masters/kubelet_service.log")


def _counting_reads(monkeypatch) -> tuple[list[str], list[str]]:
    """Names of the members read, and of those the listing had not kept (decompressed again)."""
    read, again = [], []
    kept = TarSource._listed_bytes

    def listed_bytes(self, member):
        data = kept(self, member)
        read.append(member.name)
        if data is None:
            again.append(member.name)
        return data

    monkeypatch.setattr(TarSource, "_listed_bytes", listed_bytes)
    return read, again


def _packed_case(tmp_path: Path) -> Path:
    """The I701 scenario's must-gather with an ingress operator log and an access-log sidecar file, as a .tar.gz."""
    case = tmp_path / "must-gather.local.1"
    shutil.copytree(next(SCENARIO.glob("must-gather*")), case)
    image = next(p for p in case.iterdir() if p.is_dir())
    operator = image / "namespaces/openshift-ingress-operator/pods/ingress-operator-6b7c9d-x2x4z"
    (operator / "ingress-operator/ingress-operator/logs").mkdir(parents=True)
    shutil.copy(OPERATOR_LOG, operator / "ingress-operator/ingress-operator/logs/current.log")
    router = next((image / "namespaces/openshift-ingress/pods").iterdir())
    (router / "logs/logs/logs").mkdir(parents=True, exist_ok=True)
    shutil.copy(ACCESS_LOG, router / "logs/logs/logs/current.log")
    return make_tar(case, tmp_path / "case.tar.gz")


def test_a_compressed_must_gather_is_not_decompressed_again_to_read_a_member(tmp_path, monkeypatch):
    packed = _packed_case(tmp_path)
    read, again = _counting_reads(monkeypatch)
    snap = load_snapshot([str(packed)])
    assert again == []
    for kind in ("/timestamp", "/haproxy.config", "/router/router/logs/current.log",
                 "/ingress-operator/ingress-operator/logs/current.log"):
        assert any(name.endswith(kind) for name in read), kind
    assert len(snap.frame("requests"))  # the sidecar's access log was parsed (streamed, not kept)
    assert not any(name.endswith("/logs/logs/logs/current.log") for name in read)


def test_with_the_object_files_kept_only_those_members_are_decompressed_again(tmp_path, monkeypatch):
    """What the test above measures: without the platform's files in ``read_whole``, they are read again."""
    packed = _packed_case(tmp_path)
    _, again = _counting_reads(monkeypatch)
    monkeypatch.setattr(load_snapshot_module, "read_whole", lambda name: name.endswith((".yaml", ".yml", ".json")))
    load_snapshot([str(packed)])
    assert sorted(name.rsplit("/", 1)[-1] for name in again) == ["current.log", "current.log", "haproxy.config",
                                                                  "timestamp"]


def test_the_real_must_gather_is_decompressed_once(monkeypatch):
    path = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    read, again = _counting_reads(monkeypatch)
    load_snapshot([str(path)])
    assert len(read) > 100 and again == []
