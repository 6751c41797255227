"""``python -m deploy fonts``: fetch the npm-registry fonts at their pinned versions and hashes.

Each package is packed with ``npm pack <pkg>@<exact version>`` (no install, no scripts) into a
git-ignored cache; the TTF is read out of the tarball, its sha256 compared with the pin in
:mod:`chalicelib.npm_fonts`, and only then written into ``chalicelib/npm_font_files/``, where the
app, the local stack and ``chalice package`` find it. A file already in place with the pinned
hash is kept, so repeated ``make test`` runs need no network.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from chalicelib.npm_fonts import NPM_FILES, NPM_FONT_DIR, NpmFile
from deploy.package import ROOT

CACHE = ROOT / ".cache" / "npm-fonts"


class FontFetchError(Exception):
    """A package that could not be packed, or a file whose bytes are not the pinned ones."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract(tarball: Path, npm: NpmFile) -> bytes:
    """The pinned file's bytes out of ``tarball``; refused unless they hash to the pin."""
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            member = archive.extractfile(npm.member)
        except KeyError:
            member = None
        if member is None:
            raise FontFetchError(f"{npm.spec}: {npm.member} is not in {tarball.name}")
        data = member.read()
    if sha256(data) != npm.sha256:
        raise FontFetchError(
            f"{npm.spec}: {npm.member} has sha256 {sha256(data)}, pinned {npm.sha256}"
        )
    return data


def pack(npm: NpmFile, cache: Path) -> Path:
    """The package tarball, packed from the registry once and kept in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    name = f"{npm.package.lstrip('@').replace('/', '-')}-{npm.version}.tgz"
    if (cache / name).is_file():
        return cache / name
    if shutil.which("npm") is None:
        raise FontFetchError("npm is not installed (Debian: apt-get install npm)")
    run = subprocess.run(
        ["npm", "pack", npm.spec, "--json", "--ignore-scripts", "--pack-destination", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise FontFetchError(f"npm pack {npm.spec} failed: {run.stderr.strip()[-500:]}")
    packed = cache / str(json.loads(run.stdout)[0]["filename"]).replace("@", "").replace("/", "-")
    if packed != cache / name:
        packed.replace(cache / name)
    return cache / name


def fetch(files: tuple[NpmFile, ...] = NPM_FILES, cache: Path = CACHE) -> list[Path]:
    """Every pinned file in place with its pinned bytes; returns the files written."""
    written = []
    for npm in files:
        if npm.path.is_file() and sha256(npm.path.read_bytes()) == npm.sha256:
            continue
        data = extract(pack(npm, cache), npm)
        npm.path.parent.mkdir(parents=True, exist_ok=True)
        partial = npm.path.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(npm.path)  # never a half-written font where the app looks
        written.append(npm.path)
    return written


def zip_members() -> dict[str, str]:
    """Path inside the deployment zip → pinned sha256, for ``make package`` to check."""
    return {f"chalicelib/{NPM_FONT_DIR.name}/{npm.filename}": npm.sha256 for npm in NPM_FILES}


def main() -> int:
    try:
        written = fetch()
    except FontFetchError as exc:
        print(f"FONTS FAILED: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"fetched {path.relative_to(ROOT)}")
    print(f"{len(NPM_FILES)} npm fonts in place, each with its pinned sha256")
    return 0
