"""Brands and their API keys in DynamoDB.

Keys are written with a conditional put on a fresh id, so a (vanishingly unlikely) id collision
fails loudly instead of overwriting another brand's key. Only a failed condition is a collision:
any other error (no credentials, no table, throttling) propagates and names itself.

A brand always keeps one active secret key (without one it could not manage its account). The
brand record counts its active secret keys; every secret key creation and revocation changes the
count in the same transaction, and a revocation is conditional on the count being above 1, so
two keys revoking each other at the same moment cannot both succeed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib import auth
from chalicelib.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from chalicelib.store.base import condition_failed, transaction, utcnow
from chalicelib.store.models import ApiKeyModel, BrandModel


@dataclass(frozen=True)
class Brand:
    brand_id: str
    name: str
    origins: tuple[str, ...]
    created_at: datetime
    profanity_allow: tuple[str, ...] = ()
    profanity_deny: tuple[str, ...] = ()
    rate_limits: dict[str, Any] | None = None
    quotas: dict[str, Any] | None = None


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    brand_id: str
    kind: auth.KeyKind
    label: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None

    @property
    def prefix(self) -> str:
        return auth.visible_prefix(self.kind, self.key_id)


def _brand(m: BrandModel) -> Brand:
    return Brand(
        m.brand_id,
        m.name,
        tuple(str(o) for o in m.origins or ()),
        m.created_at,
        tuple(str(w) for w in m.profanity_allow or ()),
        tuple(str(w) for w in m.profanity_deny or ()),
        dict(m.rate_limits) if m.rate_limits else None,
        dict(m.quotas) if m.quotas else None,
    )


def _key(m: ApiKeyModel) -> ApiKey:
    kind: auth.KeyKind = "secret" if m.kind == "secret" else "publishable"
    return ApiKey(m.key_id, m.brand_id, kind, m.label, m.created_at, m.revoked, m.revoked_at)


def clean_origins(origins: list[str]) -> tuple[str, ...]:
    bad = [o for o in origins if not auth.valid_origin(o)]
    if bad:
        raise ValidationFailed(
            "Origins must look like https://shop.example.com (scheme, host, optional port).",
            code="brand.invalid_origin",
            details={"origins": bad},
        )
    return tuple(sorted({auth.normalize_origin(o) for o in origins}))


def create_brand(name: str, origins: list[str]) -> Brand:
    name = name.strip()
    if not name:
        raise ValidationFailed("A brand needs a name.", code="brand.invalid_name")
    model = BrandModel(
        brand_id=f"br_{secrets.token_hex(8)}",
        name=name,
        origins=list(clean_origins(origins)),
        active_secret_keys=0,
    )
    try:
        model.save(condition=BrandModel.brand_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        raise Conflict("Brand id collision; retry.", code="brand.id_collision") from exc
    return _brand(model)


def get_brand(brand_id: str) -> Brand:
    try:
        return _brand(BrandModel.get(brand_id, consistent_read=True))
    except DoesNotExist as exc:
        raise NotFound("No such brand.", code="brand.not_found") from exc


def set_origins(brand_id: str, origins: list[str]) -> Brand:
    model = BrandModel.get(brand_id)
    model.update(actions=[BrandModel.origins.set(list(clean_origins(origins)))])
    KEYS.forget(brand_id=brand_id)  # other containers follow within auth.KEY_CACHE_S
    return _brand(model)


def set_profanity_words(brand_id: str, allow: list[str], deny: list[str]) -> Brand:
    """Brand words that override (allow) or extend (deny) the built-in profanity lists."""
    model = BrandModel.get(brand_id)
    clean = [sorted({w.strip().casefold() for w in words if w.strip()}) for words in (allow, deny)]
    model.update(
        actions=[BrandModel.profanity_allow.set(clean[0]), BrandModel.profanity_deny.set(clean[1])]
    )
    return _brand(model)


def set_rate_limit(
    brand_id: str, kind: auth.KeyKind, route_class: str, capacity: int, per_s: float
) -> Brand:
    """Override one bucket size for this brand's keys of one kind (ops CLI)."""
    if route_class not in ("read", "validate", "create", "render") or capacity < 1 or per_s <= 0:
        raise ValidationFailed(
            "Give a route class (read, validate, create, render), a capacity "
            "of at least 1 and a positive period.",
            code="brand.invalid_limit",
        )
    model = BrandModel.get(get_brand(brand_id).brand_id)
    limits = dict(model.rate_limits or {})
    limits[kind] = {**limits.get(kind, {}), route_class: [capacity, per_s]}
    model.update(actions=[BrandModel.rate_limits.set(limits)])
    KEYS.forget(brand_id=brand_id)  # other containers follow within auth.KEY_CACHE_S
    return _brand(model)


