"""A brand's own wording for the widget, per product and locale (``labels`` on the product).

``{"fr": {"cart.add": "Je le veux", "zone:name": "Prénom gravé"}}``: a key is either a message
of the widget's catalogs (the caller passes the known keys, so this module stays pure) or
``zone:<zone id>`` for a zone's name. The widget looks a label up in the shopper's exact locale,
then its language (``fr`` for ``fr-CA``), then falls back to the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field, StringConstraints

MAX_LOCALES = 20
MAX_LABELS_PER_LOCALE = 200
ZONE_PREFIX = "zone:"

Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")]
LabelKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,79}$")]
LabelText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Labels = Annotated[
    dict[Locale, Annotated[dict[LabelKey, LabelText], Field(max_length=MAX_LABELS_PER_LOCALE)]],
    Field(max_length=MAX_LOCALES),
]


def label_issues(
    labels: dict[str, dict[str, str]], known_keys: Iterable[str], zone_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """Every label whose key names neither a catalog message nor a zone of the product."""
    known = set(known_keys)
    zones = set(zone_ids)
    issues = []
    for locale, entries in labels.items():
        for key in entries:
            if key.startswith(ZONE_PREFIX):
                ok = key.removeprefix(ZONE_PREFIX) in zones
            else:
                ok = key in known
            if not ok:
                issues.append(
                    {
                        "field": f"labels.{locale}.{key}",
                        "code": "product.unknown_label",
                        "message": "A label overrides a widget message key or zone:<zone id>.",
                        "params": {"locale": locale, "key": key},
                    }
                )
    return issues
