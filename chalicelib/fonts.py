"""Fonts: the bundled default registry, loaded fonts with real metrics, and upload verification.

The bundled fonts are freely licensed TTF/OTF files shipped inside ``font-*`` wheels installed
from PyPI at build time, or fetched from the npm registry at build time for the scripts PyPI has
no fonts for (:mod:`chalicelib.npm_fonts`); the repository never contains a font file. A registry
entry names the package and the file inside it, so ``importlib.resources`` finds a wheel's file
wherever the wheel landed (site-packages, a Lambda layer, an unpacked Chalice deployment).

``LoadedFont`` is the one object layout and outline code talk to: it answers cmap, advance,
kerning and glyph-bounds questions in font units and draws glyphs into fontTools pens. Keeping
every metric behind it is what makes the measured width equal the drawn width: both read the same
numbers from the same parsed font.

fontTools is imported inside functions only, so importing ``chalicelib`` stays cheap; fontTools
ships no ``py.typed``, hence the ``import-untyped`` ignores.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from chalicelib import npm_fonts
from chalicelib.errors import NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.npm_fonts import NpmFile

DEFAULT_FONT_ID = "lato-regular"
# Draws emoji in zones that allow them, after the zone's own fallbacks (see TextZone).
EMOJI_FONT_ID = "noto-emoji-regular"
MAX_FONT_BYTES = 15 * 1024 * 1024

FontCategory = Literal["sans", "serif", "display", "script", "emoji"]


class FontUnknown(NotFound):
    code = "font.unknown"


class FontUnavailable(ServiceUnavailable):
    """A registered font whose package is not installed: a build problem, never the client's."""

    code = "font.unavailable"


class FontInvalid(ValidationFailed):
    code = "font.invalid"


class FontEmbeddingRestricted(ValidationFailed):
    code = "font.embedding_restricted"


@dataclass(frozen=True)
class FontInfo:
    """One bundled font: a stable id that specs store, and where its file comes from."""

    font_id: str
    family: str
    style: str
    category: FontCategory
    license: str  # SPDX identifier
    package: str  # PyPI distribution that ships the file in ``<its module>/files/``, or npm's
    filename: str
    scripts: tuple[str, ...] = ("Latn",)  # ISO 15924 codes the font draws in full
    npm: NpmFile | None = None  # set when the file comes from the npm registry

    @property
    def module(self) -> str:
        return self.package.replace("-", "_")

    @property
    def path(self) -> Path:
        if self.npm is not None:
            return _resolve_npm_path(self.npm)
        return _resolve_path(self.module, self.filename)

    @property
    def origin(self) -> str:
        """Where the build took the file from: ``npm:<pkg>@<version>`` or ``pypi:<dist>==<v>``."""
        if self.npm is not None:
            return f"npm:{self.npm.spec}"
        return f"pypi:{self.package}=={self.package_version}"

    @property
    def sha256(self) -> str:
        """Hash of the file bytes; specs record it so a font upgrade can never go unnoticed."""
        return _file_sha256(str(self.path))

    @property
    def package_version(self) -> str:
        if self.npm is not None:
            return self.npm.version
        import importlib.metadata

        return importlib.metadata.version(self.package)


def _npm(
    font_id: str,
    family: str,
    category: FontCategory,
    npm: NpmFile,
    scripts: tuple[str, ...] = ("Latn",),
) -> FontInfo:
    """A Regular OFL font fetched from npm at build time (every one we bundle is both)."""
    return FontInfo(
        font_id, family, "Regular", category, "OFL-1.1", npm.package, npm.filename, scripts, npm
    )


