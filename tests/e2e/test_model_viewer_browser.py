"""The widget's 3D view in headless Chromium on the local stack (issue 24).

A product with a 3D model (the test's plaque .glb, uploaded and verified through the API) shows
<model-viewer> once the 2D preview is there, and the viewer fires ``load`` for the model
render's GLB (WebGL through SwiftShader, Chromium's software GL). The "View in your room" link
names the API's redirect route, which answers with a freshly signed USDZ. A product without a
model keeps the 2D preview alone. ``ATELIER_MODEL_SCREENSHOT_PATH`` keeps a screenshot (docs).
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.e2e.test_widget_browser import (
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    _replace_text,
    _wait,
    _wait_preview_of,
)
from tests.support.models3d import plaque_glb

pytestmark = pytest.mark.e2e

SCREENSHOT_ENV = "ATELIER_MODEL_SCREENSHOT_PATH"
# WebGL without a GPU: SwiftShader (Chromium refuses it unless told it may).
WEBGL_FLAGS = ("--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist")
ZONE = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "process": "engrave",
    "x_mm": 8,
    "y_mm": 10,
    "width_mm": 104,
    "height_mm": 20,
    "max_chars": 20,
    "min_size_mm": 3,
    "max_size_mm": 16,
    "fonts": ["lato-regular"],
    "colors": ["#000000"],
}


def call(stack: Stack, method: str, path: str, key: str, payload: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    return requests.request(method, stack.api_url + path, json=payload, headers=headers, timeout=30)


def _product(stack: Stack, **extra: Any) -> str:
    doc = {
        "name": "Desk plaque",
        "sku": "PLQ-3D",
        "status": "active",
        "width_mm": 120,
        "height_mm": 40,
        "zones": [ZONE],
        **extra,
    }
    r = call(stack, "POST", "/v1/products", stack.demo["secret_key"], doc)
    assert r.status_code == 201, r.text
    return str(r.json()["product_id"])


@pytest.fixture(scope="module")
def plaque(stack: Stack) -> str:
    """An active product whose model is the test's plaque, uploaded as a brand would."""
    data = plaque_glb()
    key = stack.demo["secret_key"]
    created = call(
        stack,
        "POST",
        "/v1/assets",
        key,
        {
            "kind": "model",
            "content_type": "model/gltf-binary",
            "filename": "plaque.glb",
            "size_bytes": len(data),
        },
    )
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("plaque.glb", data)}, timeout=30
    )
    assert sent.status_code in (200, 204), sent.text
    asset_id = created.json()["asset"]["asset_id"]
    done = call(stack, "POST", f"/v1/assets/{asset_id}/complete", key)
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    return _product(stack, material="wood_light", model={"asset_id": asset_id, "material": "Face"})


@pytest.fixture
def webgl_browser(tmp_path: Path) -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("Chromium is missing: `make test` installs chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, *WEBGL_FLAGS):
        if flag != "--disable-gpu":  # WebGL needs the (software) GPU process
            options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=900,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        print("widget events:", driver.execute_script("return window.__events || null"))
        page = driver.find_element("tag name", "body").get_attribute("innerHTML")
        print("page html:", page[:2500])
        for entry in driver.get_log("browser"):
            print("browser console:", entry.get("level"), entry.get("message"))
        driver.quit()


def _demo(stack: Stack, product_id: str) -> str:
    return f"{stack.api_url}/demo/{product_id}?key={stack.demo['publishable_key']}"


def test_a_product_with_a_model_shows_the_3d_view_with_its_glb_loaded(
    stack: Stack, plaque: str, webgl_browser: Any
) -> None:
    browser = webgl_browser
    browser.get(_demo(stack, plaque))
    browser.execute_script(
        "window.__events = [];"
        " ['atelier:3d-ready', 'atelier:3d-unavailable'].forEach(function (n) {"
        " document.addEventListener(n, function (e) { window.__events.push([n, e.detail]); }); });"
    )
    name = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=name] input"))
    _replace_text(name, "Ada Lovelace")
    _wait_preview_of(browser, None)
    viewer = _wait(
        browser,
        lambda d: d.find_element("css selector", "model-viewer[data-loaded=true]"),
        timeout=120,
    )
    # The viewer's own account: the model is loaded, and its texture is the baked design.
    assert browser.execute_script("return arguments[0].loaded", viewer) is True
    src = viewer.get_attribute("src")
    glb = requests.get(src, timeout=30).content
    assert glb[:4] == b"glTF"
    materials = browser.execute_script(
        "return arguments[0].model.materials.map(function (m) { return [m.name,"
        " !!m.pbrMetallicRoughness.baseColorTexture.texture]; })",
        viewer,
    )
    assert ["Face", True] in materials and ["Body", False] in materials
    link = browser.find_element("css selector", ".atelier-3d .atelier-ar")
    usdz_url = link.get_attribute("data-usdz")
    assert "/ar/model.usdz?key=pk_" in usdz_url
    redirected = requests.get(usdz_url, timeout=30, allow_redirects=False)
    assert redirected.status_code == 302
    usdz = requests.get(redirected.headers["Location"], timeout=30).content
    assert zipfile.ZipFile(io.BytesIO(usdz)).namelist()[0] == "model.usda"
    shot = os.environ.get(SCREENSHOT_ENV)
    if shot:
        browser.execute_script("arguments[0].scrollIntoView()", viewer)
        Path(shot).write_bytes(browser.get_screenshot_as_png())


def test_a_product_without_a_model_keeps_the_2d_preview_alone(
    stack: Stack, webgl_browser: Any
) -> None:
    browser = webgl_browser
    flat = _product(stack)
    config = stack.get(
        f"/v1/widget/config/{flat}", stack.demo["publishable_key"], Origin=stack.api_url
    )
    assert config.json()["model_viewer"] is None
    browser.get(_demo(stack, flat))
    name = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=name] input"))
    _replace_text(name, "Ada Lovelace")
    _wait_preview_of(browser, None)
    assert browser.find_element("css selector", ".atelier-image").is_displayed()
    assert browser.find_elements("css selector", "model-viewer, .atelier-3d") == []
    assert browser.execute_script("return !!window.customElements.get('model-viewer')") is False
