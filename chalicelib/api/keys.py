"""The brand's own account: its profile, allowed origins and API keys (secret key only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field, StringConstraints

from chalicelib.api.http import Ctx, RequestModel, route
from chalicelib.store import brands

bp = Blueprint(__name__)


class BrandOut(BaseModel):
    brand_id: str
    name: str
    origins: list[str]
    created_at: datetime
    profanity_allow: list[str]
    profanity_deny: list[str]

    @classmethod
    def of(cls, b: brands.Brand) -> BrandOut:
        return cls(
            brand_id=b.brand_id,
            name=b.name,
            origins=list(b.origins),
            created_at=b.created_at,
            profanity_allow=list(b.profanity_allow),
            profanity_deny=list(b.profanity_deny),
        )


class OriginsIn(RequestModel):
    origins: list[str] = Field(max_length=50)


Word = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ProfanityWordsIn(RequestModel):
    allow: list[Word] = Field(default_factory=list, max_length=500)
    deny: list[Word] = Field(default_factory=list, max_length=500)


class KeyOut(BaseModel):
    key_id: str
    prefix: str
    kind: Literal["publishable", "secret"]
    label: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None

    @classmethod
    def of(cls, k: brands.ApiKey) -> KeyOut:
        return cls(
            key_id=k.key_id,
            prefix=k.prefix,
            kind=k.kind,
            label=k.label,
            created_at=k.created_at,
            revoked=k.revoked,
            revoked_at=k.revoked_at,
        )


class KeyList(BaseModel):
    data: list[KeyOut]
    next_cursor: str | None = None


class KeyCreateIn(RequestModel):
    kind: Literal["publishable", "secret"]
    label: str = Field(default="", max_length=100)


class KeyCreated(BaseModel):
    key: KeyOut
    plaintext: str = Field(description="The full key. Shown once; only its hash is stored.")


@route(
    bp,
    "/v1/brand",
    "GET",
    access="publishable",
    summary="The calling key's brand",
    response=BrandOut,
)
def get_brand(ctx: Ctx) -> BrandOut:
    return BrandOut.of(brands.get_brand(ctx.brand_id))


@route(
    bp,
    "/v1/brand/origins",
    "PUT",
    access="secret",
    body=OriginsIn,
    response=BrandOut,
    summary="Replace the origins allowed to use publishable keys",
)
def put_origins(ctx: Ctx, body: OriginsIn) -> BrandOut:
    return BrandOut.of(brands.set_origins(ctx.brand_id, body.origins))


@route(
    bp,
    "/v1/brand/profanity",
    "PUT",
    access="secret",
    body=ProfanityWordsIn,
    response=BrandOut,
    summary="Replace the brand's allowed and denied words for profanity checks",
)
def put_profanity_words(ctx: Ctx, body: ProfanityWordsIn) -> BrandOut:
    return BrandOut.of(brands.set_profanity_words(ctx.brand_id, body.allow, body.deny))


@route(
    bp, "/v1/keys", "GET", access="secret", summary="List the brand's API keys", response=KeyList
)
def list_keys(ctx: Ctx) -> KeyList:
    return KeyList(data=[KeyOut.of(k) for k in brands.list_keys(ctx.brand_id)])


@route(
    bp,
    "/v1/keys",
    "POST",
    access="secret",
    status=201,
    body=KeyCreateIn,
    response=KeyCreated,
    summary="Create an API key (the plaintext is shown once)",
)
def create_key(ctx: Ctx, body: KeyCreateIn) -> KeyCreated:
    key, plaintext = brands.create_key(ctx.brand_id, body.kind, body.label)
    return KeyCreated(key=KeyOut.of(key), plaintext=plaintext)


@route(bp, "/v1/keys/{key_id}", "GET", access="secret", summary="One API key", response=KeyOut)
def get_key(ctx: Ctx, key_id: str) -> KeyOut:
    return KeyOut.of(brands.get_key(ctx.brand_id, key_id))


@route(
    bp,
    "/v1/keys/{key_id}/revoke",
    "POST",
    access="secret",
    response=KeyOut,
    summary="Revoke an API key at once",
)
def revoke_key(ctx: Ctx, key_id: str) -> KeyOut:
    # The store refuses the brand's last active secret key (409 key.last_secret_key) atomically.
    return KeyOut.of(brands.revoke_key(ctx.brand_id, key_id))
