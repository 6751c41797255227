"""Text files the API serves as they are (the widget script, the API reference bundle).

Each carries a version, its content hash: ``?v=<version>`` URLs may be cached for a year, the
bare URL only briefly, and the ETag lets a browser revalidate for free.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class VersionedText:
    body: str
    version: str  # first 16 hex digits of the SHA-256 of the bytes

    @classmethod
    def of(cls, body: str) -> VersionedText:
        return cls(body=body, version=hashlib.sha256(body.encode("utf-8")).hexdigest()[:16])

    @property
    def etag(self) -> str:
        return f'"{self.version}"'
