"""Manufacturing profiles: the built-ins (in code, read-only) and each brand's own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.profile import BUILTIN, ProfileDoc
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.base import utcnow
from chalicelib.store.models import ProfileModel

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # aware, like every other timestamp we answer


@dataclass(frozen=True)
class Profile:
    profile_id: str
    doc: ProfileDoc
    builtin: bool
    version: int
    created_at: datetime
    updated_at: datetime


def _profile(m: ProfileModel) -> Profile:
    return Profile(
        m.profile_id,
        ProfileDoc.from_stored(dict(m.document)),
        False,
        int(m.version),
        m.created_at,
        m.updated_at,
    )


def _builtin(profile_id: str) -> Profile:
    return Profile(profile_id, BUILTIN[profile_id], True, 1, _EPOCH, _EPOCH)


def new_profile(brand_id: str, doc: ProfileDoc) -> ProfileModel:
    now = utcnow()
    return ProfileModel(
        brand_id=brand_id,
        profile_id=f"prf_{secrets.token_hex(8)}",
        document=doc.model_dump(mode="json"),
        version=1,
        created_at=now,
        updated_at=now,
    )


def put_new(tx: TransactWrite, model: ProfileModel) -> None:
    tx.save(model, condition=ProfileModel.profile_id.does_not_exist())


def as_profile(model: ProfileModel) -> Profile:
    return _profile(model)


def get_profile(brand_id: str, profile_id: str) -> Profile:
    """A built-in, or this brand's profile; another brand's id answers like a missing one."""
    if profile_id in BUILTIN:
        return _builtin(profile_id)
    try:
        return _profile(ProfileModel.get(brand_id, profile_id, consistent_read=True))
    except DoesNotExist as exc:
        raise NotFound("No such manufacturing profile.", code="profile.not_found") from exc


def list_profiles(brand_id: str) -> list[Profile]:
    own = [_profile(m) for m in ProfileModel.query(brand_id)]
    return [_builtin(pid) for pid in sorted(BUILTIN)] + own


def replace_profile(brand_id: str, profile_id: str, doc: ProfileDoc) -> Profile:
    if profile_id in BUILTIN:
        raise Conflict(
            "Built-in profiles are read-only; create your own from it.", code="profile.builtin"
        )
    current = get_profile(brand_id, profile_id)
    model = ProfileModel.get(brand_id, profile_id, consistent_read=True)
    try:
        model.update(
            actions=[
                ProfileModel.document.set(doc.model_dump(mode="json")),
                ProfileModel.version.set(current.version + 1),
                ProfileModel.updated_at.set(utcnow()),
            ],
            condition=ProfileModel.version == current.version,
        )
    except (UpdateError, TransactWriteError) as exc:
        raise Conflict(
            "The profile changed meanwhile; read it again and retry.",
            code="profile.version_conflict",
        ) from exc
    return _profile(model)
