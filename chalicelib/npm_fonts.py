"""Font files fetched from the npm registry at build time, pinned by version and by sha256.

PyPI has no font wheels for Arabic, Hebrew, Devanagari or cursive name fonts, and Debian's font
versions differ between releases. The npm ``@expo-google-fonts/*`` packages ship Google Fonts'
full TTFs (the ``@fontsource/*`` ones ship per-range subsets that lose glyphs and ligatures).
``python -m deploy fonts`` (run by ``make run``, ``make test`` and ``make package``) packs each
package at its exact version, checks the file's sha256 against :data:`NPM_FILES` and copies it
into :data:`NPM_FONT_DIR`, a git-ignored folder inside ``chalicelib/`` that Chalice zips with the
code. The repository never holds a font file; a changed registry tarball fails the build, and a
missing file is ``font.unavailable`` at run time, never a different font.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NPM_FONT_DIR = Path(__file__).resolve().parent / "npm_font_files"


@dataclass(frozen=True)
class NpmFile:
    """One TTF inside one npm package version, and the hash its bytes must have."""

    package: str
    version: str
    member: str  # path inside the package tarball
    sha256: str

    @property
    def filename(self) -> str:
        return PurePosixPath(self.member).name

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def path(self) -> Path:
        return NPM_FONT_DIR / self.filename


def _expo(family: str, version: str, stem: str, sha256: str) -> NpmFile:
    """An ``@expo-google-fonts/<family>`` regular-weight TTF (they all share one layout)."""
    member = f"package/400Regular/{stem}_400Regular.ttf"
    return NpmFile(f"@expo-google-fonts/{family}", version, member, sha256)


AMIRI = _expo(
    "amiri", "0.4.1", "Amiri", "d26cd95609ed51b6419e3c7d4a066cb9fac7b73117868622f5b7f03998c68568"
)
NOTO_NASKH_ARABIC = _expo(
    "noto-naskh-arabic",
    "0.4.5",
    "NotoNaskhArabic",
    "706b4580c025f6c75ec1c06013e17f00a23ec1780091b77a5a5b339469bda94d",
)
RUBIK = _expo(
    "rubik", "0.4.2", "Rubik", "6b94e23adedab4522e1b65d21158e83c75f377fc99f916c58f8ec40ecc7dd035"
)
NOTO_SANS_DEVANAGARI = _expo(
    "noto-sans-devanagari",
    "0.4.1",
    "NotoSansDevanagari",
    "084a94d89eb54aafb93a056e15425c34fd859f6342875165d304837b3bcfc2d2",
)
DANCING_SCRIPT = _expo(
    "dancing-script",
    "0.4.2",
    "DancingScript",
    "9ef04a03a7e36872dbb179ed3fbb11fde004bd01e35416c3270023f7a91dd4f4",
)
GREAT_VIBES = _expo(
    "great-vibes",
    "0.4.1",
    "GreatVibes",
    "8671b4332bff26a2ca32c7388a2929320e0ade036e460bd76cd1a22abbd4d5b4",
)
PACIFICO = _expo(
    "pacifico",
    "0.4.1",
    "Pacifico",
    "4dac9db3fa9ca072f7861fd916bf04bdceac6069d0f3a886f5e523d922e918f1",
)
# Monochrome outlines (no colour tables): engraves, cuts and prints like any glyph.
NOTO_EMOJI = _expo(
    "noto-emoji",
    "0.4.7",
    "NotoEmoji",
    "24aaa2a20c9c06ffe9bf04284bfd1f14376a329d10122f902abe2770817eb504",
)

NPM_FILES: tuple[NpmFile, ...] = (
    AMIRI,
    NOTO_NASKH_ARABIC,
    RUBIK,
    NOTO_SANS_DEVANAGARI,
    DANCING_SCRIPT,
    GREAT_VIBES,
    PACIFICO,
    NOTO_EMOJI,
)
