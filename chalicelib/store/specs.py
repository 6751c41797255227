"""Design specs, stored once per (brand, spec_hash) with a conditional write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.domain.canonical import canonicalize
from chalicelib.errors import NotFound
from chalicelib.store.base import utcnow
from chalicelib.store.models import SpecModel


@dataclass(frozen=True)
class Spec:
    spec_hash: str
    brand_id: str
    spec: dict[str, Any]
    product_id: str
    product_version: int
    metadata: dict[str, Any]
    created_at: datetime


def _spec(m: SpecModel) -> Spec:
    return Spec(
        spec_hash=m.spec_hash,
        brand_id=m.brand_id,
        spec=json.loads(m.canonical),
        product_id=m.product_id,
        product_version=int(m.product_version),
        metadata=dict(m.metadata or {}),
        created_at=m.created_at,
    )


def new_spec(brand_id: str, spec_hash: str, spec: dict[str, Any], metadata: dict[str, Any]) -> Spec:
    """The record a first write would create (not yet saved)."""
    return Spec(
        spec_hash=spec_hash,
        brand_id=brand_id,
        spec=json.loads(canonicalize(spec)),  # the stored order, so first and later answers match
        product_id=str(spec["product_id"]),
        product_version=int(spec["product_version"]),
        metadata=metadata,
        created_at=utcnow(),
    )


def put_new(transaction: TransactWrite, spec: Spec) -> None:
    """Add the first write of this spec to a transaction; it fails if the spec exists."""
    model = SpecModel(
        brand_id=spec.brand_id,
        spec_hash=spec.spec_hash,
        canonical=canonicalize(spec.spec).decode("utf-8"),
        product_id=spec.product_id,
        product_version=spec.product_version,
        metadata=spec.metadata,
        created_at=spec.created_at,
    )
    transaction.save(model, condition=SpecModel.spec_hash.does_not_exist())


def find_spec(brand_id: str, spec_hash: str) -> Spec | None:
    try:
        return _spec(SpecModel.get(brand_id, spec_hash, consistent_read=True))
    except DoesNotExist:
        return None


def get_spec(brand_id: str, spec_hash: str) -> Spec:
    """The brand's spec; another brand's hash answers exactly like a missing one."""
    found = find_spec(brand_id, spec_hash) if len(spec_hash) == 64 else None
    if found is None:
        raise NotFound("No such spec.", code="spec.not_found")
    return found
