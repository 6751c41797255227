"""One design, loaded once per job: the stored spec, parsed once, with its product version.

A render or a pack used to read the spec and then parse it again in each step (scene, cut
checks, job sheet); now each job calls :func:`load_design` once and hands the result down, so
every file of a pack is drawn from the very same parsed document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.spec import DesignSpec
from chalicelib.domain.zone import ProductDoc
from chalicelib.store import products, specs


@dataclass(frozen=True)
class Design:
    """``document`` is the stored JSON (the manifest records it as is); ``spec`` is it parsed."""

    spec_hash: str
    document: dict[str, Any]
    spec: DesignSpec
    product: ProductDoc


def load_design(brand_id: str, spec_hash: str) -> Design:
    """The spec by hash, parsed, and the product version it was made for."""
    from chalicelib.scene.build import parse_design  # the workers' import: keeps api/ light

    document = specs.get_spec(brand_id, spec_hash).spec
    spec = parse_design(document)
    product = products.get_version(brand_id, spec.product_id, spec.product_version)
    return Design(spec_hash, document, spec, product)
