"""``/docs`` on the local stack, over real HTTP and in Debian's headless Chromium: Redoc renders
the API's own OpenAPI document, lists every operation, and loads nothing from another origin."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.e2e.test_widget_browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("Chromium is missing: `make test` installs chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1200,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        for entry in driver.get_log("browser"):  # shown by pytest when the test fails
            print("browser console:", entry.get("level"), entry.get("message"))
        driver.quit()


def _operation_ids(stack: Stack) -> set[str]:
    document = stack.get("/v1/openapi.json").json()
    return {
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def test_docs_page_and_its_script_come_from_the_api(stack: Stack) -> None:
    page = stack.get("/docs")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    src = page.text.split('<script src="', 1)[1].split('"', 1)[0]
    script = requests.get(f"{stack.api_url}/{src}", timeout=30)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert len(script.content) > 500_000  # Redoc's whole standalone bundle, not a stub


def test_redoc_lists_every_operation_and_loads_nothing_foreign(stack: Stack, chromium: Any) -> None:
    expected = {f"operation/{op}" for op in _operation_ids(stack)}
    assert len(expected) > 40
    chromium.get(stack.api_url + "/docs")
    shown: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not expected <= shown:
        shown = set(
            chromium.execute_script(
                "return Array.from(document.querySelectorAll('[data-section-id^=\"operation/\"]'))"
                ".map(e => e.getAttribute('data-section-id'))"
            )
        )
        time.sleep(0.5)
    assert expected - shown == set()
    assert "Atelier API" in chromium.find_element("tag name", "h1").text
    # Redoc's sidebar asks for its vendor's logo on a CDN: the page's CSP must block it (Redoc
    # then hides the image), and nothing else may come from anywhere but the API.
    requested = chromium.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    foreign = {url for url in requested if not url.startswith(stack.api_url + "/")}
    assert f"{stack.api_url}/docs/redoc.standalone.js?v=" in " ".join(requested)
    console = [str(entry.get("message")) for entry in chromium.get_log("browser")]
    blocked = {
        url
        for url in foreign
        for message in console
        if url in message and "violates the following Content Security Policy" in message
    }
    assert foreign == blocked


def test_redoc_shows_recorded_examples_and_error_codes(stack: Stack, chromium: Any) -> None:
    """What the document adds per operation is on the page: the recorded request and answer
    (``openapi_examples.json``) and the error codes in the responses (``x-error-codes``)."""
    chromium.get(stack.api_url + "/docs#operation/create_product")
    text = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "KEY-OAK" not in text:
        text = chromium.execute_script(
            "const s = document.querySelector('[data-section-id=\"operation/create_product\"]');"
            "return s ? s.innerText : ''"
        )
        time.sleep(0.5)
    assert '"sku": "KEY-OAK"' in text  # the recorded request sample (a real call's body)
    assert "idempotency.key_missing" in text  # a 400 code of this route
    assert "product.not_found" not in text  # and no code of another route
