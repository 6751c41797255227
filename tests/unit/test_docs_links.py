"""Every relative link in README.md and docs/ leads somewhere: the file exists, the anchor too.

The README was split into topic pages; a link left pointing at a section that moved (or a page
renamed later) is the first thing a new reader trips over, so the suite checks them all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "examples/README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    body = FENCE.sub("", page.read_text())
    return {github_slug(m) for m in re.findall(r"^#{1,6} (.+)$", body, re.M)}


def links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text()))


def test_github_slug_matches_github() -> None:
    assert github_slug("The local stack (`make run`)") == "the-local-stack-make-run"
    assert github_slug("Design specs, snapshots and Idempotency-Key") == (
        "design-specs-snapshots-and-idempotency-key"
    )


def test_the_readme_links_to_the_docs_table_of_contents() -> None:
    assert "docs/README.md" in links(ROOT / "README.md")


def test_every_docs_page_is_in_the_table_of_contents() -> None:
    listed = set(links(ROOT / "docs" / "README.md"))
    pages = {p.name for p in PAGES if p.parent.name == "docs" and p.name != "README.md"}
    assert pages - listed == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with that anchor")
    assert broken == []
