"""Fonts fetched from the npm registry at build time: pinned bytes, script coverage, shaping.

``make test`` runs ``python -m deploy fonts`` first, so the files are in place; the coverage
ranges below are written out from the Unicode charts, independently of the registry's claims.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from chalicelib import npm_fonts
from chalicelib.domain.personalization import ImageInfo, ZoneInput, validate_inputs
from chalicelib.domain.shaping import shape_line
from chalicelib.domain.spec import build_spec
from chalicelib.errors import NotFound, ServiceUnavailable
from chalicelib.fonts import FontInfo, FontUnavailable, LoadedFont, font_info, get_font, list_fonts
from chalicelib.npm_fonts import NPM_FILES, NpmFile
from deploy import npm_fonts as fetcher
from tests.support.scripts import pendant
from tests.support.shaping import hb_shape

NPM_FONT_IDS = [info.font_id for info in list_fonts() if info.npm is not None]

# Every letter a name in the script may need (base letters; marks are checked by shaping).
ARABIC = [*range(0x0621, 0x063B), *range(0x0641, 0x064B)]  # hamza .. yeh, no tatweel
HEBREW = list(range(0x05D0, 0x05EB))  # alef .. tav, final forms included
DEVANAGARI = [*range(0x0905, 0x0915), *range(0x0915, 0x093A), *range(0x093E, 0x094E)]
LATIN = [*range(0x41, 0x5B), *range(0x61, 0x7B)]
# Emoticons, regional indicators (flags), skin-tone modifiers, ZWJ and VS16.
EMOJI = [*range(0x1F600, 0x1F650), *range(0x1F1E6, 0x1F200), *range(0x1F3FB, 0x1F400)]
EMOJI_JOINERS = [0x200D, 0xFE0F]
COVERAGE = {"Arab": ARABIC, "Hebr": HEBREW, "Deva": DEVANAGARI, "Latn": LATIN, "Zsye": EMOJI}


def test_the_bundle_has_arabic_hebrew_devanagari_and_three_cursive_fonts() -> None:
    infos = [font_info(font_id) for font_id in NPM_FONT_IDS]
    for script in ("Arab", "Hebr", "Deva"):
        assert any(script in info.scripts for info in infos), script
    assert len([info for info in infos if info.category == "script"]) >= 3
    assert {info.license for info in infos} == {"OFL-1.1"}


@pytest.mark.parametrize("npm", NPM_FILES, ids=[n.filename for n in NPM_FILES])
def test_each_fetched_file_has_its_pinned_sha256(npm: NpmFile) -> None:
    assert hashlib.sha256(npm.path.read_bytes()).hexdigest() == npm.sha256


@pytest.mark.parametrize("font_id", NPM_FONT_IDS)
def test_each_font_draws_every_letter_of_the_scripts_it_claims(font_id: str) -> None:
    info = font_info(font_id)
    font = get_font(font_id)
    assert font.sha256 == info.sha256 == info.npm.sha256  # type: ignore[union-attr]
    name = font.ttfont["name"]
    assert (name.getBestFamilyName(), name.getBestSubFamilyName()) == (info.family, info.style)
    assert font.ttfont["OS/2"].fsType & 0x0002 == 0  # installable: we may embed its outlines
    for script in info.scripts:
        missing = [hex(cp) for cp in COVERAGE[script] if cp not in font.cmap]
        assert not missing, f"{font_id} lacks {script} letters {missing}"
        assert all(font.glyph_bounds(font.cmap[cp]) for cp in COVERAGE[script])  # real ink


def test_a_registered_font_whose_file_was_not_fetched_is_unavailable_not_a_crash() -> None:
    lost = NpmFile("@expo-google-fonts/amiri", "0.4.1", "package/400Regular/Lost.ttf", "0" * 64)
    info = FontInfo(
        "lost-regular",
        "Lost",
        "Regular",
        "serif",
        "OFL-1.1",
        lost.package,
        lost.filename,
        ("Arab",),
        lost,
    )
    with pytest.raises(FontUnavailable) as caught:
        _ = info.path
    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.code == "font.unavailable"
    assert caught.value.details["package"] == "@expo-google-fonts/amiri@0.4.1"


class BundledFonts:
    """The catalog a brand without uploads has: the bundled registry itself."""

    profanity_allow: tuple[str, ...] = ()
    profanity_deny: tuple[str, ...] = ()

    def font(self, font_id: str, sha256: str = "") -> LoadedFont:
        return get_font(font_id)

    def image(self, asset_id: str, sha256: str = "") -> ImageInfo:
        raise NotFound("no images here", code="asset.not_found")

    def base_image(self, asset_id: str) -> bytes:
        raise NotFound("no images here", code="asset.not_found")


NAMES = [
    ("amiri-regular", "مُحَمَّد", ("--direction=rtl", "--script=Arab", "--language=ar")),
    ("noto-naskh-arabic-regular", "عبد الله", ("--direction=rtl", "--script=Arab")),
    ("rubik-regular", "שָׁלוֹם", ("--direction=rtl", "--script=Hebr", "--language=he")),
    ("noto-sans-devanagari-regular", "प्रिया", ("--direction=ltr", "--script=Deva")),
    ("dancing-script-regular", "Griffin", ("--direction=ltr", "--script=Latn")),
]


@pytest.mark.parametrize(("font_id", "text", "args"), NAMES, ids=[n[0] for n in NAMES])
def test_a_name_in_a_bundled_font_validates_with_hb_shapes_glyphs(
    font_id: str, text: str, args: tuple[str, ...]
) -> None:
    doc = pendant(fonts=[font_id])
    result = validate_inputs(doc, {"name": ZoneInput(text=text, font=font_id)}, BundledFonts())
    assert result.valid, result.errors
    font = get_font(font_id)
    layout = result.layouts["name"]
    placed = layout.glyphs  # in visual order, as hb-shape prints them
    expected = hb_shape(font_info(font_id).path, text, *args)
    assert [font.ttfont.getGlyphID(g.glyph) for g in placed] == [gid for gid, _, _ in expected]
    assert [(g.gid, g.x, g.y) for g in shape_line(font, text).glyphs] == expected  # positions
    spec = build_spec("prd_names", 1, doc, result)
    runs = spec["zones"]["name"]["shaping"]["lines"][0]["runs"]
    assert {r["font"]["sha256"] for r in runs} == {font_info(font_id).npm.sha256}  # type: ignore[union-attr]


def _tarball(path: Path, member: str, data: bytes) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_fetch_writes_only_bytes_that_match_the_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(npm_fonts, "NPM_FONT_DIR", tmp_path / "out")
    good = b"pretend font bytes"
    pinned = NpmFile("@scope/good", "1.0.0", "package/Good.ttf", hashlib.sha256(good).hexdigest())
    tampered = NpmFile("@scope/bad", "1.0.0", "package/Bad.ttf", pinned.sha256)
    cache = tmp_path / "cache"
    cache.mkdir()
    _tarball(cache / "scope-good-1.0.0.tgz", pinned.member, good)  # no network: already packed
    _tarball(cache / "scope-bad-1.0.0.tgz", tampered.member, good + b"!")

    assert fetcher.fetch((pinned,), cache) == [tmp_path / "out" / "Good.ttf"]
    assert (tmp_path / "out" / "Good.ttf").read_bytes() == good
    assert fetcher.fetch((pinned,), cache) == []  # in place with the pinned bytes: kept
    with pytest.raises(fetcher.FontFetchError, match="pinned"):
        fetcher.fetch((tampered,), cache)
    assert not (tmp_path / "out" / "Bad.ttf").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Good.ttf"]


def test_the_package_check_expects_every_npm_font_inside_chalicelib() -> None:
    members = fetcher.zip_members()
    assert members == {f"chalicelib/npm_font_files/{npm.filename}": npm.sha256 for npm in NPM_FILES}
    assert all(
        npm.path.parent == Path(npm_fonts.__file__).parent / "npm_font_files" for npm in NPM_FILES
    )


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
EMOJI_NAMES = [
    ("Ana " + FAMILY, "a ZWJ family"),
    ("Ana \U0001f44d\U0001f3fd", "a skin tone"),
    ("Ana \U0001f1eb\U0001f1f7", "a flag"),
]


def test_the_emoji_font_is_monochrome_outlines_with_its_joiners() -> None:
    font = get_font("noto-emoji-regular")
    assert not {"COLR", "CBDT", "sbix", "SVG "} & set(font.ttfont.keys())
    assert all(cp in font.cmap for cp in EMOJI_JOINERS)


@pytest.mark.parametrize(("text", "case"), EMOJI_NAMES, ids=[n[1] for n in EMOJI_NAMES])
def test_an_emoji_allowed_zone_draws_each_emoji_cluster_as_one_glyph_of_the_emoji_font(
    text: str, case: str
) -> None:
    from chalicelib.domain.text import graphemes
    from chalicelib.scene.build import build_scene

    doc = pendant(fonts=["dancing-script-regular"], emoji="allow", charset=["latin"])
    given = ZoneInput(text=text, font="dancing-script-regular")
    result = validate_inputs(doc, {"name": given}, BundledFonts())
    assert result.valid, result.errors
    layout = result.layouts["name"]
    emoji_index = layout.fallbacks.index(get_font("noto-emoji-regular")) + 1
    emoji = [g for g in layout.glyphs if g.font == emoji_index]
    cluster = list(graphemes(text))[-1]
    expected = hb_shape(font_info("noto-emoji-regular").path, cluster)
    assert len(emoji) == 1 and len(expected) == 1  # the whole sequence is one glyph
    assert get_font("noto-emoji-regular").ttfont.getGlyphID(emoji[0].glyph) == expected[0][0]
    assert all(g.font == 0 for g in layout.glyphs if g is not emoji[0])  # Ana stays cursive
    spec = build_spec("prd_names", 1, doc, result)
    runs = spec["zones"]["name"]["shaping"]["lines"][0]["runs"]
    assert [(r["font"]["id"], r["font"]["sha256"]) for r in runs] == [
        ("dancing-script-regular", npm_fonts.DANCING_SCRIPT.sha256),
        ("noto-emoji-regular", npm_fonts.NOTO_EMOJI.sha256),
    ]
    scene = build_scene(spec, doc, BundledFonts(), mockup=False)  # production re-lays it out
    assert scene.items


def test_emoji_stay_refused_where_the_zone_denies_them() -> None:
    doc = pendant(fonts=["dancing-script-regular"], charset=["latin"])
    given = ZoneInput(text="Ana " + FAMILY, font="dancing-script-regular")
    result = validate_inputs(doc, {"name": given}, BundledFonts())
    assert "text.emoji_not_allowed" in {e["code"] for e in result.errors}
    assert doc.zones[0].shaping_fallbacks == []  # type: ignore[union-attr]