_BUNDLED: tuple[FontInfo, ...] = (
    FontInfo("lato-regular", "Lato", "Regular", "sans", "OFL-1.1", "font-lato", "Lato-Regular.ttf"),
    FontInfo("lato-bold", "Lato", "Bold", "sans", "OFL-1.1", "font-lato", "Lato-Bold.ttf"),
    FontInfo(
        "source-serif-pro-regular",
        "Source Serif Pro",
        "Regular",
        "serif",
        "OFL-1.1",
        "font-source-serif-pro",
        "SourceSerifPro-Regular.otf",
    ),
    FontInfo(
        "caladea-regular",
        "Caladea",
        "Regular",
        "serif",
        "Apache-2.0",
        "font-caladea",
        "Caladea-Regular.ttf",
    ),
    FontInfo(
        "amatic-sc-regular",
        "Amatic SC",
        "Regular",
        "display",
        "OFL-1.1",
        "font-amatic-sc",
        "AmaticSC-Regular.ttf",
    ),
    FontInfo(
        "fredoka-one-regular",
        "Fredoka One",
        "Regular",
        "display",
        "OFL-1.1",
        "font-fredoka-one",
        "FredokaOne-Regular.ttf",
    ),
    _npm("amiri-regular", "Amiri", "serif", npm_fonts.AMIRI, ("Arab", "Latn")),
    _npm(
        "noto-naskh-arabic-regular",
        "Noto Naskh Arabic",
        "serif",
        npm_fonts.NOTO_NASKH_ARABIC,
        ("Arab",),
    ),
    _npm("rubik-regular", "Rubik", "sans", npm_fonts.RUBIK, ("Hebr", "Latn")),
    _npm(
        "noto-sans-devanagari-regular",
        "Noto Sans Devanagari",
        "sans",
        npm_fonts.NOTO_SANS_DEVANAGARI,
        ("Deva",),
    ),
    _npm("dancing-script-regular", "Dancing Script", "script", npm_fonts.DANCING_SCRIPT),
    _npm("great-vibes-regular", "Great Vibes", "script", npm_fonts.GREAT_VIBES),
    _npm("pacifico-regular", "Pacifico", "script", npm_fonts.PACIFICO),
    _npm(EMOJI_FONT_ID, "Noto Emoji", "emoji", npm_fonts.NOTO_EMOJI, ("Zsye",)),
)
_BY_ID = {info.font_id: info for info in _BUNDLED}


def list_fonts() -> list[FontInfo]:
    return list(_BUNDLED)


def font_info(font_id: str) -> FontInfo:
    try:
        return _BY_ID[font_id]
    except KeyError:
        raise FontUnknown(
            f"unknown font {font_id!r}", details={"font_id": font_id, "known": sorted(_BY_ID)}
        ) from None


_LOAD_LOCK = threading.Lock()


def get_font(font_id: str) -> LoadedFont:
    """The parsed bundled font, cached per process (a warm Lambda parses each font once).

    The lock makes concurrent first uses (threaded local server, tests) parse once, not N times.
    """
    font_info(font_id)
    with _LOAD_LOCK:
        return _load_bundled(font_id)


@functools.cache
def _load_bundled(font_id: str) -> LoadedFont:
    return LoadedFont.from_bytes(_BY_ID[font_id].path.read_bytes(), font_id)


@functools.cache
def _resolve_path(module: str, filename: str) -> Path:
    try:
        path = Path(str(importlib.resources.files(module).joinpath("files", filename)))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise FontUnavailable(
            f"font file {filename} is not installed",
            details={"module": module, "filename": filename},
        )
    return path


@functools.cache
def _resolve_npm_path(npm: NpmFile) -> Path:
    """The fetched file, or ``font.unavailable``: the build skipped ``python -m deploy fonts``."""
    if not npm.path.is_file():
        raise FontUnavailable(
            f"font file {npm.filename} was not fetched at build time",
            details={"package": npm.spec, "filename": npm.filename},
        )
    return npm.path


@functools.cache
def _file_sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def missing_characters(font: LoadedFont, text: str) -> list[str]:
    """Characters the font cannot draw, each once, in order of first appearance.

    Whitespace is exempt: layout advances a missing space by the font's space width, and line
    breaks never reach a glyph.
    """
    missing: dict[str, None] = {}
    for ch in text:
        if not ch.isspace() and ord(ch) not in font.cmap:
            missing[ch] = None
    return list(missing)


