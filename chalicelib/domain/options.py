"""Product options (select, swatch, toggle), the conditions that show or hide things, and prices.

A product is sold as merchandise: the shopper picks a chain colour (an option), turns on a paid
back engraving (a toggle), and the zones, sides and other options that only make sense with a
given choice declare ``visible_when``. The server, not the client, decides what is visible and
what the design costs, so these are pure functions of the product document and the choices:

- :func:`resolve_choices` turns what the shopper sent into the full map the spec stores (defaults
  filled, hidden options left out), so an explicit default and an omitted one hash the same;
- :func:`visible` is the one reading of a condition (zones, options and sides all call it);
- :func:`price_of` is the list price: base + chosen option add-ons + add-ons of zones with content.

An option's condition may only name options declared before it, so choices resolve in one pass
and no cycle can exist; zones and sides may name any option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from chalicelib.domain.base import HexColor, Name, Slug, StrictModel, issue

if TYPE_CHECKING:
    from chalicelib.domain.zone import ProductDoc

MAX_OPTIONS = 20
MAX_VALUES = 50
MAX_RULES = 20
MAX_VARIANTS = 500
MAX_PRICE_MINOR = 10**9
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]  # ISO 4217
PriceMinor = Annotated[int, Field(ge=0, le=MAX_PRICE_MINOR)]
AssetId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Shopify variant ids: numeric, or the Admin API's gid://shopify/ProductVariant/123.
ShopVariantId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_:/.-]{1,128}$")]
Choices = Mapping[str, str]


def _absent(value: object) -> bool:
    """Rules and conditions store only the test they use: no ``"in": null`` beside ``equals``."""
    return value is None


class Rule(StrictModel):
    """``{"option": id, "equals": value}`` or ``{"option": id, "in": [values]}``: true when that
    option is visible and its chosen value is the one (or one of those) named."""

    model_config = ConfigDict(strict=True, extra="forbid", serialize_by_alias=True)

    option: Slug
    equals: Slug | None = Field(default=None, exclude_if=_absent)
    in_: list[Slug] | None = Field(
        default=None, alias="in", min_length=1, max_length=MAX_VALUES, exclude_if=_absent
    )

    @model_validator(mode="after")
    def _one_test(self) -> Rule:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("a rule has exactly one of equals or in")
        return self

    @property
    def values(self) -> list[str]:
        return [self.equals] if self.equals is not None else list(self.in_ or [])


class Condition(StrictModel):
    """``{"all": [rules]}`` (every rule holds) or ``{"any": [rules]}`` (at least one)."""

    all: list[Rule] | None = Field(
        default=None, min_length=1, max_length=MAX_RULES, exclude_if=_absent
    )
    any: list[Rule] | None = Field(
        default=None, min_length=1, max_length=MAX_RULES, exclude_if=_absent
    )

    @model_validator(mode="after")
    def _one_mode(self) -> Condition:
        if (self.all is None) == (self.any is None):
            raise ValueError("a condition has exactly one of all or any")
        return self

    @property
    def rules(self) -> list[Rule]:
        return list(self.all or self.any or [])


class OptionValue(StrictModel):
    id: Slug
    name: Name
    swatch_color: HexColor | None = None
    swatch_asset_id: AssetId | None = None  # a verified image shown as the swatch
    price_minor: PriceMinor = 0  # added to the base price when chosen
    mockup_asset_id: AssetId | None = None  # the product photo with this value (gold chain…)
    shop_variant_id: ShopVariantId | None = None


class Option(StrictModel):
    """A choice the shopper makes. A toggle has two values: ``values[0]`` off, ``values[1]`` on.
    ``default`` is a value id (the first value when absent)."""

    id: Slug
    name: Name
    kind: Literal["select", "swatch", "toggle"] = "select"
    values: list[OptionValue] = Field(min_length=1, max_length=MAX_VALUES)
    default: Slug | None = None
    visible_when: Condition | None = None

    @property
    def default_value(self) -> str:
        return self.default or self.values[0].id

    def value(self, value_id: str) -> OptionValue | None:
        return next((v for v in self.values if v.id == value_id), None)


class Variant(StrictModel):
    """The shop's variant for one combination of choices (first match wins)."""

    when: dict[Slug, Slug] = Field(min_length=1, max_length=MAX_OPTIONS)
    shop_variant_id: ShopVariantId


def visible(condition: Condition | None, choices: Choices) -> bool:
    """Whether something with this ``visible_when`` shows for these resolved choices. A hidden
    option is absent from ``choices``, so a rule naming it is false."""
    if condition is None:
        return True
    results = (choices.get(rule.option) in rule.values for rule in condition.rules)
    return all(results) if condition.all is not None else any(results)


