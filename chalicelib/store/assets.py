"""Uploaded images and fonts: records in DynamoDB, bytes in S3, verification before use.

The upload goes straight from the browser to S3 with a presigned POST policy (Lambda never carries
the bytes), so nothing about those bytes is trusted until :func:`complete` has fetched and verified
them. Only the verified object (a re-encoded PNG, or the checked font file) is ever read by
renderers; the raw upload is deleted once the record says ``ready``.

Every S3 key is built here from the brand id and a server-made asset id, so a client can neither
choose where its bytes land nor reach another brand's prefix. Records are keyed by
``(brand_id, asset_id)``: another brand's asset id simply does not exist for the caller, which is
what makes it answer 404 exactly like a missing one.

State changes are conditional on ``status = pending``, so two concurrent completes, or a replay
after a crash, can never leave a half-written record: ``pending`` → ``ready`` | ``failed``, once.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib import aws, fonts, logs
from chalicelib.domain import gltf, imaging
from chalicelib.errors import AtelierError, Conflict, NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.store.base import utcnow
from chalicelib.store.models import AssetModel

log = logs.get_logger("atelier.assets")

AssetKind = Literal["image", "font", "model"]
AssetStatus = Literal["pending", "ready", "failed"]
INVALID_FONT = "asset.invalid_font"  # any font parsing failure of an upload: 422, asset failed

UPLOAD_EXPIRES_S = 300
MAX_BYTES: dict[str, int] = {
    "image": imaging.MAX_IMAGE_BYTES,
    "font": fonts.MAX_FONT_BYTES,
    "model": gltf.MAX_MODEL_BYTES,
}
CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/png", "image/jpeg", "image/webp"),
    "font": ("font/ttf", "font/otf", "application/octet-stream", "application/font-sfnt"),
    "model": ("model/gltf-binary",),
}
_STORED_DIR = {"image": "assets", "font": "fonts", "model": "models"}
_ASSET_ID_RE = re.compile(r"^ast_[0-9a-f]{16}$")
_CONDITION_FAILED = "ConditionalCheckFailedException"
_S3_MISSING = {"404", "NoSuchKey", "NotFound"}


class AssetUnavailable(ServiceUnavailable):
    """A ready asset whose stored object is gone or no longer matches its hash: our fault."""

    code = "asset.unavailable"


@dataclass(frozen=True)
class Asset:
    asset_id: str
    brand_id: str
    kind: AssetKind
    status: AssetStatus
    content_type: str
    filename: str
    declared_bytes: int
    facts: dict[str, Any]
    error: dict[str, Any] | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class UploadInstructions:
    """How the client sends the bytes: a multipart POST of ``fields`` then the file, to ``url``.

    The fields carry an S3 POST policy signed by the server: the exact key, the content type and
    a ``content-length-range`` of exactly the declared size. S3 itself refuses any other file, so an
    oversized upload never lands in the bucket (an open PUT URL could not promise that).
    """

    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int = UPLOAD_EXPIRES_S
    method: str = "POST"


def _asset(m: AssetModel) -> Asset:
    kind: AssetKind = "font" if m.kind == "font" else "model" if m.kind == "model" else "image"
    status: AssetStatus = (
        "ready" if m.status == "ready" else "failed" if m.status == "failed" else "pending"
    )
    return Asset(
        asset_id=m.asset_id,
        brand_id=m.brand_id,
        kind=kind,
        status=status,
        content_type=m.content_type,
        filename=m.filename,
        declared_bytes=int(m.declared_bytes),
        facts=dict(m.facts or {}),
        error=dict(m.error) if m.error else None,
        created_at=m.created_at,
        completed_at=m.completed_at,
    )


def upload_key(brand_id: str, asset_id: str) -> str:
    return f"{brand_id}/uploads/{asset_id}"


# --- create -------------------------------------------------------------------------------------


def prepare_upload(
    brand_id: str,
    kind: str,
    content_type: str,
    filename: str,
    size_bytes: int,
    *,
    max_bytes: int | None = None,
) -> tuple[AssetModel, UploadInstructions]:
    """A pending asset record (not yet written) and a presigned POST policy for exactly that file.

    ``max_bytes`` narrows the kind's limit (an image zone's own ``max_bytes``).
    """
    ctype = _check_declared(kind, content_type, size_bytes, max_bytes)
    asset_id = f"ast_{secrets.token_hex(8)}"
    key = upload_key(brand_id, asset_id)
    post = aws.s3().generate_presigned_post(
        Bucket=aws.assets_bucket(),
        Key=key,
        Fields={"Content-Type": ctype},
        Conditions=[{"Content-Type": ctype}, ["content-length-range", size_bytes, size_bytes]],
        ExpiresIn=UPLOAD_EXPIRES_S,
    )
    model = AssetModel(
        brand_id,
        asset_id,
        kind=kind,
        status="pending",
        content_type=ctype,
        filename=clean_filename(filename),
        declared_bytes=size_bytes,
        upload_key=key,
        created_at=utcnow(),
    )
    fields = {str(k): str(v) for k, v in post["fields"].items()}
    return model, UploadInstructions(url=str(post["url"]), fields=fields, max_bytes=size_bytes)


def put_new(transaction: TransactWrite, model: AssetModel) -> None:
    transaction.save(model, condition=AssetModel.asset_id.does_not_exist())


def as_asset(model: AssetModel) -> Asset:
    return _asset(model)


def create_upload(
    brand_id: str, kind: str, content_type: str, filename: str, size_bytes: int
) -> tuple[Asset, UploadInstructions]:
    """Create outside an API request; the API commits with its idempotency record instead."""
    model, upload = prepare_upload(brand_id, kind, content_type, filename, size_bytes)
    try:
        model.save(condition=AssetModel.asset_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        raise Conflict("Asset id collision; retry.", code="asset.id_collision") from exc
    return _asset(model), upload


def _check_declared(
    kind: str, content_type: str, size_bytes: int, max_bytes: int | None = None
) -> str:
    if kind not in MAX_BYTES:
        raise ValidationFailed(
            "kind must be 'image', 'font' or 'model'.",
            code="asset.invalid_kind",
            details={"kind": kind},
        )
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype not in CONTENT_TYPES[kind]:
        raise ValidationFailed(
            f"content_type {content_type!r} is not accepted for a {kind}.",
            code="asset.unsupported_content_type",
            details={"content_type": content_type, "accepted": list(CONTENT_TYPES[kind])},
        )
    limit = min(MAX_BYTES[kind], max_bytes) if max_bytes else MAX_BYTES[kind]
    if size_bytes < 1 or size_bytes > limit:
        raise ValidationFailed(
            f"size_bytes must be between 1 and {limit} for a {kind}.",
            code="asset.too_large" if size_bytes > limit else "asset.empty",
            details={"max_bytes": limit, "size_bytes": size_bytes},
        )
    return ctype


def clean_filename(filename: str) -> str:
    """The last path segment, without control characters: it is a label, never a key."""
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255]


# --- complete -----------------------------------------------------------------------------------


def complete(brand_id: str, asset_id: str) -> Asset:
    """Verify the uploaded bytes and make the asset ``ready``, or ``failed`` with the reason.

    Replays are answered from the record: a ready asset is returned unchanged, a failed one
    raises its stored error again. Unexpected failures (S3 down, a bug) leave it ``pending``, so
    the client can simply call again.
    """
    model = _owned(brand_id, asset_id)
    if model.status != "pending":
        return _replay(model)
    try:
        data = _fetch_upload(model)
        verified = _verify(model, data) if data is not None else None
    except ValidationFailed as exc:
        if not _mark_failed(model, exc):
            return _replay(_owned(brand_id, asset_id))  # a concurrent complete settled it
        raise
    if verified is None:
        return _not_uploaded(brand_id, asset_id)
    facts, stored, key, ctype = verified
    aws.s3().put_object(Bucket=aws.assets_bucket(), Key=key, Body=stored, ContentType=ctype)
    done = _mark_ready(model, key, facts)
    _delete_quietly(model.upload_key)
    log.info("asset ready", extra={"asset_id": asset_id, "kind": model.kind})
    return done


def _replay(model: AssetModel) -> Asset:
    if model.status == "ready":
        return _asset(model)
    error = dict(model.error or {})
    raise ValidationFailed(
        str(error.get("message", "The upload was rejected.")),
        code=str(error.get("code", "asset.rejected")),
        details=error.get("details") or {},
    )


def _not_uploaded(brand_id: str, asset_id: str) -> Asset:
    # A concurrent complete may have finished (and deleted the raw upload) since we read.
    fresh = _owned(brand_id, asset_id)
    if fresh.status != "pending":
        return _replay(fresh)
    raise Conflict(
        "Nothing has been uploaded for this asset yet; POST the file with the upload fields first.",
        code="asset.not_uploaded",
    )


def _fetch_upload(model: AssetModel) -> bytes | None:
    """The raw upload, or None when there is none; refuses an oversized one before reading it."""
    s3, limit = aws.s3(), MAX_BYTES[model.kind]
    try:
        head = s3.head_object(Bucket=aws.assets_bucket(), Key=model.upload_key)
        size = int(head["ContentLength"])
        if size > limit:
            raise _too_large(size, limit)
        # IfMatch: the bytes we verify are the ones whose size we just checked.
        obj = s3.get_object(Bucket=aws.assets_bucket(), Key=model.upload_key, IfMatch=head["ETag"])
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _S3_MISSING:
            return None
        if code == "PreconditionFailed":
            raise Conflict(
                "The upload changed while it was being checked; call complete again.",
                code="asset.upload_changed",
            ) from exc
        raise
    data: bytes = obj["Body"].read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> ValidationFailed:
    return ValidationFailed(
        f"The uploaded file is {size} bytes; the limit is {limit}.",
        code="asset.too_large",
        details={"max_bytes": limit, "bytes": size},
    )


def _verify(model: AssetModel, data: bytes) -> tuple[dict[str, Any], bytes, str, str]:
    """(facts, bytes to store, stored key, content type); raises ValidationFailed subclasses."""
    base = f"{model.brand_id}/{_STORED_DIR[str(model.kind)]}/{model.asset_id}"
    if model.kind == "image":
        image_facts, png = imaging.verify_image_bytes(data, max_bytes=MAX_BYTES["image"])
        return image_facts.to_dict(), png, f"{base}.png", "image/png"
    if model.kind == "model":  # stored as uploaded: the render keeps its meshes byte for byte
        facts = gltf.verify_model_bytes(data, max_bytes=MAX_BYTES["model"]).to_dict()
        return facts, data, f"{base}.glb", "model/gltf-binary"
    try:
        font = fonts.verify_font_bytes(data, max_bytes=MAX_BYTES["font"])
    except fonts.FontInvalid as exc:
        # An upload that does not parse as a font is the asset's fault: the API answers it with
        # the asset-level code (issue 22), and the font-level code stays in the details.
        raise ValidationFailed(
            exc.message,
            code=INVALID_FONT,
            details={**(exc.details if isinstance(exc.details, dict) else {}), "font": exc.code},
        ) from exc
    facts = {
        **asdict(font),
        "missing_basic_latin": list(font.missing_basic_latin),
        "stored_bytes": len(data),
    }
    ext = "otf" if font.outline_format == "cff" else "ttf"
    return facts, data, f"{base}.{ext}", f"font/{ext}"


def _settle(model: AssetModel, status: AssetStatus, actions: list[Action]) -> bool:
    """pending → ``status``, once; False when a concurrent complete settled the asset first."""
    try:
        model.update(
            actions=[
                AssetModel.status.set(status),
                AssetModel.completed_at.set(utcnow()),
                *actions,
            ],
            condition=AssetModel.status == "pending",
        )
    except UpdateError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        return False
    return True


def _mark_failed(model: AssetModel, exc: AtelierError) -> bool:
    error = {"code": exc.code, "message": exc.message, "details": exc.details}
    settled = _settle(model, "failed", [AssetModel.error.set(error)])
    _delete_quietly(model.upload_key)
    return settled


def _mark_ready(model: AssetModel, key: str, facts: dict[str, Any]) -> Asset:
    if not _settle(model, "ready", [AssetModel.facts.set(facts), AssetModel.stored_key.set(key)]):
        return _replay(_owned(model.brand_id, model.asset_id))  # a concurrent complete won
    return _asset(model)


def _delete_quietly(key: str) -> None:
    """Best effort: a leftover raw upload wastes bytes but cannot be read by anything."""
    try:
        aws.s3().delete_object(Bucket=aws.assets_bucket(), Key=key)
    except ClientError:
        log.warning("could not delete raw upload", extra={"key": key})


# --- read ---------------------------------------------------------------------------------------


def _find(brand_id: str, asset_id: str) -> AssetModel | None:
    if not _ASSET_ID_RE.match(asset_id):
        return None  # never send junk (or a 2 KiB path segment) to DynamoDB as a key
    try:
        return AssetModel.get(brand_id, asset_id, consistent_read=True)
    except DoesNotExist:
        return None


def _owned(brand_id: str, asset_id: str) -> AssetModel:
    model = _find(brand_id, asset_id)
    if model is None:
        raise NotFound("No such asset.", code="asset.not_found")
    return model


def get_asset(brand_id: str, asset_id: str) -> Asset:
    return _asset(_owned(brand_id, asset_id))


def list_assets(brand_id: str, kind: AssetKind | None = None) -> list[Asset]:
    """The brand's assets, oldest first."""
    condition = AssetModel.kind == kind if kind is not None else None
    found = [_asset(m) for m in AssetModel.query(brand_id, filter_condition=condition)]
    return sorted(found, key=lambda a: (a.created_at, a.asset_id))


