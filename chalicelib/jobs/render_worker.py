"""The heavy half of a render job: scene, rasterizer, encoders, S3. Imported only by workers.

Outputs are looked up by content address first; only a miss builds the scene and rasterizes.
Each object carries its facts (sha256, pixel size) as S3 metadata so a reuse needs no decoding.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from chalicelib import aws
from chalicelib.domain.render_options import (
    ALL_SIDES,
    FinalOptions,
    ModelOptions,
    PreviewOptions,
)
from chalicelib.errors import NotFound
from chalicelib.flows.design import Design, load_design
from chalicelib.flows.renders import (
    engraving_of,
    existing_outputs,
    expected_files,
    output_prefix,
)
from chalicelib.fonts import LoadedFont
from chalicelib.jobs.failures import is_retryable
from chalicelib.resources import PREVIEW_EXPIRY
from chalicelib.store import assets, profiles, renders
from chalicelib.store.models import RenderModel

TIME_LIMIT_S = {"preview": 20.0, "final": 100.0, "model": 100.0}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/png": "png",
    "application/pdf": "pdf",
}


class BrandSceneResources:
    """Fonts and images of one brand, checked against the hashes the spec recorded."""

    def __init__(self, brand_id: str) -> None:
        self.brand_id = brand_id

    def font(self, font_id: str, sha256: str) -> LoadedFont:
        from chalicelib.scene.model import RenderError

        try:
            font = assets.load_font(self.brand_id, font_id)
        except Exception as exc:
            if is_retryable(exc):  # a throttled read: the job retries, the font is not missing
                raise
            raise RenderError(
                f"font {font_id} is not available", code="render.font_missing"
            ) from exc
        if font.sha256 != sha256:
            raise RenderError(
                f"font {font_id} changed since the design was made", code="render.font_missing"
            )
        return font

    def model(self, asset_id: str) -> tuple[bytes, dict[str, Any]]:
        """The product's verified .glb and its facts (``render.no_model`` once it is gone)."""
        from chalicelib.scene.model import RenderError

        try:
            facts = assets.get_ready_model(self.brand_id, asset_id).facts
            return assets.model_bytes(self.brand_id, asset_id), facts
        except Exception as exc:
            if is_retryable(exc):
                raise
            raise RenderError(f"model {asset_id} is not available", code="render.no_model") from exc

    def base_image(self, asset_id: str) -> bytes:
        return assets.image_bytes(self.brand_id, asset_id)

    def image(self, asset_id: str, sha256: str) -> bytes:
        from chalicelib.scene.model import RenderError

        try:
            data = assets.image_bytes(self.brand_id, asset_id)
        except Exception as exc:
            if is_retryable(exc):
                raise
            raise RenderError(
                f"image {asset_id} is not available", code="render.image_missing"
            ) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RenderError(
                f"image {asset_id} changed since the design was made", code="render.image_corrupt"
            )
        return data


def produce(model: RenderModel) -> tuple[list[dict[str, Any]], bool]:
    """The outputs of this render, and whether they were reused rather than rendered."""
    prefix = output_prefix(model.brand_id, model.cache_key)
    expected = expected_files(model.kind, dict(model.options))
    reused = existing_outputs(model.brand_id, model.cache_key, model.kind, dict(model.options))
    if reused is not None:
        return reused, True
    outputs = _render(model)
    renders.set_progress(model, 80)
    return [
        _upload(prefix, role, name, out, preview=model.kind in ("preview", "model"))
        for (role, name), out in zip(expected, outputs, strict=True)
    ], False


def _render(model: RenderModel) -> list[Any]:
    from chalicelib.scene.build import build_scene
    from chalicelib.scene.raster import default_rasterizer
    from chalicelib.scene.render import render_final, render_preview

    deadline = time.monotonic() + TIME_LIMIT_S[model.kind]
    design = load_design(model.brand_id, model.spec_hash)
    resources = BrandSceneResources(model.brand_id)
    side = dict(model.options).get("side")
    if model.kind == "preview" and side == ALL_SIDES:
        return [_contact_sheet(design, resources, model, deadline)]
    scene = build_scene(
        design.spec, design.product, resources, mockup=model.kind == "preview", side=side
    )
    scene = _as_burnt(model, design.product, scene)
    renders.set_progress(model, 30)
    rasterizer = default_rasterizer()
    if model.kind == "model":
        return _render_model(design, scene, resources, model, rasterizer, deadline)
    if model.kind == "preview":
        options = PreviewOptions.model_validate(dict(model.options))
        return [render_preview(scene, options, rasterizer, deadline=deadline)]
    final = FinalOptions.model_validate(dict(model.options))
    return list(render_final(scene, final, rasterizer, deadline=deadline))


