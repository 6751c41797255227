"""The browsable API reference: Redoc rendering ``/v1/openapi.json``, served by the API itself.

Redoc's self-contained bundle (``redoc.standalone.js``) comes from the npm registry at build
time (``make apidocs``: an exact version, its tarball checked against a pinned SHA-256) into this
directory, which Chalice packages with the rest of ``chalicelib``; it is git-ignored, never
committed. Nothing is loaded from a CDN: the page names only its own origin, and its Content
Security Policy forbids anything else.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalicelib.static import VersionedText

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "redoc.standalone.js"

# Only this origin. Redoc injects its styles at run time (styled-components) and runs its search
# index in a worker it creates from a blob: URL, hence those two allowances and nothing more.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


Bundle = VersionedText


@lru_cache(maxsize=1)
def bundle() -> Bundle | None:
    """Redoc's bundle, read once per process; None when ``make apidocs`` has not fetched it."""
    if not BUNDLE.is_file():
        return None
    body = BUNDLE.read_text(encoding="utf-8")
    return Bundle.of(body)


def page(version: str) -> str:
    """The reference page. URLs are relative, so it works at ``/docs`` and under a stage prefix
    (API Gateway's ``/api/docs``) alike."""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Atelier API reference</title>\n</head>\n<body>\n"
        '<redoc spec-url="v1/openapi.json" hide-download-button></redoc>\n'
        f'<script src="docs/redoc.standalone.js?v={version}"></script>\n'
        "</body>\n</html>\n"
    )
