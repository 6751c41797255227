"""OpenType features of a text zone: what the brand fixes and the few choices a shopper may make.

A brand fixes discretionary features per zone (``{"ss01": true, "liga": false}``) and may offer a
short allow-list of named choices ("Swash capitals" → ``{"swsh": true}``). The shopper picks
choices by id; the resolved switches (zone's, then each chosen option's, later ones winning) go
to HarfBuzz and into the spec, so they are part of its hash. Features a script needs to be
spelled at all (Arabic joining forms, Indic reordering, mark positioning...) are never switches:
a product that tries is refused (``zone.feature_not_switchable``), as HarfBuzz would otherwise
let ``init: false`` write an Arabic name in unjoined letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

FeatureTag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{3}$")]
ChoiceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
MAX_CHOICES = 10

# Required by HarfBuzz's shapers for some script (joining, reordering, positioning, variation).
REQUIRED_FEATURES = frozenset(
    {
        "abvf", "abvm", "abvs", "akhn", "blwf", "blwm", "blws", "ccmp", "cjct", "curs", "dist",
        "fin2", "fin3", "fina", "half", "haln", "init", "isol", "ljmo", "locl", "mark", "med2",
        "medi", "mkmk", "nukt", "pref", "pres", "pstf", "psts", "rclt", "rkrf", "rlig", "rphf",
        "rvrn", "stch", "tjmo", "vatu", "vjmo",
    }
)  # fmt: skip


class FeatureChoice(BaseModel):
    """A named option the shopper may pick, e.g. ``swash`` "Swash capitals" → ``swsh: true``."""

    model_config = ConfigDict(strict=True, extra="forbid")

    id: ChoiceId
    name: str = Field(min_length=1, max_length=60)
    features: dict[FeatureTag, bool] = Field(min_length=1, max_length=8)


def feature_issues(
    at: str, zone_id: str, fixed: Mapping[str, bool], choices: Sequence[FeatureChoice]
) -> list[dict[str, Any]]:
    """Product rules: no script-required feature anywhere, choice ids unique."""
    issues: list[dict[str, Any]] = []
    required = sorted(
        {tag for tag in fixed if tag in REQUIRED_FEATURES}
        | {tag for c in choices for tag in c.features if tag in REQUIRED_FEATURES}
    )
    if required:
        issues.append(
            {
                "field": f"{at}.features",
                "code": "zone.feature_not_switchable",
                "message": "These features are required by a script and cannot be switched.",
                "params": {"zone_id": zone_id, "features": required},
            }
        )
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        issues.append(
            {
                "field": f"{at}.feature_choices",
                "code": "zone.duplicate_feature_choice",
                "message": "Feature choice ids must be unique.",
                "params": {"zone_id": zone_id},
            }
        )
    return issues


def unknown_choices(choices: Sequence[FeatureChoice], chosen: Iterable[str]) -> list[str]:
    """The chosen ids this zone does not offer, each once, in order."""
    offered = {c.id for c in choices}
    return list(dict.fromkeys(c for c in chosen if c not in offered))


def resolve_features(
    fixed: Mapping[str, bool], choices: Sequence[FeatureChoice], chosen: Iterable[str]
) -> tuple[tuple[str, bool], ...]:
    """The switches HarfBuzz gets: the zone's, then each chosen option's (in the zone's order,
    so the shopper's click order cannot change the hash), sorted by tag."""
    picked = set(chosen)
    switches = dict(fixed)
    for choice in choices:
        if choice.id in picked:
            switches.update(choice.features)
    return tuple(sorted(switches.items()))
