"""The shopper widget's files as the API serves them: the script and the demo shop page.

``widget.js`` is a plain file shipped inside ``chalicelib`` (Chalice packages the directory), so
there is no build step and nothing generated in the repository. Its version is its content hash:
``/widget.js?v=<version>`` may be cached for a year, the bare URL only briefly.

The UI's message catalogs (``messages/<locale>.json``: the text direction and every string by key)
are served inside the script, where it marks ``/*ATELIER_CATALOGS*/``: one request, and the
version covers them too, so a fixed translation reaches shoppers exactly like a fixed line of code.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from chalicelib.static import VersionedText

HERE = Path(__file__).resolve().parent


Script = VersionedText
CATALOG_MARK = "/*ATELIER_CATALOGS*/{}"
DEFAULT_LOCALE = "en"


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, Any]]:
    """Every catalog by locale: ``{"dir": "ltr"|"rtl", "messages": {key: text}}``."""
    found = {}
    for path in sorted((HERE / "messages").glob("*.json")):
        found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return found


def message_keys() -> frozenset[str]:
    """The keys a brand may override per product (``labels``): those of the English catalog."""
    return frozenset(catalogs()[DEFAULT_LOCALE]["messages"])


@lru_cache(maxsize=1)
def script() -> Script:
    """The widget script with its catalogs, built once per process (the files never change
    under a running API)."""
    body = (HERE / "widget.js").read_text(encoding="utf-8")
    packed = json.dumps(catalogs(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if CATALOG_MARK not in body:
        raise RuntimeError("widget.js lost its catalog mark")
    return Script.of(body.replace(CATALOG_MARK, packed, 1))


VIEWER = HERE / "viewer" / "model-viewer.min.js"


@lru_cache(maxsize=1)
def viewer() -> Script | None:
    """Google's <model-viewer> (UMD bundle) for the 3D view, fetched by ``make viewer`` from the
    npm registry at an exact version and hash; None when it has not been fetched here."""
    if not VIEWER.is_file():
        return None
    return Script.of(VIEWER.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _demo_template() -> Template:
    return Template((HERE / "demo.html").read_text(encoding="utf-8"))


def demo_page(
    product_id: str,
    product_name: str,
    publishable_key: str,
    *,
    lang: str = DEFAULT_LOCALE,
    locale: str | None = None,
) -> str:
    """A plain shop page embedding the widget, as a brand would (every value HTML-escaped):
    ``lang`` is the page's language, ``locale`` the widget's own (data-atelier-locale)."""
    locale_attr = f' data-atelier-locale="{html.escape(locale, quote=True)}"' if locale else ""
    return _demo_template().substitute(
        product_id=html.escape(product_id, quote=True),
        product_name=html.escape(product_name, quote=True),
        publishable_key=html.escape(publishable_key, quote=True),
        version=script().version,
        lang=html.escape(lang, quote=True),
        locale_attr=locale_attr,
    )