def _as_burnt(model: RenderModel, product: Any, scene: Any) -> Any:
    """Engraved photos as the laser burns them, when the profile the render was asked with
    engraves photos (issue 21): the pack's very 1-bit raster, which a preview then draws as
    marks on the product's material (scene/material_look.py), a final as it is.

    The settings are the ones recorded on the job (:func:`flows.renders.profile_in_use`), which
    its cache key names; a record from before they were recorded reads the product's default
    profile, as it was asked."""
    from chalicelib.scene.model import ImageItem

    if not any(isinstance(i, ImageItem) and i.process == "engrave" for i in scene.items):
        return scene
    if model.profile is not None:
        settings = engraving_of(dict(model.profile))
    else:
        try:
            settings = profiles.get_profile(
                model.brand_id, product.manufacturing_profile_id or "laser-default"
            ).doc.photo_engraving
        except NotFound:  # the product names a profile since deleted: the pack would refuse it
            return scene
    if settings is None:
        return scene
    from chalicelib.scene.photo import engrave_photos

    return engrave_photos(scene, settings, product.material)[0]


def _contact_sheet(
    design: Design, resources: BrandSceneResources, model: RenderModel, deadline: float
) -> Any:
    """Every side the design's choices show, each as its own preview, labelled, on one image."""
    from chalicelib.scene.build import side_scenes
    from chalicelib.scene.contact_sheet import contact_sheet
    from chalicelib.scene.raster import default_rasterizer

    scenes = [
        _as_burnt(model, design.product, scene)
        for scene in side_scenes(design.spec, design.product, resources, mockup=True)
    ]
    names = {side.id: side.name for side in design.product.all_sides}
    renders.set_progress(model, 30)
    options = PreviewOptions.model_validate(dict(model.options))
    return contact_sheet(
        scenes, [names[s.side_id] for s in scenes], options, default_rasterizer(), deadline=deadline
    )


def _render_model(
    design: Design,
    scene: Any,
    resources: BrandSceneResources,
    model: RenderModel,
    rasterizer: Any,
    deadline: float,
) -> list[Any]:
    from chalicelib.scene.build import build_scene
    from chalicelib.scene.model import RenderError
    from chalicelib.scene.model3d import render_model

    product = design.product
    if product.model is None:
        raise RenderError("The product has no 3D model.", code="render.no_model")
    glb, facts = resources.model(product.model.asset_id)
    options = ModelOptions.model_validate(dict(model.options))
    first = product.all_sides[0].id
    scenes = {first: scene}  # the final's scene of every side the model shows
    for side, _, _ in product.model.placements(first):
        if side not in scenes and product.side(side) is not None:
            other = build_scene(design.spec, product, resources, mockup=False, side=side)
            scenes[side] = _as_burnt(model, product, other)
    return render_model(
        scenes, product, product.model, facts, glb, options, rasterizer, deadline=deadline
    )


def _upload(prefix: str, role: str, name: str, out: Any, *, preview: bool) -> dict[str, Any]:
    key = f"{prefix}/{name}"
    # Previews and 3D models are a cache: the tag puts them under the bucket's expiry rule.
    tagging = {"Tagging": PREVIEW_EXPIRY.tagging} if preview else {}
    aws.s3().put_object(
        Bucket=aws.assets_bucket(),
        Key=key,
        Body=out.data,
        ContentType=out.content_type,
        **tagging,
        Metadata={
            "sha256": out.sha256,
            "width-px": str(out.width_px or 0),
            "height-px": str(out.height_px or 0),
        },
    )
    return {
        "role": role,
        "key": key,
        "content_type": out.content_type,
        "bytes": len(out.data),
        "sha256": out.sha256,
        "width_px": out.width_px or 0,
        "height_px": out.height_px or 0,
    }
