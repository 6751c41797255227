"""Products in DynamoDB, keyed by (brand_id, product_id).

Every change is a conditional update on the version read, so two editors cannot overwrite each
other: the loser gets 409 ``product.version_conflict`` and retries with the new version.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.base import utcnow
from chalicelib.store.models import ProductModel
from chalicelib.store.pages import decode_cursor, encode_cursor


@dataclass(frozen=True)
class Product:
    product_id: str
    brand_id: str
    doc: ProductDoc
    status: str  # "draft" | "active" | "archived"
    version: int
    created_at: datetime
    updated_at: datetime


def _product(m: ProductModel) -> Product:
    return Product(
        product_id=m.product_id,
        brand_id=m.brand_id,
        doc=ProductDoc.model_validate(m.document, strict=False),
        status=m.status,
        version=int(m.version),
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def _stored(doc: ProductDoc) -> dict[str, Any]:
    return doc.model_dump(mode="json")


def new_product(brand_id: str, doc: ProductDoc) -> ProductModel:
    """A version-1 product record, not yet written (see :func:`put_new`)."""
    return ProductModel(
        brand_id=brand_id,
        product_id=f"prd_{secrets.token_hex(8)}",
        document=_stored(doc),
        status=doc.status,
        version=1,
        created_at=utcnow(),
        updated_at=utcnow(),
    )


def put_new(transaction: TransactWrite, model: ProductModel) -> None:
    transaction.save(model, condition=ProductModel.product_id.does_not_exist())


def as_product(model: ProductModel) -> Product:
    return _product(model)


def create_product(brand_id: str, doc: ProductDoc) -> Product:
    """Create outside an API request (seeding, ops); the API commits with its idempotency record."""
    model = new_product(brand_id, doc)
    try:
        model.save(condition=ProductModel.product_id.does_not_exist())
    except PutError as exc:
        raise Conflict("Product id collision; retry.", code="product.id_collision") from exc
    return _product(model)


def _load(brand_id: str, product_id: str) -> ProductModel:
    try:
        return ProductModel.get(brand_id, product_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("No such product.", code="product.not_found") from exc


def get_product(brand_id: str, product_id: str) -> Product:
    return _product(_load(brand_id, product_id))


def list_products(
    brand_id: str, *, limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[Product], str | None]:
    after = decode_cursor(cursor)
    query = ProductModel.query(
        brand_id,
        limit=limit,
        last_evaluated_key={"brand_id": {"S": brand_id}, "product_id": {"S": after}}
        if after
        else None,
        filter_condition=(ProductModel.status == status) if status else None,
        page_size=limit,
    )
    items = [_product(m) for m in query]
    return items, encode_cursor(query.last_evaluated_key, "product_id")


def replace_product(brand_id: str, product_id: str, doc: ProductDoc) -> Product:
    model = _load(brand_id, product_id)
    if model.status == "archived":
        raise Conflict("Archived products cannot be changed.", code="product.archived")
    return _update(model, document=_stored(doc), status=doc.status)


def archive_product(brand_id: str, product_id: str) -> Product:
    model = _load(brand_id, product_id)
    if model.status == "archived":
        return _product(model)
    document = dict(model.document)
    return _update(model, document=document, status="archived")


def _update(model: ProductModel, *, document: dict[str, Any], status: str) -> Product:
    read_version = int(model.version)
    try:
        model.update(
            actions=[
                ProductModel.document.set(document),
                ProductModel.status.set(status),
                ProductModel.version.set(read_version + 1),
                ProductModel.updated_at.set(utcnow()),
            ],
            condition=ProductModel.version == read_version,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise Conflict(
            "The product changed while you edited it; read it again and retry.",
            code="product.version_conflict",
        ) from exc
    return _product(model)
