"""Shared test helpers: where the fixtures and the real archives are, and archive builders."""

from __future__ import annotations

import importlib.util
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SHAPES = FIXTURES / "shapes"
REALWORLD = (REPO / ".." / "shared" / "realworld").resolve()
MGC = REALWORLD / "openshift__must-gather-clean" / "test" / "files"
INSPECT_SHOP = SHAPES / "inspect.local.5421342344627712289"
MUST_GATHER = SHAPES / "must-gather.local.8841290315575329044"
YAML_DUMP = SHAPES / "yaml-dump"


def realworld(*parts: str) -> Path:
    """A path under ../shared/realworld, or skip the test with the reason when it is absent."""
    path = REALWORLD.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/realworld not present here ({path} missing): real-archive test skipped")
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The demo case of ``make report`` (fixtures/demo/make_demo.py), built once per test session."""
    spec = importlib.util.spec_from_file_location("make_demo", FIXTURES / "demo" / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("demo")
    module.build(out)
    return out


def make_tar(src_dir: Path, dest: Path, mode: str = "w:gz", arc_prefix: str | None = None) -> Path:
    """Archive ``src_dir`` as its own top directory (as `tar cvaf x.tar.gz dir/` does)."""
    top = arc_prefix if arc_prefix is not None else src_dir.name
    with tarfile.open(dest, mode) as tf:
        for root, _dirs, files in os.walk(src_dir):
            for name in sorted(files):
                full = Path(root) / name
                rel = full.relative_to(src_dir).as_posix()
                tf.add(full, arcname=f"{top}/{rel}" if top else rel)
    return dest


def make_zip(src_dir: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for root, _dirs, files in os.walk(src_dir):
            for name in sorted(files):
                full = Path(root) / name
                zf.write(full, f"{src_dir.name}/{full.relative_to(src_dir).as_posix()}")
    return dest


def add_tar_bytes(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))
