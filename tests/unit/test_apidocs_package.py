"""``make package`` refuses a Lambda zip without Redoc's bundle: ``/docs`` on ``dev`` would
otherwise answer ``apidocs.not_built`` after a deploy that looked fine."""

from __future__ import annotations

import zipfile
from pathlib import Path

from deploy.package import _check_data_files, apidocs_members
from tests.conftest import ROOT

BUNDLE = "chalicelib/apidocs/redoc.standalone.js"


def _zip(tmp_path: Path, members: dict[str, bytes]) -> zipfile.ZipFile:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return zipfile.ZipFile(path)


def test_a_zip_with_the_fetched_bundle_passes(tmp_path: Path) -> None:
    archive = _zip(tmp_path, {BUNDLE: (ROOT / BUNDLE).read_bytes()})
    assert _check_data_files(archive, apidocs_members()) == []


def test_a_zip_without_the_bundle_or_with_other_bytes_fails(tmp_path: Path) -> None:
    (missing,) = _check_data_files(_zip(tmp_path, {"app.py": b""}), apidocs_members())
    assert missing.startswith(f"{BUNDLE}: missing")
    (changed,) = _check_data_files(_zip(tmp_path, {BUNDLE: b"//"}), apidocs_members())
    assert changed == f"{BUNDLE}: sha256 differs from the pinned one"


VIEWER = "chalicelib/widget/viewer/model-viewer.min.js"


def test_the_3d_viewer_bundle_is_checked_in_the_zip_the_same_way(tmp_path: Path) -> None:
    from deploy.package import viewer_members

    archive = _zip(tmp_path, {VIEWER: (ROOT / VIEWER).read_bytes()})
    assert _check_data_files(archive, viewer_members()) == []
    (missing,) = _check_data_files(_zip(tmp_path, {"app.py": b""}), viewer_members())
    assert missing.startswith(f"{VIEWER}: missing")
