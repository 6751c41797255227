"""Key format, hashing and access rules (pure functions, no AWS)."""

from __future__ import annotations

import math

import pytest

from chalicelib import auth
from chalicelib.errors import Forbidden, Unauthorized


def test_generated_keys_carry_kind_prefix_and_enough_entropy() -> None:
    for kind, prefix in (("publishable", "pk_"), ("secret", "sk_")):
        new = auth.generate_key(kind)  # type: ignore[arg-type]
        assert new.plaintext.startswith(prefix + new.key_id + "_")
        secret = new.plaintext.rsplit("_", 1)[1]
        assert len(secret) * math.log2(32) >= 128
        assert new.secret_hash == auth.hash_key(new.plaintext)
        assert new.plaintext not in new.secret_hash


def test_generated_keys_are_unique() -> None:
    keys = {auth.generate_key("secret").plaintext for _ in range(200)}
    assert len(keys) == 200


def test_parse_bearer_accepts_only_well_formed_keys() -> None:
    key = auth.generate_key("secret")
    assert auth.parse_bearer(f"Bearer {key.plaintext}") == ("secret", key.key_id, key.plaintext)
    assert auth.parse_bearer(f"bearer  {key.plaintext} ")[1] == key.key_id
    for header in (
        None,
        "",
        "Bearer",
        f"Basic {key.plaintext}",
        "Bearer sk_short_x",
        f"Bearer {key.plaintext.upper()}",
        f"Bearer {key.plaintext}\x00",
    ):
        with pytest.raises(Unauthorized):
            auth.parse_bearer(header)


def test_missing_key_has_its_own_code() -> None:
    with pytest.raises(Unauthorized) as err:
        auth.parse_bearer(None)
    assert err.value.code == "auth.missing_key"


def test_check_secret_needs_the_exact_key() -> None:
    key = auth.generate_key("publishable")
    assert auth.check_secret(key.plaintext, key.secret_hash)
    assert not auth.check_secret(key.plaintext[:-1] + "a", key.secret_hash)
    assert not auth.check_secret(key.plaintext, None)


def _principal(kind: auth.KeyKind) -> auth.Principal:
    return auth.Principal("br_1", "k1", kind, ("https://shop.example",))


def test_publishable_key_is_refused_on_secret_routes() -> None:
    with pytest.raises(Forbidden) as err:
        auth.require_access(_principal("publishable"), "secret", None)
    assert err.value.code == "auth.secret_key_required"
    auth.require_access(_principal("secret"), "secret", None)


def test_publishable_key_is_bound_to_the_brand_origins() -> None:
    p = _principal("publishable")
    auth.require_access(p, "publishable", "https://SHOP.example/")
    auth.require_access(p, "publishable", None)  # server-side call: no browser origin
    with pytest.raises(Forbidden) as err:
        auth.require_access(p, "publishable", "https://shop.example.evil.com")
    assert err.value.code == "auth.origin_not_allowed"


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("https://shop.example", True),
        ("http://127.0.0.1:8000", True),
        ("https://shop.example/path", False),
        ("javascript:alert(1)", False),
        ("shop.example", False),
        ("https://", False),
    ],
)
def test_valid_origin(origin: str, ok: bool) -> None:
    assert auth.valid_origin(origin) is ok