def set_quota(brand_id: str, kind: str, per_day: int) -> Brand:
    """Set a brand's daily render quota for one kind (ops CLI)."""
    if kind not in ("preview", "final") or per_day < 0:
        raise ValidationFailed(
            "Give kind preview or final and a quota of 0 or more per day.",
            code="brand.invalid_quota",
        )
    model = BrandModel.get(get_brand(brand_id).brand_id)
    model.update(actions=[BrandModel.quotas.set({**(model.quotas or {}), kind: per_day})])
    return _brand(model)


def create_key(brand_id: str, kind: auth.KeyKind, label: str = "") -> tuple[ApiKey, str]:
    """A new key for the brand; the plaintext is returned once and never stored.

    A secret key is written with the brand's count + 1 in one transaction.
    """
    get_brand(brand_id)
    new = auth.generate_key(kind)
    model = ApiKeyModel(
        key_id=new.key_id, brand_id=brand_id, kind=kind, secret_hash=new.secret_hash, label=label
    )
    collision = Conflict("Key id collision; retry.", code="key.id_collision")
    if kind != "secret":
        try:
            model.save(condition=ApiKeyModel.key_id.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise collision from exc
        return _key(model), new.plaintext
    secret_key_count(brand_id)  # a brand from before the count gets it first
    try:
        with transaction() as tx:
            tx.save(model, condition=ApiKeyModel.key_id.does_not_exist())
            tx.update(
                BrandModel(brand_id),
                actions=[BrandModel.active_secret_keys.add(1)],
                condition=BrandModel.active_secret_keys.exists(),
            )
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise collision from exc
        raise
    return _key(model), new.plaintext


def secret_key_count(brand_id: str) -> int:
    """The brand's active secret keys, counting and storing them first if the brand predates
    the count. The stored count is written only when absent, and key changes require it to
    exist, so the first count is taken while no key of the brand can change.
    """
    try:
        model = BrandModel.get(brand_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("No such brand.", code="brand.not_found") from exc
    if model.active_secret_keys is not None:
        return int(model.active_secret_keys)
    count = sum(1 for k in list_keys(brand_id) if k.kind == "secret" and not k.revoked)
    try:
        model.update(
            actions=[BrandModel.active_secret_keys.set(count)],
            condition=BrandModel.brand_id.exists() & BrandModel.active_secret_keys.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return secret_key_count(brand_id)  # another call stored it first: read theirs
    return count


def backfill_secret_key_counts(page_size: int = 100) -> dict[str, int]:
    """The migration for brands written before the count (idempotent: counted ones are kept)."""
    report = {"brands": 0, "backfilled": 0}
    for model in BrandModel.scan(consistent_read=True, page_size=page_size):
        report["brands"] += 1
        if model.active_secret_keys is None:
            secret_key_count(model.brand_id)
            report["backfilled"] += 1
    return report


def _owned_key(brand_id: str, key_id: str) -> ApiKeyModel:
    """The brand's own key; another brand's key answers exactly like a missing one."""
    try:
        model = ApiKeyModel.get(key_id, consistent_read=True)
    except DoesNotExist:
        model = None
    if model is None or model.brand_id != brand_id:
        raise NotFound("No such API key.", code="key.not_found")
    return model


def get_key(brand_id: str, key_id: str) -> ApiKey:
    return _key(_owned_key(brand_id, key_id))


def revoke_key(brand_id: str, key_id: str) -> ApiKey:
    """Revoke; 409 ``key.last_secret_key`` when it is the brand's last secret key.

    This container stops accepting the key at once, others within ``auth.KEY_CACHE_S`` seconds.
    Revoking a revoked key answers it as it is (a retry, or two revokes of the same key).
    """
    try:
        return _revoke(brand_id, key_id)
    finally:  # after the write: a request verifying the key meanwhile cannot re-cache it as valid
        KEYS.forget(key_id=key_id)


def _revoke(brand_id: str, key_id: str) -> ApiKey:
    model = _owned_key(brand_id, key_id)
    if model.revoked:
        return _key(model)
    if model.kind == "secret":
        secret_key_count(brand_id)
    now = utcnow()
    actions: list[Action] = [ApiKeyModel.revoked.set(True), ApiKeyModel.revoked_at.set(now)]
    condition = (ApiKeyModel.brand_id == brand_id) & (ApiKeyModel.revoked == False)  # noqa: E712
    try:
        if model.kind != "secret":
            model.update(actions=actions, condition=condition)
            return _key(model)
        with transaction() as tx:
            tx.update(model, actions=actions, condition=condition)
            tx.update(
                BrandModel(brand_id),
                actions=[BrandModel.active_secret_keys.add(-1)],
                condition=BrandModel.active_secret_keys > 1,
            )
    except (UpdateError, TransactWriteError) as exc:
        return _revoke_refused(brand_id, key_id, exc)
    return replace(_key(model), revoked=True, revoked_at=now)


def _revoke_refused(brand_id: str, key_id: str, exc: UpdateError | TransactWriteError) -> ApiKey:
    """Why a revocation's condition failed: the key was revoked meanwhile (answer it), or it is
    the last active secret key (409)."""
    if isinstance(exc, UpdateError):
        if not condition_failed(exc):
            raise exc
        return get_key(brand_id, key_id)
    reasons = exc.cancellation_reasons or []
    if len(reasons) != 2 or not any(reasons):
        raise exc
    if reasons[0] is not None:
        return get_key(brand_id, key_id)
    raise Conflict(
        "This is the brand's last active secret key; create another one first.",
        code="key.last_secret_key",
    ) from exc


def list_keys(brand_id: str) -> list[ApiKey]:
    return [_key(m) for m in ApiKeyModel.by_brand.query(brand_id)]


# Verdicts a warm container reuses for up to auth.KEY_CACHE_S seconds (see chalicelib/auth.py).
KEYS = auth.KeyCache()


def authenticate(authorization: str | None) -> auth.Principal:
    """Resolve a bearer key to its brand, or refuse with 401 (missing, unknown or revoked).

    A verdict this container reached less than ``auth.KEY_CACHE_S`` seconds ago is reused without
    reading DynamoDB."""
    kind, key_id, plaintext = auth.parse_bearer(authorization)
    known = KEYS.get(plaintext)
    if isinstance(known, auth.Refusal):
        raise Unauthorized(known.message, code=known.code)
    if known is not None:
        return known
    try:
        principal = _verify(kind, key_id, plaintext)
    except Unauthorized as refused:
        KEYS.put(plaintext, auth.Refusal(refused.code, str(refused.message)), key_id)
        raise
    KEYS.put(plaintext, principal, key_id, principal.brand_id)
    return principal


def _verify(kind: auth.KeyKind, key_id: str, plaintext: str) -> auth.Principal:
    try:
        record: ApiKeyModel | None = ApiKeyModel.get(key_id, consistent_read=True)
    except DoesNotExist:
        record = None
    stored = record.secret_hash if record is not None and record.kind == kind else None
    if record is None or not auth.check_secret(plaintext, stored):
        raise Unauthorized("The API key is not valid.", code="auth.invalid_key")
    if record.revoked:
        raise Unauthorized("This API key has been revoked.", code="auth.revoked_key")
    brand = get_brand(record.brand_id)
    return auth.Principal(brand.brand_id, key_id, kind, brand.origins, brand.rate_limits)
