"""The shopper's proof: "I checked the spelling" recorded on the draft snapshot going to the cart.

Misspelled names are the market's most common dispute; when a brand asks for a proof
(``require_proof`` on the product), the widget shows the exact preview image and records the
shopper's confirmation here before "Add to cart" completes. The confirmation names the preview by
the SHA-256 of its bytes, which the browser computes on the very bytes it displayed; the server
checks that digest against a stored preview render *of this design* (same spec hash), so a
confirmation can never point at a picture of something else. The job sheet prints it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.store import renders, snapshots
from chalicelib.store.base import utcnow


def _preview_digests(snapshot: snapshots.Snapshot, render_id: str | None) -> set[str]:
    """SHA-256 of every preview file known for the snapshot's design: the named render (when
    it is a succeeded preview of the same spec) and the previews recorded on the snapshot."""
    found: set[str] = set()
    if render_id is not None:
        model = renders.find(snapshot.brand_id, render_id)
        if model is not None:
            render = renders.as_render(model)
            same_design = render.spec_hash == snapshot.spec_hash
            if same_design and render.kind == "preview" and render.status == "succeeded":
                found |= {str(o.get("sha256", "")) for o in render.outputs}
    for name, entry in snapshot.assets.items():
        if name == "preview" or name.startswith("preview"):
            found |= {str(f.get("sha256", "")) for f in (entry or {}).get("files", [])}
    found.discard("")
    return found


def confirm_proof(
    brand_id: str,
    snapshot_id: str,
    preview_sha256: str,
    render_id: str | None = None,
    locale: str | None = None,
) -> snapshots.Snapshot:
    """Record the confirmation (idempotent for the same preview); 404 for another brand's or a
    missing snapshot, 409 ``snapshot.locked`` once locked, 422 when the digest is not a preview
    of this design."""
    snapshot = snapshots.get_snapshot(brand_id, snapshot_id)
    if snapshot.locked:  # checked again by the conditional write
        raise Conflict(
            "This snapshot is locked; its proof can no longer change.", code="snapshot.locked"
        )
    digests = _preview_digests(snapshot, render_id)
    if not digests:
        raise ValidationFailed(
            "This design has no preview yet; render one and show it before the proof.",
            code="proof.no_preview",
            details={"snapshot_id": snapshot_id, "render_id": render_id},
        )
    if preview_sha256 not in digests:
        raise ValidationFailed(
            "The confirmed image is not a preview of this design.",
            code="proof.preview_mismatch",
            details={"snapshot_id": snapshot_id, "render_id": render_id},
        )
    proof: dict[str, Any] = {
        "confirmed_at": utcnow().isoformat().replace("+00:00", "Z"),
        "preview_sha256": preview_sha256,
        "render_id": render_id,
        "locale": locale,
    }
    return snapshots.record_proof(brand_id, snapshot_id, proof)
