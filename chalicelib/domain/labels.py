"""A brand's own wording for the widget, per product and locale (``labels`` on the product).

``{"fr": {"cart.add": "Je le veux", "zone:name": "Prénom gravé"}}``: a key is either a message
of the widget's catalogs (the caller passes the known keys, so this module stays pure) or names
something of the product: ``zone:<zone id>``, ``side:<side id>``, ``option:<option id>``,
``option:<option id>:<value id>`` (see :func:`product_label_keys`). The widget looks a label up
in the shopper's exact locale, then its language (``fr`` for ``fr-CA``), then the catalog.
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


def product_label_keys(
    zone_ids: Iterable[str], options: Iterable[Any], side_ids: Iterable[str] = ()
) -> set[str]:
    """The label keys naming a product's own things: its zones, sides, options and option
    values (``options`` are :class:`chalicelib.domain.options.Option`)."""
    keys = {f"{ZONE_PREFIX}{z}" for z in zone_ids} | {f"side:{s}" for s in side_ids}
    for option in options:
        keys.add(f"option:{option.id}")
        keys |= {f"option:{option.id}:{v.id}" for v in option.values}
    return keys


def label_issues(
    labels: dict[str, dict[str, str]], known_keys: Iterable[str], product_keys: Iterable[str]
) -> list[dict[str, Any]]:
    """Every label whose key is neither a catalog message nor one of ``product_keys``."""
    known = set(known_keys) | set(product_keys)
    issues = []
    for locale, entries in labels.items():
        for key in entries:
            if key not in known:
                issues.append(
                    {
                        "field": f"labels.{locale}.{key}",
                        "code": "product.unknown_label",
                        "message": "A label overrides a widget message, zone:<id> or option:<id>.",
                        "params": {"locale": locale, "key": key},
                    }
                )
    return issues