def brand_fonts(brand_id: str) -> list[Asset]:
    """Fonts this brand uploaded that passed verification: the ones specs may name."""
    return [a for a in list_assets(brand_id, "font") if a.status == "ready"]


def _ready_image(brand_id: str, asset_id: str) -> AssetModel:
    model = _find(brand_id, asset_id)
    if model is None or model.kind != "image" or model.status != "ready" or not model.stored_key:
        raise NotFound("No such image.", code="asset.not_found")
    return model


def get_ready_image(brand_id: str, asset_id: str) -> Asset:
    """The brand's verified image, or 404 (pending, failed, a font, another brand's: all alike)."""
    return _asset(_ready_image(brand_id, asset_id))


def ready_image_key(brand_id: str, asset_id: str) -> str:
    """Where a ready image of this brand is stored (its re-encoded PNG), to sign a download URL
    for; 404 like ``get_ready_image`` otherwise."""
    return str(_ready_image(brand_id, asset_id).stored_key)


def image_bytes(brand_id: str, asset_id: str) -> bytes:
    """The re-encoded PNG of a ready image of this brand (what renderers draw)."""
    model = _ready_image(brand_id, asset_id)
    return _read_stored(str(model.stored_key), str(model.facts["sha256"]))


def _ready_model(brand_id: str, asset_id: str) -> AssetModel:
    model = _find(brand_id, asset_id)
    if model is None or model.kind != "model" or model.status != "ready" or not model.stored_key:
        raise NotFound("No such model.", code="asset.not_found")
    return model


