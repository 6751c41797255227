"""The widget's message catalogs: every locale has every key of English with the same
placeholders (a translation that drops ``{max}`` would show a sentence without its number), the
right direction, and the API's error codes the widget shows are real codes of the server."""

from __future__ import annotations

import re
import subprocess

from chalicelib.domain.labels import label_issues, product_label_keys
from chalicelib.widget import catalogs, message_keys, script
from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")
REQUIRED = {"en", "fr", "de", "es", "ar", "he"}


def test_every_catalog_has_every_key_with_the_same_placeholders() -> None:
    found = catalogs()
    assert set(found) >= REQUIRED
    english = found["en"]["messages"]
    for locale, catalog in found.items():
        messages = catalog["messages"]
        assert set(messages) == set(english), locale
        for key, text in messages.items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), (
                locale,
                key,
            )
            assert text.strip() == text and text, (locale, key)
        if locale != "en":  # translated, not copied
            same = [k for k in english if messages[k] == english[k]]
            assert len(same) < len(english) // 10, (locale, same)


def test_right_to_left_locales_say_so() -> None:
    dirs = {locale: c["dir"] for locale, c in catalogs().items()}
    assert dirs["ar"] == dirs["he"] == "rtl"
    assert {dirs[x] for x in ("en", "fr", "de", "es")} == {"ltr"}


def test_error_messages_name_codes_the_server_really_uses() -> None:
    """``error.<code>`` keys: each code appears in chalicelib's Python or, for the widget's own
    (a network failure), in widget.js: a key with a typo would never be shown."""
    source = (ROOT / "chalicelib/widget/widget.js").read_text() + "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "chalicelib").rglob("*.py")
        if "apidocs" not in p.parts
    )
    codes = [k.removeprefix("error.") for k in message_keys() if k.startswith("error.")]
    missing = [c for c in codes if f'"{c}"' not in source]
    assert not missing


def test_the_served_script_parses_and_holds_the_catalogs() -> None:
    body = script().body
    assert "/*ATELIER_CATALOGS*/" not in body and '"Ajouter au panier"' in body
    node = subprocess.run(["node", "--check", "-"], input=body, text=True, capture_output=True)
    if node.returncode == 127:
        return
    assert node.returncode == 0, node.stderr


def test_labels_accept_catalog_keys_and_zone_names_only() -> None:
    from chalicelib.domain.options import Option

    chain = Option.model_validate(
        {"id": "chain", "name": "Chain", "values": [{"id": "gold", "name": "Gold"}]}
    )
    named = product_label_keys(["name"], [chain], ["front", "back"])
    assert named == {"zone:name", "option:chain", "option:chain:gold", "side:front", "side:back"}
    labels = {"fr": {"cart.add": "Je le veux", "zone:name": "Prénom", "zone:nope": "x"}}
    labels["fr"] |= {"option:chain": "Chaîne", "option:chain:gold": "Or", "option:chain:x": "?"}
    issues = label_issues(labels, message_keys(), named)
    assert [i["params"]["key"] for i in issues] == ["zone:nope", "option:chain:x"]
    assert issues[0]["code"] == "product.unknown_label"