def resolve_choices(
    options: list[Option], given: Choices
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The full choice map (visible options only, defaults filled) and every error in ``given``:
    an unknown option, an unknown value (both naming the option), or a choice for an option its
    condition hides."""
    errors: list[dict[str, Any]] = []
    known = {o.id for o in options}
    for option_id in given:
        if option_id not in known:
            errors.append(
                _error(option_id, "option.unknown", "This product has no option with this id.")
            )
    chosen: dict[str, str] = {}
    for option in options:
        pick = given.get(option.id)
        if not visible(option.visible_when, chosen):
            if pick is not None:
                errors.append(
                    _error(option.id, "option.hidden", "This option is hidden by other choices.")
                )
            continue
        if pick is not None and option.value(pick) is None:
            errors.append(
                _error(
                    option.id,
                    "option.value_unknown",
                    f"The option {option.name!r} has no value {pick!r}.",
                    value=pick,
                    allowed=[v.id for v in option.values],
                )
            )
            pick = None
        chosen[option.id] = pick or option.default_value
    return chosen, errors


def _error(option_id: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"option_id": option_id, "code": code, "message": message, "params": params}


# --- prices -----------------------------------------------------------------------------------


class PriceLine(BaseModel):
    kind: Literal["option", "zone"]
    id: str
    name: str
    value_id: str | None = None  # options: the chosen value
    value_name: str | None = None
    amount_minor: int


class Price(BaseModel):
    """The list price of one design, computed by the server from the product and the spec."""

    currency: str | None
    includes_tax: bool
    base_minor: int
    lines: list[PriceLine]
    total_minor: int


def price_of(doc: ProductDoc, choices: Choices, filled_zones: Iterable[str]) -> Price | None:
    """The list price of a design, or None for an unpriced product (no ``base_price_minor``).

    Lines: each visible option whose chosen value costs something, then each zone with content
    (present in the spec) that costs something, in product order. Amounts in minor units.
    """
    if doc.base_price_minor is None:
        return None
    lines: list[PriceLine] = []
    for option in doc.options:
        value = option.value(choices.get(option.id, ""))
        if value is not None and value.price_minor:
            lines.append(
                PriceLine(
                    kind="option",
                    id=option.id,
                    name=option.name,
                    value_id=value.id,
                    value_name=value.name,
                    amount_minor=value.price_minor,
                )
            )
    filled = set(filled_zones)
    for zone in doc.zones:
        if zone.id in filled and zone.price_minor:
            lines.append(
                PriceLine(kind="zone", id=zone.id, name=zone.name, amount_minor=zone.price_minor)
            )
    return Price(
        currency=doc.currency,
        includes_tax=doc.prices_include_tax,
        base_minor=doc.base_price_minor,
        lines=lines,
        total_minor=doc.base_price_minor + sum(line.amount_minor for line in lines),
    )


def spec_price(doc: ProductDoc, spec: Mapping[str, Any]) -> Price | None:
    """:func:`price_of` for a stored spec document (its options, its zones)."""
    return price_of(doc, dict(spec.get("options") or {}), dict(spec.get("zones") or {}))


def shop_variant(doc: ProductDoc, choices: Choices) -> str | None:
    """The shop's variant for these choices: the first product-level combination that matches,
    else the first chosen value that names one, else none."""
    for variant in doc.variants:
        if all(choices.get(k) == v for k, v in variant.when.items()):
            return variant.shop_variant_id
    for option in doc.options:
        value = option.value(choices.get(option.id, ""))
        if value is not None and value.shop_variant_id:
            return value.shop_variant_id
    return None


def chosen_mockup(doc: ProductDoc, choices: Choices) -> str | None:
    """The mockup photo the choices ask for (a gold chain's photo), or None for the product's
    own: the first chosen value, in option order, that names a ``mockup_asset_id``."""
    for option in doc.options:
        value = option.value(choices.get(option.id, ""))
        if value is not None and value.mockup_asset_id:
            return value.mockup_asset_id
    return None


def choice_summary(doc: ProductDoc, choices: Choices) -> list[dict[str, str]]:
    """Chosen options by name, in product order, for carts and job sheets ("Chain: Gold")."""
    summary = []
    for option in doc.options:
        value = option.value(choices.get(option.id, ""))
        if value is not None:
            summary.append(
                {
                    "option_id": option.id,
                    "option": option.name,
                    "value_id": value.id,
                    "value": value.name,
                }
            )
    return summary


# --- product rules ------------------------------------------------------------------------------


def option_issues(doc: ProductDoc) -> list[dict[str, Any]]:
    """Every rule the options, conditions, variants and prices of a product break."""
    issues: list[dict[str, Any]] = []
    zone_ids = {z.id for z in doc.zones}
    seen: set[str] = set()
    for i, option in enumerate(doc.options):
        at = f"options[{i}]"
        if option.id in seen or option.id in zone_ids:
            issues.append(
                issue(
                    f"{at}.id",
                    "option.duplicate_id",
                    "Option ids must be unique and differ from every zone id.",
                    option_id=option.id,
                )
            )
        issues += _values_issues(at, option)
        issues += condition_issues(f"{at}.visible_when", option.visible_when, doc.options[:i])
        seen.add(option.id)
    for i, zone in enumerate(doc.zones):
        issues += condition_issues(f"zones[{i}].visible_when", zone.visible_when, doc.options)
    for i, variant in enumerate(doc.variants):
        rules = [{"option": k, "equals": v} for k, v in variant.when.items()]
        issues += condition_issues(
            f"variants[{i}].when", Condition.model_validate({"all": rules}), doc.options
        )
    return issues + price_issues(doc)


def _values_issues(at: str, option: Option) -> list[dict[str, Any]]:
    issues = []
    ids = [v.id for v in option.values]
    for dup in sorted({v for v in ids if ids.count(v) > 1}):
        issues.append(
            issue(f"{at}.values", "option.duplicate_value", "Value ids must be unique.", value=dup)
        )
    if option.default is not None and option.default not in ids:
        issues.append(
            issue(
                f"{at}.default",
                "option.default_unknown",
                "default must be one of the option's value ids.",
                option_id=option.id,
                value=option.default,
            )
        )
    if option.kind == "toggle" and len(ids) != 2:
        issues.append(
            issue(
                f"{at}.values",
                "option.toggle_needs_two_values",
                "A toggle has exactly two values: off, then on.",
                option_id=option.id,
            )
        )
    for j, value in enumerate(option.values):
        if option.kind == "swatch" and not (value.swatch_color or value.swatch_asset_id):
            issues.append(
                issue(
                    f"{at}.values[{j}]",
                    "option.swatch_missing",
                    "A swatch value needs swatch_color or swatch_asset_id.",
                    option_id=option.id,
                    value=value.id,
                )
            )
    return issues


def condition_issues(
    at: str, condition: Condition | None, options: list[Option]
) -> list[dict[str, Any]]:
    """A condition may only name ``options`` (for an option: those declared before it) and their
    values. Sides call this with the product's options."""
    if condition is None:
        return []
    by_id = {o.id: o for o in options}
    issues = []
    for rule in condition.rules:
        option = by_id.get(rule.option)
        if option is None:
            issues.append(
                issue(
                    at,
                    "condition.unknown_option",
                    "A condition names an option that does not exist (or, for an option, "
                    "is not declared before it).",
                    option=rule.option,
                )
            )
            continue
        unknown = [v for v in rule.values if option.value(v) is None]
        if unknown:
            issues.append(
                issue(
                    at,
                    "condition.unknown_value",
                    f"The option {option.id} has no such value.",
                    option=option.id,
                    values=unknown,
                )
            )
    return issues


def price_issues(doc: ProductDoc) -> list[dict[str, Any]]:
    """Add-ons need a base price, and any price needs a currency."""
    add_ons = any(v.price_minor for o in doc.options for v in o.values) or any(
        z.price_minor for z in doc.zones
    )
    issues = []
    if add_ons and doc.base_price_minor is None:
        issues.append(
            issue(
                "base_price_minor",
                "product.base_price_required",
                "Options or zones have prices: give the product a base_price_minor (0 is fine).",
            )
        )
    if (add_ons or doc.base_price_minor is not None) and doc.currency is None:
        issues.append(
            issue("currency", "product.currency_required", "A priced product needs a currency.")
        )
    return issues


def option_asset_ids(doc: ProductDoc) -> list[tuple[str, str]]:
    """``(field, asset_id)`` of every image the options name (swatches and mockups): the API
    checks they exist, retention keeps them."""
    found = []
    for i, option in enumerate(doc.options):
        for j, value in enumerate(option.values):
            for name in ("swatch_asset_id", "mockup_asset_id"):
                asset_id = getattr(value, name)
                if asset_id:
                    found.append((f"options[{i}].values[{j}].{name}", asset_id))
    return found


def swatch_asset_ids(options: list[Option]) -> dict[str, dict[str, str]]:
    """option id → value id → the image asset shown as that value's swatch: the only brand
    images a publishable key may fetch through the widget's swatch route."""
    found: dict[str, dict[str, str]] = {}
    for option in options:
        for value in option.values:
            if value.swatch_asset_id:
                found.setdefault(option.id, {})[value.id] = value.swatch_asset_id
    return found