def get_ready_model(brand_id: str, asset_id: str) -> Asset:
    """The brand's verified 3D model, or 404 like any missing or foreign asset."""
    return _asset(_ready_model(brand_id, asset_id))


def model_bytes(brand_id: str, asset_id: str) -> bytes:
    """The verified .glb of a ready model of this brand (what the ``model`` render retextures)."""
    model = _ready_model(brand_id, asset_id)
    return _read_stored(str(model.stored_key), str(model.facts["sha256"]))


def load_font(brand_id: str, font_id: str) -> fonts.LoadedFont:
    """A bundled font, or a ready font of *this* brand; anything else is ``font.unknown``."""
    if not _ASSET_ID_RE.match(font_id):
        return fonts.get_font(font_id)
    model = _find(brand_id, font_id)
    if model is None or model.kind != "font" or model.status != "ready" or not model.stored_key:
        raise fonts.FontUnknown(f"unknown font {font_id!r}", details={"font_id": font_id})
    return _load_brand_font(brand_id, font_id, model.stored_key, str(model.facts["sha256"]))


@functools.lru_cache(maxsize=16)
def _load_brand_font(brand_id: str, asset_id: str, key: str, sha256: str) -> fonts.LoadedFont:
    """Parsed once per warm process; the hash in the key means a changed record reloads."""
    return fonts.LoadedFont.from_bytes(_read_stored(key, sha256), asset_id)


def _read_stored(key: str, sha256: str) -> bytes:
    """A verified object, checked against the hash recorded when it was verified."""
    try:
        data: bytes = aws.s3().get_object(Bucket=aws.assets_bucket(), Key=key)["Body"].read()
    except ClientError as exc:
        raise AssetUnavailable("A stored asset is missing.") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AssetUnavailable("A stored asset does not match its recorded hash.")
    return data
