"""Photo framing in the widget, in Chromium on the local stack (issue 21).

A shopper uploads a photo (left half black, right half white) into a 2:1 zone: the preview shows
both halves. They zoom in with the keyboard and drag the photo to the right with the mouse
(pointer events): the frame shows the black half only, the preview follows (the zone turns
black), and "Add to cart" records that framing, and the black-and-white the brand allows, in the
snapshot's spec.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.e2e.test_widget_browser import _wait, _wait_preview_of, browser

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the Chromium fixture, shared with the widget's other browser tests

FRAME = "[data-zone=photo] .atelier-frame"
PRODUCT = {
    "name": "Photo plaque",
    "sku": "DEMO-PLAQUE",
    "status": "active",
    "width_mm": 50,
    "height_mm": 30,
    "zones": [
        {
            "id": "photo",
            "name": "Photo",
            "kind": "image",
            "x_mm": 5,
            "y_mm": 5,
            "width_mm": 40,
            "height_mm": 20,
            "min_dpi": 0,
            "formats": ["png"],
            "adjustments": ["greyscale"],
        }
    ],
}


def _halves(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 199, 199), fill=(0, 0, 0))
    image.save(path, format="PNG")
    return path


def _zone_darkness(url: str) -> tuple[float, float]:
    """Share of dark pixels in the zone's left and right halves of the preview."""
    from PIL import Image

    picture = Image.open(io.BytesIO(requests.get(url, timeout=10).content)).convert("L")
    px_per_mm = picture.size[0] / 50

    def dark(box_mm: tuple[float, float, float, float]) -> float:
        part = picture.crop(tuple(round(v * px_per_mm) for v in box_mm))
        return sum(part.histogram()[:64]) / (part.size[0] * part.size[1])

    return dark((6, 6, 24, 24)), dark((26, 6, 44, 24))


def test_shopper_drags_to_reframe_the_preview_follows_and_the_cart_records_it(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    secret = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=PRODUCT,
        headers={**secret, "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]
    browser.get(f"{stack.api_url}/demo/{product_id}?key={stack.demo['publishable_key']}")
    browser.execute_script(
        "window.__cart = []; document.addEventListener('atelier:add-to-cart',"
        " function (e) { window.__cart.push(e.detail); });"
    )
    upload = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=photo] input"))
    upload.send_keys(str(_halves(tmp_path / "halves.png")))

    # Unframed: the 2:1 photo covers the 2:1 zone, black left and white right.
    first = _wait_preview_of(browser, None)
    left, right = _zone_darkness(first)
    assert left > 0.95 and right < 0.05
    frame = _wait(browser, lambda d: d.find_element("css selector", FRAME))
    assert "frame the photo" in str(frame.get_attribute("aria-label"))

    # Zoom in twice over by keyboard, then drag the photo right with the mouse.
    frame.click()
    for _ in range(8):
        frame.send_keys("+")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", frame)
    width = frame.size["width"]
    step = int(width * 0.4)
    ActionChains(browser).move_to_element_with_offset(frame, -width // 2 + 4, 0).click_and_hold()\
        .move_by_offset(step, 0).move_by_offset(step, 0).release().perform()  # fmt: skip

    # The preview follows: once settled, the zone is black all over (the frame shows the black
    # half only). Previews of the zoom alone (half and half) may show on the way.
    def black_all_over(d: Any) -> bool:
        src = d.find_element("css selector", ".atelier-image").get_attribute("src")
        if d.find_element("css selector", ".atelier-status").text != "Preview updated.":
            return False
        return src != first and min(_zone_darkness(src)) > 0.95

    _wait(browser, black_all_over, timeout=60)

    # The brand allows black and white here: the shopper ticks it.
    grey = browser.find_element("css selector", "[data-zone=photo] [data-adjust=greyscale]")
    assert grey.get_attribute("aria-label") == "Photo: Black and white"
    assert not browser.find_elements("css selector", "[data-adjust=contrast]")  # not offered
    grey.click()
    browser.find_element("css selector", ".atelier-add").click()
    _wait(browser, lambda d: d.execute_script("return window.__cart.length") == 1)
    detail = browser.execute_script("return window.__cart[0]")
    snap = requests.get(
        f"{stack.api_url}/v1/snapshots/{detail['snapshot_id']}", headers=secret, timeout=10
    )
    assert snap.status_code == 200, snap.text
    recorded = snap.json()["spec"]["zones"]["photo"]
    assert recorded["adjust"] == {"greyscale": True, "brightness": 0.0, "contrast": 1.0}
    framing = recorded["framing"]
    assert framing["quarter_turns"] == 0 and framing["angle_deg"] == 0
    crop = framing["crop"]
    assert crop["x"] == 0 and crop["width"] == pytest.approx(1 / 1.1**8, rel=1e-3)
    assert crop["width"] + crop["x"] <= 0.5  # inside the black half
    assert crop["y"] == pytest.approx((1 - crop["height"]) / 2, abs=1e-5)
