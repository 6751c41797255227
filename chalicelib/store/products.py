"""Products in DynamoDB, keyed by (brand_id, product_id).

Every change is a conditional update on the version read, so two editors cannot overwrite each
other: the loser gets 409 ``product.version_conflict`` and retries with the new version.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.base import transaction, utcnow
from chalicelib.store.models import ProductModel, ProductVersionModel
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


def put_new(tx: TransactWrite, model: ProductModel) -> None:
    """Add the product and its version-1 record to a transaction."""
    tx.save(model, condition=ProductModel.product_id.does_not_exist())
    tx.save(_version_record(model.brand_id, model.product_id, 1, model.document))


def as_product(model: ProductModel) -> Product:
    return _product(model)


def create_product(brand_id: str, doc: ProductDoc) -> Product:
    """Create outside an API request (seeding, ops); the API commits with its idempotency record."""
    model = new_product(brand_id, doc)
    try:
        with transaction() as tx:
            put_new(tx, model)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if not (reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"):
            raise  # not a collision: no credentials, no table, throttling... name it as it is
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


def _version_record(
    brand_id: str, product_id: str, version: int, document: dict[str, Any]
) -> ProductVersionModel:
    return ProductVersionModel(
        brand_id=brand_id, version_key=f"{product_id}#{version:08d}", document=document
    )


def _update(model: ProductModel, *, document: dict[str, Any], status: str) -> Product:
    """Bump the version and record the new version's document, in one transaction."""
    read_version = int(model.version)
    now = utcnow()
    actions: list[Action] = [
        ProductModel.document.set(document),
        ProductModel.status.set(status),
        ProductModel.version.set(read_version + 1),
        ProductModel.updated_at.set(now),
    ]
    try:
        with transaction() as tx:
            tx.update(model, actions=actions, condition=ProductModel.version == read_version)
            tx.save(
                _version_record(model.brand_id, model.product_id, read_version + 1, document),
                condition=ProductVersionModel.version_key.does_not_exist(),
            )
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        raise Conflict(
            "The product changed while you edited it; read it again and retry.",
            code="product.version_conflict",
        ) from exc
    return get_product(model.brand_id, model.product_id)


def get_version(brand_id: str, product_id: str, version: int) -> ProductDoc:
    """The product document exactly as it was at ``version`` (what a spec was made against)."""
    try:
        record = ProductVersionModel.get(brand_id, f"{product_id}#{version:08d}")
    except DoesNotExist as exc:
        raise NotFound("No such product version.", code="product.version_not_found") from exc
    return ProductDoc.model_validate(record.document, strict=False)