class LoadedFont:
    """A parsed font with per-glyph caches; all metrics are in font units."""

    def __init__(self, ttfont: Any, font_id: str, sha256: str, data: bytes | None = None) -> None:
        self.ttfont = ttfont
        self._data = data  # the file itself, for HarfBuzz (spec version 2 shaping)
        self._hb_font: Any = None
        self._glyph_order: list[str] = ttfont.getGlyphOrder()
        self.font_id = font_id
        self.sha256 = sha256
        self.units_per_em = int(ttfont["head"].unitsPerEm)
        hhea = ttfont["hhea"]
        self.ascender = int(hhea.ascent)
        self.descender = int(hhea.descent)  # negative below the baseline
        self.line_gap = int(hhea.lineGap)
        self.cmap: dict[int, str] = dict(ttfont.getBestCmap() or {})
        self.glyph_set = ttfont.getGlyphSet()
        self.notdef = str(ttfont.getGlyphOrder()[0])  # glyph 0 is .notdef whatever its name
        self._hmtx = ttfont["hmtx"]
        self._bounds: dict[str, tuple[float, float, float, float] | None] = {}
        self._kerning: _Kerning | None = None
        # fontTools decompiles glyphs and charstrings lazily, mutating shared objects; one lock
        # per font keeps concurrent layouts in a threaded server from racing on them.
        self._lock = threading.RLock()

    @classmethod
    def from_bytes(cls, data: bytes, font_id: str) -> LoadedFont:
        """Parse ``data``; any parsing failure is :class:`FontInvalid`, never a bare fontTools
        error (tables such as glyf and post are read lazily, here rather than in ``_parse``)."""
        ttfont = _parse(data)
        try:
            return cls(ttfont, font_id, hashlib.sha256(data).hexdigest(), data)
        except Exception as exc:  # fontTools raises anything from struct.error to TTLibError
            raise _unreadable(exc) from exc

    @classmethod
    def from_path(cls, path: Path, font_id: str) -> LoadedFont:
        return cls.from_bytes(path.read_bytes(), font_id)

    @property
    def line_height_units(self) -> int:
        """Baseline-to-baseline distance the font designer intended (hhea, as browsers on macOS)."""
        return self.ascender - self.descender + self.line_gap

    def glyph_for(self, ch: str) -> str:
        """Glyph drawn for ``ch``: its cmap glyph, a space for unmapped whitespace, else .notdef."""
        glyph = self.cmap.get(ord(ch))
        if glyph is None and ch.isspace():
            glyph = self.cmap.get(0x20)
        return glyph if glyph is not None else self.notdef

    @property
    def hb_font(self) -> Any:
        """A HarfBuzz font on the same file bytes (scale = units per em), made on first use."""
        if self._hb_font is None:
            with self._lock:
                if self._hb_font is None:
                    if self._data is None:
                        raise FontUnavailable(
                            "this font was loaded without its file bytes",
                            details={"font_id": self.font_id},
                        )
                    import uharfbuzz as hb

                    self._hb_font = hb.Font(hb.Face(hb.Blob(self._data)))
        return self._hb_font

    def glyph_name(self, gid: int) -> str:
        """The name fontTools draws for a glyph id HarfBuzz returned (same file, same order)."""
        return self._glyph_order[gid]

    def advance(self, glyph: str) -> int:
        return int(self._hmtx[glyph][0])

    def kerning(self, left: str, right: str) -> int:
        if self._kerning is None:
            with self._lock:
                if self._kerning is None:
                    self._kerning = _Kerning(self.ttfont)
        return self._kerning.value(left, right)

    def glyph_bounds(self, glyph: str) -> tuple[float, float, float, float] | None:
        """Exact ink box (xMin, yMin, xMax, yMax) of the outline, None for blank glyphs."""
        if glyph not in self._bounds:
            from fontTools.pens.boundsPen import BoundsPen  # type: ignore[import-untyped]

            pen = BoundsPen(self.glyph_set)
            with self._lock:
                self.glyph_set[glyph].draw(pen)
            b = pen.bounds
            self._bounds[glyph] = (
                None if b is None else (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
            )
        return self._bounds[glyph]

    def draw_glyph(self, glyph: str, pen: Any) -> None:
        with self._lock:
            self.glyph_set[glyph].draw(pen)


def _parse(data: bytes) -> Any:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    try:
        font = TTFont(io.BytesIO(data))
        for tag in ("head", "hhea", "hmtx", "maxp", "cmap"):
            font[tag]  # parse now: a broken table must fail here, not mid-render
    except Exception as exc:  # fontTools raises anything from struct.error to AssertionError
        raise _unreadable(exc) from exc
    return font


def _unreadable(exc: Exception) -> FontInvalid:
    return FontInvalid(
        "not a readable TrueType/OpenType font", details={"reason": type(exc).__name__}
    )


class _Kerning:
    """Pair kerning from GPOS 'kern' PairPos lookups, else from the legacy 'kern' table.

    Within one lookup the first subtable that matches wins (a format 1 subtable matches only if
    it lists the pair; a format 2 subtable matches whenever the first glyph is covered, even
    with a zero value), and values of separate lookups add up, as in HarfBuzz. Only Value1
    XAdvance is used: that is what horizontal kerning is made of. Each legacy subtable counts
    as a lookup of its own, since the 'kern' table adds its subtables up.
    """

    def __init__(self, ttfont: Any) -> None:
        self._lookups = _gpos_kern_lookups(ttfont) or _legacy_kern_lookups(ttfont)
        self._cache: dict[tuple[str, str], int] = {}

    def value(self, left: str, right: str) -> int:
        key = (left, right)
        if key not in self._cache:
            self._cache[key] = sum(  # per lookup, the first subtable that matches
                next((v for st in subtables if (v := st.get(left, right)) is not None), 0)
                for subtables in self._lookups
            )
        return self._cache[key]


@dataclass(frozen=True)
class _Pairs1:
    pairs: dict[str, dict[str, int]]

    def get(self, left: str, right: str) -> int | None:
        return self.pairs.get(left, {}).get(right)


@dataclass(frozen=True)
class _Pairs2:
    coverage: frozenset[str]
    class1: dict[str, int]
    class2: dict[str, int]
    matrix: list[list[int]]

    def get(self, left: str, right: str) -> int | None:
        if left not in self.coverage:
            return None
        return self.matrix[self.class1.get(left, 0)][self.class2.get(right, 0)]


def _x_advance(value_record: Any) -> int:
    return int(getattr(value_record, "XAdvance", 0) or 0) if value_record is not None else 0


def _compile_pairpos(st: Any) -> _Pairs1 | _Pairs2:
    if st.Format == 1:
        pairs = {
            first: {rec.SecondGlyph: _x_advance(rec.Value1) for rec in pair_set.PairValueRecord}
            for first, pair_set in zip(st.Coverage.glyphs, st.PairSet, strict=True)
        }
        return _Pairs1(pairs)
    matrix = [[_x_advance(c2.Value1) for c2 in c1.Class2Record] for c1 in st.Class1Record]
    class1, class2 = dict(st.ClassDef1.classDefs), dict(st.ClassDef2.classDefs)
    rows, columns = max(class1.values(), default=0), max(class2.values(), default=0)
    if rows >= len(matrix) or any(columns >= len(row) for row in matrix):
        # Checked here, once, rather than as an IndexError on some pair in the middle of a layout.
        raise ValueError("PairPos class outside its value matrix")
    return _Pairs2(frozenset(st.Coverage.glyphs), class1, class2, matrix)


def _legacy_kern_lookups(ttfont: Any) -> list[list[_Pairs1 | _Pairs2]]:
    lookups: list[list[_Pairs1 | _Pairs2]] = []
    for table in ttfont["kern"].kernTables if "kern" in ttfont else []:
        pairs: dict[str, dict[str, int]] = {}
        for (left, right), value in getattr(table, "kernTable", {}).items():
            pairs.setdefault(left, {})[right] = int(value)
        lookups.append([_Pairs1(pairs)])
    return lookups


def _gpos_kern_lookups(ttfont: Any) -> list[list[_Pairs1 | _Pairs2]]:
    """PairPos subtables of each 'kern' lookup, in lookup order, unwrapping extension lookups.

    The lookups come from the Latin script's default language system (else DFLT, else every
    'kern' feature), so a font that repeats its kerning per script is not kerned twice.
    """
    gpos = ttfont["GPOS"].table if "GPOS" in ttfont else None
    if gpos is None or gpos.FeatureList is None or gpos.LookupList is None:
        return []
    records = gpos.FeatureList.FeatureRecord
    kern_features = {i for i, rec in enumerate(records) if rec.FeatureTag == "kern"}
    chosen = _script_feature_indices(gpos, kern_features) or kern_features
    lookups: list[list[_Pairs1 | _Pairs2]] = []
    for index in sorted({i for f in chosen for i in records[f].Feature.LookupListIndex}):
        lookup = gpos.LookupList.Lookup[index]
        subtables = []
        for st in lookup.SubTable:
            lookup_type, table = lookup.LookupType, st
            if lookup_type == 9:
                lookup_type, table = st.ExtensionLookupType, st.ExtSubTable
            if lookup_type == 2 and table.Format in (1, 2):
                subtables.append(_compile_pairpos(table))
        if subtables:
            lookups.append(subtables)
    return lookups


def _script_feature_indices(gpos: Any, kern_features: set[int]) -> set[int]:
    scripts = {
        rec.ScriptTag: rec.Script
        for rec in (gpos.ScriptList.ScriptRecord if gpos.ScriptList else [])
    }
    for tag in ("latn", "DFLT"):
        langsys = getattr(scripts.get(tag), "DefaultLangSys", None)
        found = kern_features.intersection(langsys.FeatureIndex) if langsys else set()
        if found:
            return found
    return set()


OutlineFormat = Literal["truetype", "cff"]
_SFNT_MAGIC: dict[bytes, OutlineFormat] = {
    b"\x00\x01\x00\x00": "truetype",
    b"true": "truetype",
    b"OTTO": "cff",
}
_FS_RESTRICTED, _FS_PREVIEW_PRINT, _FS_EDITABLE, _FS_BITMAP_ONLY = 0x0002, 0x0004, 0x0008, 0x0200
Embedding = Literal["installable", "editable", "preview_print"]


@dataclass(frozen=True)
class FontFacts:
    """What an uploaded font is, as far as deciding whether we may use it goes."""

    family: str
    style: str
    outline_format: OutlineFormat
    glyph_count: int
    units_per_em: int
    codepoint_count: int
    missing_basic_latin: tuple[str, ...]  # printable ASCII the font cannot draw
    fs_type: int
    embedding: Embedding
    is_variable: bool
    sha256: str


def verify_font_bytes(data: bytes, *, max_bytes: int = MAX_FONT_BYTES) -> FontFacts:
    """Check an uploaded font before it is stored, so renders never meet a font they cannot use.

    Every glyph is drawn once: a corrupt outline must fail the upload, not an order in the
    worker weeks later. Collections, WOFF and WOFF2 are refused (convert to TTF/OTF first).
    """
    if len(data) > max_bytes:
        raise FontInvalid(
            "font file is too large",
            code="font.too_large",
            details={"max_bytes": max_bytes, "bytes": len(data)},
        )
    outline_format = _SFNT_MAGIC.get(data[:4])
    if outline_format is None:
        raise FontInvalid(
            "only TrueType (.ttf) and OpenType (.otf) files are accepted",
            details={"reason": "unsupported_format"},
        )
    try:
        return _inspect(data, outline_format)
    except ValidationFailed:  # FontInvalid, FontEmbeddingRestricted: already the file's fault
        raise
    except Exception as exc:
        # fontTools parses tables lazily, so a truncated file or a table of garbage (OS/2 all
        # 0xFF) fails wherever it is first read; every such failure is the file's, never a 500.
        raise FontInvalid(
            "font tables or outlines are corrupt", details={"reason": type(exc).__name__}
        ) from exc


def _inspect(data: bytes, outline_format: OutlineFormat) -> FontFacts:
    """Parse, name, check the licence and draw every glyph; fontTools errors propagate."""
    font = LoadedFont.from_bytes(data, "upload")
    family, style = _names(font.ttfont)
    embedding = _embedding(font.ttfont)
    _refuse_colour_we_cannot_cut(font.ttfont)
    font.ttfont.ensureDecompiled()
    for glyph in font.ttfont.getGlyphOrder():
        font.glyph_bounds(glyph)
    font.kerning(font.notdef, font.notdef)  # reads every kerning table now: a broken one fails here
    if not font.cmap:
        raise FontInvalid("font maps no Unicode characters", details={"reason": "no_cmap"})
    return FontFacts(
        family=family,
        style=style,
        outline_format=outline_format,
        glyph_count=len(font.ttfont.getGlyphOrder()),
        units_per_em=font.units_per_em,
        codepoint_count=len(font.cmap),
        missing_basic_latin=tuple(missing_characters(font, "".join(map(chr, range(0x21, 0x7F))))),
        fs_type=int(font.ttfont["OS/2"].fsType),
        embedding=embedding,
        is_variable="fvar" in font.ttfont,
        sha256=font.sha256,
    )


def _refuse_colour_we_cannot_cut(ttfont: Any) -> None:
    """Colour bitmaps (CBDT, sbix) have no outline to engrave or cut, and COLR version 1 paints
    gradients and transforms no single-colour process reproduces; plain COLR (version 0) layers
    are paths and stay accepted. Checked on the raw table, before anything decompiles it."""
    bitmaps = sorted(tag for tag in ("CBDT", "sbix") if tag in ttfont)
    if bitmaps:
        raise FontInvalid(
            "colour bitmap fonts have no outlines to engrave, cut or print sharply",
            code="font.color_bitmap_unsupported",
            details={"tables": bitmaps},
        )
    if "COLR" in ttfont and ttfont.reader["COLR"][:2] != b"\x00\x00":
        raise FontInvalid(
            "gradient colour fonts (COLR version 1) are not supported; use plain layers",
            code="font.color_gradient_unsupported",
            details={"tables": ["COLR"]},
        )


def _names(ttfont: Any) -> tuple[str, str]:
    if "name" not in ttfont or "OS/2" not in ttfont:
        raise FontInvalid("font lacks a name or OS/2 table", details={"reason": "missing_tables"})
    family = ttfont["name"].getBestFamilyName()
    if not family:
        raise FontInvalid("font has no family name", details={"reason": "no_family_name"})
    return str(family), str(ttfont["name"].getBestSubFamilyName() or "Regular")


def _embedding(ttfont: Any) -> Embedding:
    """OS/2 fsType as a permission; refuse what the licence says we may not embed.

    Fonts from before OS/2 version 3 may set several bits; the least restrictive one applies,
    as the OpenType spec says. Bitmap-only embedding is refused too: we output outlines.
    """
    fs_type = int(ttfont["OS/2"].fsType)
    if fs_type & _FS_EDITABLE:
        permission: Embedding = "editable"
    elif fs_type & _FS_PREVIEW_PRINT:
        permission = "preview_print"
    elif fs_type & _FS_RESTRICTED:
        raise FontEmbeddingRestricted(
            "the font licence forbids embedding (OS/2 fsType)",
            details={"fs_type": fs_type, "reason": "restricted"},
        )
    else:
        permission = "installable"
    if fs_type & _FS_BITMAP_ONLY:
        raise FontEmbeddingRestricted(
            "the font licence allows bitmap embedding only",
            details={"fs_type": fs_type, "reason": "bitmap_only"},
        )
    return permission
