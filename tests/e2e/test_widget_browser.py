"""The widget in a real browser (Debian's headless Chromium via Selenium) on the local stack.

A shopper types on the demo shop page: the preview image appears with ink where the name goes;
a forbidden character or too many characters shows the error next to the field and creates no
snapshot; "Add to cart" fires ``atelier:add-to-cart`` and the snapshot exists through the API with
the same spec hash. The test runs at a phone's width and leaves a screenshot of the page.
Two more: a photo upload with its effective-DPI check, and retries that reuse the Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Stack
from tests.support.demo_ink import bare_pendant_preview, load, marks_in_name_zone

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
SCREENSHOT_ENV = "ATELIER_SCREENSHOT_PATH"  # e.g. docs/widget-demo.png to refresh the README's
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("Chromium is missing: `make test` installs chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # with the driver path: Selenium Manager never runs
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1000,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    # A phone's viewport (a headless window cannot be narrower than 500 px).
    width, height = PHONE
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield driver
    finally:
        for entry in driver.get_log("browser"):  # shown by pytest when the test fails
            print("browser console:", entry.get("level"), entry.get("message"))
        print("page text:", driver.find_element("tag name", "body").text)
        driver.quit()


def _snapshot_count(stack: Stack) -> int:
    """Draft snapshots of the demo brand, read straight from the stack's DynamoDB."""
    import boto3

    from chalicelib.settings import Settings

    env = stack.aws_environment()
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_url,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    answer = client.query(
        TableName=Settings(stage="dev").physical_name("table", "snapshots"),
        KeyConditionExpression="brand_id = :b",
        ExpressionAttributeValues={":b": {"S": stack.demo["brand_id"]}},
        Select="COUNT",
        ConsistentRead=True,
    )
    return int(answer["Count"])


def _wait(driver: Any, condition: Any, timeout: float = 20) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def _replace_text(field: Any, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(text)


def _status(driver: Any) -> str:
    return str(driver.find_element("css selector", ".atelier-status").text)


def _wait_preview_of(driver: Any, previous_src: str | None) -> str:
    _wait(
        driver,
        lambda d: (
            _status(d) == "Preview updated."
            and d.find_element("css selector", ".atelier-image").get_attribute("src")
            != previous_src
        ),
    )
    return str(driver.find_element("css selector", ".atelier-image").get_attribute("src"))


def _ink_in_name_zone(stack: Stack, url: str) -> tuple[int, float]:
    """Engraving marks in the picture (pixels that differ clearly from the bare brushed-metal
    pendant, lighter as an etch on metal is), and the share of them inside the name zone."""
    return marks_in_name_zone(load(url), bare_pendant_preview(stack))


def _preview_key(spec_hash: str) -> str:
    """Where the preview of this design is stored (content-addressed, in the image's URL)."""
    from chalicelib.domain.render_options import RENDERER_VERSION, PreviewOptions
    from chalicelib.flows.renders import cache_key

    options = PreviewOptions().model_dump(mode="json")
    return cache_key(spec_hash, "preview", options, RENDERER_VERSION)


def _field_error(driver: Any, zone: str = "name") -> str:
    return str(driver.find_element("css selector", f"[data-zone={zone}] .atelier-error").text)


def test_shopper_personalizes_previews_and_adds_to_cart(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    started = time.monotonic()
    browser.get(stack.demo["demo_url"])
    browser.execute_script(
        "window.__cart = []; document.addEventListener('atelier:add-to-cart',"
        " function (e) { window.__cart.push(e.detail); });"
    )
    name = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=name] textarea"))
    label = browser.find_element("css selector", f"label[for='{name.get_attribute('id')}']")
    assert label.text == "Name (required)"
    status = browser.find_element("css selector", ".atelier-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.get_attribute("role") == "status"

    # 1. A name: the counter follows, a preview appears with the text's ink where the name goes.
    name.send_keys("Ada Lovelace")
    counter = browser.find_element("css selector", "[data-zone=name] .atelier-counter")
    assert counter.text == "12 / 14 characters · 1 / 2 lines"
    src = _wait_preview_of(browser, None)
    marks, share_inside = _ink_in_name_zone(stack, src)
    assert marks > 500 and share_inside > 0.95, (marks, share_inside)
    assert browser.find_element("css selector", ".atelier-image").get_attribute("alt")

    # 2. A character outside the zone's charset: the error sits next to the field, no snapshot.
    before = _snapshot_count(stack)
    _replace_text(name, "Ada Ж")
    _wait(browser, lambda d: "Some characters cannot be used here: Ж" in _field_error(d))
    assert name.get_attribute("aria-invalid") == "true"
    assert "Fix the highlighted fields" in _status(browser)

    # 3. Too many characters (grapheme count 16 > 14): counter and field both say so.
    _replace_text(name, "Ada Lovelace Byr")
    _wait(browser, lambda d: "At most 14 characters." in _field_error(d))
    assert "atelier-over" in (counter.get_attribute("class") or "")
    error_id = browser.find_element(
        "css selector", "[data-zone=name] .atelier-error"
    ).get_attribute("id")
    assert error_id in (name.get_attribute("aria-describedby") or "").split()

    # Add to cart while invalid: refused with the reason, no event, still no snapshot.
    browser.find_element("css selector", ".atelier-add").click()
    _wait(
        browser,
        lambda d: (
            "fix the highlighted"
            in d.find_element("css selector", ".atelier-form > .atelier-error").text.lower()
        ),
    )
    time.sleep(0.5)  # let a wrongly-started cycle show itself
    assert browser.execute_script("return window.__cart.length") == 0
    assert _snapshot_count(stack) == before

    # 4. A valid name, changed while its preview is on its way: only the last one is shown.
    _replace_text(name, "Bob")
    _wait(browser, lambda d: _field_error(d) == "" and _status(d) == "Updating preview…")
    _replace_text(name, "Léa")
    _wait_preview_of(browser, src)  # a newer preview; on a fast machine Bob's may land first
    from selenium.webdriver.common.keys import Keys

    browser.find_element("css selector", ".atelier-add").send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.execute_script("return window.__cart.length") == 1)
    detail = browser.execute_script("return window.__cart[0]")
    assert detail["properties"]["_atelier_snapshot_id"] == detail["snapshot_id"]
    assert detail["properties"]["_atelier_spec_hash"] == detail["spec_hash"]
    assert detail["properties"]["Personalization"].startswith("Name: Léa (")

    sk = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    snap = requests.get(
        f"{stack.api_url}/v1/snapshots/{detail['snapshot_id']}", headers=sk, timeout=10
    )
    assert snap.status_code == 200, snap.text
    assert snap.json()["spec_hash"] == detail["spec_hash"]
    assert snap.json()["spec"]["zones"]["name"]["text"] == "Léa"
    # The chain is a product option now (default Silver), recorded in the spec, not a zone.
    assert snap.json()["spec"]["options"] == {"back_engraving": "no", "chain": "silver"}
    # Léa's preview ends up shown (Bob's may have been shown before Léa was typed), and stays:
    # a stale "Bob" answer arriving late would replace it now.
    key = _preview_key(detail["spec_hash"])
    image = browser.find_element("css selector", ".atelier-image")
    _wait(browser, lambda d: key in (image.get_attribute("src") or ""))
    src = str(image.get_attribute("src"))
    marks_lea, share_lea = _ink_in_name_zone(stack, src)
    assert marks_lea > 300 and share_lea > 0.95, (marks_lea, share_lea)
    time.sleep(0.5)
    assert image.get_attribute("src") == src

    # A phone's width: nothing overflows sideways.
    assert browser.execute_script("return window.innerWidth") == PHONE[0]
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    _screenshot(browser, tmp_path)
    assert time.monotonic() - started < 40


def _screenshot(browser: Any, tmp_path: Path) -> None:
    """The page as a shopper sees it, in tmp; also where ATELIER_SCREENSHOT_PATH says."""
    assert browser.save_screenshot(str(tmp_path / "widget-phone.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    time.sleep(0.3)  # let the layout settle at the new width
    shot = tmp_path / "widget-demo.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    target = os.environ.get(SCREENSHOT_ENV)
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


PHOTO_PRODUCT = {
    "name": "Photo coaster",
    "sku": "DEMO-COASTER",
    "status": "active",
    "width_mm": 50,
    "height_mm": 40,
    "zones": [
        {
            "id": "photo",
            "name": "Photo",
            "kind": "image",
            "x_mm": 5,
            "y_mm": 5,
            "width_mm": 40,
            "height_mm": 30,
            "min_dpi": 100,
            "formats": ["png"],
        }
    ],
}


def _black_png(path: Path, width: int, height: int) -> Path:
    from PIL import Image

    Image.new("RGB", (width, height), (0, 0, 0)).save(path, format="PNG")
    return path


def test_shopper_uploads_a_photo_and_sees_its_effective_dpi(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    from PIL import Image

    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=PHOTO_PRODUCT,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]
    browser.get(f"{stack.api_url}/demo/{product_id}?key={stack.demo['publishable_key']}")
    upload = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=photo] input"))
    assert upload.get_attribute("accept") == "image/png"

    # 60 x 45 px over 40 x 30 mm: 38 DPI, under the zone's 100; the server refuses it too.
    upload.send_keys(str(_black_png(tmp_path / "small.png", 60, 45)))
    note = browser.find_element("css selector", "[data-zone=photo] .atelier-note")
    _wait(browser, lambda d: note.text.startswith("Warning: this image prints at about 38 DPI"))
    _wait(browser, lambda d: "prints at 38 DPI" in _field_error(d, "photo"))

    # 200 x 150 px: 127 DPI; the preview shows the (black) photo over the zone.
    upload.send_keys(str(_black_png(tmp_path / "large.png", 200, 150)))
    _wait(browser, lambda d: note.text == "Image ready (127 DPI at print size).")
    src = _wait_preview_of(browser, None)
    assert _field_error(browser, "photo") == ""
    picture = Image.open(io.BytesIO(requests.get(src, timeout=10).content)).convert("L")
    px_per_mm = picture.size[0] / 50
    zone = picture.crop(tuple(int(v * px_per_mm) for v in (6, 6, 44, 34)))
    assert sum(zone.histogram()[:64]) > 0.95 * zone.size[0] * zone.size[1]


# Wraps the page's fetch: the first POST /v1/specs answers 429 (Retry-After: 1) without reaching
# the server; the first POST /v1/snapshots reaches the server but its answer is lost.
FAULTY_NETWORK = """
window.__calls = [];
var real = window.fetch, faulted = {};
window.fetch = function (url, init) {
  var call = {url: String(url), method: (init && init.method) || "GET", at: performance.now(),
              key: (init && init.headers && init.headers["Idempotency-Key"]) || null};
  window.__calls.push(call);
  var route = call.method === "POST" ? call.url.replace(/^.*\\/v1\\//, "") : null;
  if (route === "specs" && !faulted.specs) {
    faulted.specs = true;
    return Promise.resolve(new Response('{"error":{"code":"rate_limited","message":"wait"}}',
      {status: 429, headers: {"Retry-After": "1", "Content-Type": "application/json"}}));
  }
  return real(url, init).then(function (response) {
    call.status = response.status;
    call.replayed = response.headers.get("Idempotent-Replayed");
    if (route === "snapshots" && !faulted.snapshots) {
      faulted.snapshots = true;
      throw new TypeError("Failed to fetch");
    }
    return response;
  });
};
"""


def test_add_to_cart_retries_with_the_same_key_and_creates_one_snapshot(
    stack: Stack, browser: Any
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(stack.demo["demo_url"])
    name = _wait(browser, lambda d: d.find_element("css selector", "[data-zone=name] textarea"))
    name.send_keys("Grace")
    _wait_preview_of(browser, None)
    browser.execute_script(
        "window.__cart = []; document.addEventListener('atelier:add-to-cart',"
        " function (e) { window.__cart.push(e.detail); });" + FAULTY_NETWORK
    )
    before = _snapshot_count(stack)
    browser.find_element("css selector", ".atelier-add").send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.execute_script("return window.__cart.length") == 1)
    calls = browser.execute_script("return window.__calls")
    specs = [c for c in calls if c["method"] == "POST" and c["url"].endswith("/v1/specs")]
    snaps = [c for c in calls if c["method"] == "POST" and c["url"].endswith("/v1/snapshots")]

    assert len(specs) == 2 and specs[0]["key"] == specs[1]["key"]  # 429, then the same key
    assert specs[1]["at"] - specs[0]["at"] >= 1000  # Retry-After honoured
    assert len(snaps) == 2 and snaps[0]["key"] == snaps[1]["key"]  # lost answer, same key
    assert [s["status"] for s in snaps] == [201, 201] and snaps[1]["replayed"] == "true"
    assert specs[0]["key"] != snaps[0]["key"]  # one key per logical action
    assert _snapshot_count(stack) == before + 1
    detail = browser.execute_script("return window.__cart[0]")
    assert detail["snapshot_id"].startswith("snp_")


# --- languages, options, prices, the proof (issue 19 items 1-3, 7) ------------------------------

SCREENSHOT_DIR_ENV = "ATELIER_SCREENSHOT_DIR"  # e.g. docs/ to refresh the widget pictures

MERCH_PRODUCT: dict[str, Any] = {
    "name": "Heart pendant",
    "sku": "DEMO-HEART-MERCH",
    "status": "active",
    "width_mm": 40,
    "height_mm": 36,
    "currency": "EUR",
    "prices_include_tax": True,
    "base_price_minor": 4900,
    "require_proof": True,
    "labels": {"fr": {"zone:name": "Prénom gravé"}, "ar": {"option:chain:gold": "ذهبي"}},
    "options": [
        {
            "id": "chain",
            "name": "Chain",
            "kind": "swatch",
            "values": [
                {"id": "silver", "name": "Silver", "swatch_color": "#C0C0C0"},
                {"id": "gold", "name": "Gold", "swatch_color": "#D4AF37", "price_minor": 1000},
            ],
        },
        {
            "id": "back",
            "name": "Back engraving",
            "kind": "toggle",
            "values": [
                {"id": "no", "name": "No"},
                {"id": "yes", "name": "Yes", "price_minor": 500},
            ],
        },
    ],
    "zones": [
        {
            "id": "name",
            "name": "Name",
            "kind": "text",
            "process": "engrave",
            "x_mm": 6,
            "y_mm": 12,
            "width_mm": 28,
            "height_mm": 10,
            "required": True,
            "max_chars": 14,
            "min_size_mm": 2,
            "max_size_mm": 7,
            "fonts": ["lato-regular"],
            "colors": ["#000000"],
        },
        {
            "id": "back_text",
            "name": "Back text",
            "kind": "text",
            "process": "engrave",
            "x_mm": 6,
            "y_mm": 24,
            "width_mm": 28,
            "height_mm": 8,
            "max_chars": 20,
            "min_size_mm": 2,
            "max_size_mm": 6,
            "fonts": ["lato-regular"],
            "colors": ["#000000"],
            "visible_when": {"all": [{"option": "back", "equals": "yes"}]},
        },
    ],
}


@pytest.fixture(scope="module")
def merch(stack: Stack) -> str:
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=MERCH_PRODUCT,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["product_id"])


def _merch_page(stack: Stack, product_id: str, query: str) -> str:
    return f"{stack.api_url}/demo/{product_id}?key={stack.demo['publishable_key']}&{query}"


def _css(driver: Any, selector: str) -> Any:
    return driver.find_element("css selector", selector)


def _save(browser: Any, tmp_path: Path, name: str) -> None:
    shot = tmp_path / name
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get(SCREENSHOT_DIR_ENV)
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / name)


def _wait_preview_fr(driver: Any, previous_src: str | None) -> str:
    image = _css(driver, ".atelier-image")
    _wait(
        driver,
        lambda d: _status(d) == "Aperçu mis à jour." and image.get_attribute("src") != previous_src,
        timeout=60,  # the first preview of a fresh stack waits for a cold worker
    )
    return str(image.get_attribute("src"))


def _total_minor(driver: Any) -> int:
    """Read in one script call: the widget redraws the price (its own sum at once, then the
    server's), so an element found first may be gone when its attribute is asked for."""
    value = driver.execute_script(
        "const e = document.querySelector('.atelier-price-total');"
        " return e ? e.getAttribute('data-total-minor') : null;"
    )
    return int(value) if value is not None else -1


def _price_text(driver: Any) -> str:
    return str(
        driver.execute_script(
            "const e = document.querySelector('.atelier-price'); return e ? e.innerText : '';"
        )
    )


def test_french_widget_options_prices_conditions_and_proof(
    stack: Stack, browser: Any, merch: str, tmp_path: Path
) -> None:
    """data-atelier-locale=fr on an English page: French labels and errors, the brand's own zone
    name; the chain switch changes the price and the spec's options; the back-engraving toggle
    shows and hides its zone; the proof records the SHA-256 of the preview the server stored."""
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(_merch_page(stack, merch, "locale=fr"))
    browser.execute_script(
        "window.__cart = []; document.addEventListener('atelier:add-to-cart',"
        " function (e) { window.__cart.push(e.detail); });"
    )
    name = _wait(browser, lambda d: _css(d, "[data-zone=name] input"))
    root = _css(browser, "#atelier")
    assert (root.get_attribute("lang"), root.get_attribute("dir")) == ("fr", "ltr")
    assert _css(browser, f"label[for='{name.get_attribute('id')}']").text == (
        "Prénom gravé (obligatoire)"
    )
    assert _css(browser, ".atelier-add").text == "Ajouter au panier"
    assert _css(browser, "[data-zone=name] .atelier-counter").text == "0 / 14 caractères"

    # Prices in French, from the product at once: 49,00 € (tax included).
    _wait(browser, lambda d: _total_minor(d) == 4900)
    price = _price_text(browser)
    assert "49,00" in price and "€" in price and "TVA incluse" in price
    gold = _css(browser, "[data-option=chain] input[value=gold]")
    assert "Gold (+10,00" in _css(browser, f"label[for='{gold.get_attribute('id')}']").text

    # The back zone shows only with the toggle on.
    back_zone = _css(browser, "[data-zone=back_text]")
    toggle = _css(browser, "[data-option=back] input[type=checkbox]")
    assert not back_zone.is_displayed()
    toggle.click()
    _wait(browser, lambda d: back_zone.is_displayed())
    _wait(browser, lambda d: _total_minor(d) == 5400)
    toggle.click()
    _wait(browser, lambda d: not back_zone.is_displayed())

    # A validation error in French: a Cyrillic letter is outside the zone's charset.
    name.send_keys("Zoé Ж")
    _wait(
        browser,
        lambda d: "Certains caractères ne sont pas autorisés ici : Ж" in _field_error(d),
    )
    assert "Corrigez les champs signalés" in _status(browser)

    # Gold: the price follows at once and the server agrees (its price replaces the local one).
    _replace_text(name, "Zoé")
    silver_src = _wait_preview_fr(browser, None)
    gold.click()
    _wait(browser, lambda d: _total_minor(d) == 5900 and "59,00" in _price_text(d))
    _wait_preview_fr(browser, silver_src)

    # Add to cart: the proof first, from the preview's very bytes.
    _css(browser, ".atelier-add").click()
    dialog = _wait(browser, lambda d: _css(d, ".atelier-proof"))
    assert dialog.get_attribute("role") == "dialog"
    assert _css(browser, ".atelier-proof h2").text == "Vérifiez votre création"
    assert "Zoé" in _css(browser, ".atelier-proof-text").text
    _wait(
        browser,
        lambda d: d.execute_script(
            "var i = document.querySelector('.atelier-proof-image');"
            " return i.complete && i.naturalWidth > 0;"
        ),
    )
    confirm = _css(browser, ".atelier-confirm")
    assert not confirm.is_enabled()  # not before "I checked the spelling"
    hashed_in_browser = dialog.get_attribute("data-sha256")
    _save(browser, tmp_path, "widget-proof-fr.png")
    _css(browser, ".atelier-proof-check input").click()
    confirm.click()
    _wait(browser, lambda d: d.execute_script("return window.__cart.length") == 1, timeout=40)
    assert not browser.find_elements("css selector", ".atelier-proof")
    detail = browser.execute_script("return window.__cart[0]")
    assert detail["options"] == {"chain": "gold", "back": "no"}
    assert detail["properties"]["Chain"] == "Gold"
    assert "Chain: Gold" in detail["properties"]["Personalization"]
    assert detail["price"]["total_minor"] == 5900

    # The snapshot records the proof; its digest is the stored preview's, hashed here.
    sk = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    snap = requests.get(
        f"{stack.api_url}/v1/snapshots/{detail['snapshot_id']}", headers=sk, timeout=10
    ).json()
    assert snap["spec"]["options"] == {"chain": "gold", "back": "no"}
    proof = snap["proof"]
    result = requests.get(
        f"{stack.api_url}/v1/renders/{proof['render_id']}/result", headers=sk, timeout=10
    ).json()
    shown = hashlib.sha256(requests.get(result["url"], timeout=10).content).hexdigest()
    assert proof["preview_sha256"] == shown == hashed_in_browser
    assert detail["properties"]["_atelier_proof_sha256"] == shown
    assert proof["locale"] == "fr" and proof["confirmed_at"].endswith("Z")
    spec = requests.get(
        f"{stack.api_url}/v1/specs/{snap['spec_hash']}", headers=sk, timeout=10
    ).json()
    assert spec["price"]["total_minor"] == 5900


def test_arabic_widget_is_right_to_left_with_arabic_errors(
    stack: Stack, browser: Any, merch: str, tmp_path: Path
) -> None:
    """The page's <html lang="ar">: Arabic labels, dir="rtl" (the preview sits on the right),
    the brand's Arabic value name, and a validation error in Arabic."""
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(_merch_page(stack, merch, "lang=ar"))
    name = _wait(browser, lambda d: _css(d, "[data-zone=name] input"))
    root = _css(browser, "#atelier")
    assert (root.get_attribute("lang"), root.get_attribute("dir")) == ("ar", "rtl")
    assert _css(browser, ".atelier-add").text == "أضف إلى السلة"
    assert _css(browser, f"label[for='{name.get_attribute('id')}']").text == "Name (مطلوب)"
    gold = _css(browser, "[data-option=chain] input[value=gold]")
    assert _css(browser, f"label[for='{gold.get_attribute('id')}']").text.startswith("ذهبي")
    preview, form = _css(browser, ".atelier-preview"), _css(browser, ".atelier-form")
    assert preview.rect["x"] > form.rect["x"]  # mirrored: the first box is on the right
    _wait(browser, lambda d: _total_minor(d) == 4900)
    price = _price_text(browser)
    assert "شامل الضريبة" in price and "null" not in price and _total_minor(browser) == 4900
    assert (
        browser.execute_script(
            "return getComputedStyle(document.getElementById('atelier')).direction"
        )
        == "rtl"
    )

    name.send_keys("Layla Ahmad Bakr")  # 16 > 14 characters
    _wait(browser, lambda d: "حرفًا على الأكثر." in _field_error(d))
    error = _field_error(browser)
    assert any(n in error for n in ("14", "١٤")), error
    assert "صحّح الحقول المميّزة" in _status(browser)
    _save(browser, tmp_path, "widget-ar.png")


def _two_sided() -> dict[str, Any]:
    """The heart pendant engraved on both sides, the proof required."""
    doc = {k: v for k, v in MERCH_PRODUCT.items() if k not in ("options", "labels")}
    side = {"width_mm": 40, "height_mm": 36}
    zones: list[dict[str, Any]] = MERCH_PRODUCT["zones"]
    front, back = (dict(z) for z in zones)
    back.pop("visible_when")
    front["side"], back["side"] = "front", "back"
    back["y_mm"] = 12
    return {
        **doc,
        "sku": "DEMO-HEART-2SIDED",
        "sides": [{"id": "front", "name": "Front", **side}, {"id": "back", "name": "Back", **side}],
        "zones": [front, back],
        "labels": {"fr": {"side:back": "Dos"}},
    }


def _render_side(stack: Stack, render_id: str) -> str | None:
    sk = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    render = requests.get(f"{stack.api_url}/v1/renders/{render_id}", headers=sk, timeout=10)
    assert render.status_code == 200, render.text
    side = render.json()["options"].get("side")
    return None if side is None else str(side)


def test_side_switcher_previews_each_side_and_the_proof_shows_all(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    """A two-sided product: a tab per side and one for all; each tab asks the server for that
    side's preview; the proof is the contact sheet of every side, recorded on the snapshot."""
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=_two_sided(),
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(_merch_page(stack, product_id, "locale=fr"))
    browser.execute_script(
        "window.__cart = []; document.addEventListener('atelier:add-to-cart',"
        " function (e) { window.__cart.push(e.detail); });"
    )
    name = _wait(browser, lambda d: _css(d, "[data-zone=name] input"))
    tabs = browser.find_elements("css selector", ".atelier-side")
    assert [t.text for t in tabs] == ["Front", "Dos", "Toutes les faces"]
    assert [t.get_attribute("aria-selected") for t in tabs] == ["true", "false", "false"]

    name.send_keys("Ada")
    _css(browser, "[data-zone=back_text] input").send_keys("Love")
    front_src = _wait_preview_fr(browser, None)
    image = _css(browser, ".atelier-image")
    # the first side is the server's default: asked without a side (same content address)
    assert _render_side(stack, str(image.get_attribute("data-render"))) is None

    tabs[1].click()
    back_src = _wait_preview_fr(browser, front_src)
    assert tabs[1].get_attribute("aria-selected") == "true"
    assert _css(browser, "#atelier").get_attribute("data-side") == "back"
    assert _render_side(stack, str(image.get_attribute("data-render"))) == "back"
    assert back_src != front_src

    _css(browser, ".atelier-add").click()
    dialog = _wait(browser, lambda d: _css(d, ".atelier-proof"), timeout=60)
    _wait(
        browser,
        lambda d: d.execute_script(
            "var i = document.querySelector('.atelier-proof-image');"
            " return i.complete && i.naturalWidth > 0;"
        ),
    )
    sheet = browser.execute_script(
        "var i = document.querySelector('.atelier-proof-image');"
        " return [i.naturalWidth, i.naturalHeight];"
    )
    assert sheet[0] > sheet[1]  # two 40 x 36 sides side by side
    hashed_in_browser = dialog.get_attribute("data-sha256")
    _save(browser, tmp_path, "widget-proof-sides.png")
    _css(browser, ".atelier-proof-check input").click()
    _css(browser, ".atelier-confirm").click()
    _wait(browser, lambda d: d.execute_script("return window.__cart.length") == 1, timeout=40)
    detail = browser.execute_script("return window.__cart[0]")
    sk = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    snap = requests.get(
        f"{stack.api_url}/v1/snapshots/{detail['snapshot_id']}", headers=sk, timeout=10
    ).json()
    assert snap["proof"]["preview_sha256"] == hashed_in_browser
    assert _render_side(stack, snap["proof"]["render_id"]) == "all"


def _scripts_product() -> dict[str, Any]:
    """A pendant with a Devanagari and an Arabic name zone, each with a small max_chars."""
    doc = {k: v for k, v in MERCH_PRODUCT.items() if k not in ("options", "labels", "zones")}
    base = {k: v for k, v in MERCH_PRODUCT["zones"][0].items() if k not in ("id", "name")}
    deva = {
        **base,
        "id": "deva",
        "name": "Devanagari",
        "required": False,
        "max_chars": 3,
        "charset": ["devanagari"],
        "fonts": ["noto-sans-devanagari-regular"],
    }
    arab = {
        **base,
        "id": "arab",
        "name": "Arabic",
        "required": False,
        "max_chars": 4,
        "y_mm": 24,
        "height_mm": 8,
        "charset": ["arabic"],
        "fonts": ["amiri-regular"],
    }
    return {**doc, "sku": "DEMO-SCRIPTS", "require_proof": False, "zones": [deva, arab]}


def test_counter_counts_graphemes_of_every_script_as_the_server_does(
    stack: Stack, browser: Any
) -> None:
    """A Devanagari conjunct with its i-matra ("क्षि") and an Arabic letter with harakat count one
    each, and what the server drops before counting (a zero-width space, doubled and edge spaces)
    does not count either: the counter says exactly what the server's max_chars check says, the
    server accepts a name the counter shows as full and refuses one it shows as over."""
    from chalicelib.domain.text import count_graphemes, normalize_text

    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=_scripts_product(),
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    browser.get(_merch_page(stack, str(created.json()["product_id"]), "locale=en"))
    deva = _wait(browser, lambda d: _css(d, "[data-zone=deva] input"))
    arab = _css(browser, "[data-zone=arab] input")
    assert deva.get_attribute("dir") == arab.get_attribute("dir") == "auto"
    deva_counter = _css(browser, "[data-zone=deva] .atelier-counter")
    arab_counter = _css(browser, "[data-zone=arab] .atelier-counter")

    typed = " क्षि\u200b  मा "  # the server: "क्षि मा", three graphemes
    assert normalize_text(typed).grapheme_count == 3
    deva.send_keys(typed)
    name = "مُحَمَّد"  # Muhammad with damma, fatha, shadda: four letters, eight code points
    assert len(name) == 8 and count_graphemes(name) == 4
    arab.send_keys(name)
    assert browser.execute_script("return arguments[0].value", deva) == typed
    _wait(browser, lambda d: deva_counter.text == "3 / 3 characters")
    assert arab_counter.text == "4 / 4 characters"
    for counter in (deva_counter, arab_counter):
        assert "atelier-over" not in (counter.get_attribute("class") or "")
    _wait_preview_of(browser, None)  # the server took both: at its max_chars, not over
    # the server repaired, not refused: only its warning about the dropped zero-width space
    assert _field_error(browser, "deva") == "Note: Invisible zero-width characters were removed."
    assert _field_error(browser, "arab") == ""

    deva.send_keys("क्ष")  # after the kept space: "क्षि मा क्ष", five graphemes, over on both sides
    assert normalize_text(typed + "क्ष").grapheme_count == 5
    _wait(browser, lambda d: deva_counter.text == "5 / 3 characters")
    assert "atelier-over" in (deva_counter.get_attribute("class") or "")
    _wait(browser, lambda d: "At most 3 characters." in _field_error(d, "deva"))


FRONT_DIE = {
    "shape": "rectangle",
    "x_mm": 1,
    "y_mm": 2,
    "width_mm": 38,
    "height_mm": 32,
    "corner_radius_mm": 3,
}
BACK_DIE = {"shape": "ellipse", "x_mm": 0.5, "y_mm": 0.5, "width_mm": 39, "height_mm": 35}


def _overlay_box(browser: Any) -> dict[str, float]:
    """The die line path's box, in mm of the artboard, measured on screen against the image's
    content box (Chromium's own path geometry; the image is the 40 x 36 mm artboard)."""
    box: dict[str, float] = browser.execute_script(
        "var img = document.querySelector('.atelier-image');"
        " var path = document.querySelector('.atelier-dieline path');"
        " var i = img.getBoundingClientRect(), p = path.getBoundingClientRect();"
        " var left = i.left + img.clientLeft, top = i.top + img.clientTop;"
        " var k = img.clientWidth / 40;"
        " return {x: (p.left - left) / k, y: (p.top - top) / k, w: p.width / k, h: p.height / k,"
        "         px_per_mm: k, ratio: img.clientHeight / img.clientWidth};"
    )
    return box


def _assert_box(box: dict[str, float], die: dict[str, float]) -> None:
    tol = 2 / box["px_per_mm"]  # within two screen pixels
    expected = (die["x_mm"], die["y_mm"], die["width_mm"], die["height_mm"])
    got = (box["x"], box["y"], box["w"], box["h"])
    assert all(abs(g - e) <= tol for g, e in zip(got, expected, strict=True)), (got, expected)


def test_die_line_overlay_matches_each_sides_die_line(stack: Stack, browser: Any) -> None:
    """Each side's die line is drawn over its preview: the overlay path's on-screen box equals
    the die line's box on the 40 x 36 mm artboard within two pixels; the back tab shows the
    back's ellipse, the all-sides sheet none."""
    from chalicelib.domain.dieline import DieLine, die_polygon

    doc = _two_sided()
    doc["sku"] = "DEMO-HEART-DIE"
    doc["require_proof"] = False
    doc["sides"][0]["die_line"], doc["sides"][1]["die_line"] = FRONT_DIE, BACK_DIE
    for die in (FRONT_DIE, BACK_DIE):  # the dicts give the die lines' own boxes
        poly = die_polygon(DieLine.model_validate(die, strict=False))
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        assert abs(min(xs) - die["x_mm"]) < 0.01
        assert abs(max(ys) - die["y_mm"] - die["height_mm"]) < 0.01
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=doc,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(_merch_page(stack, str(created.json()["product_id"]), "locale=fr"))
    name = _wait(browser, lambda d: _css(d, "[data-zone=name] input"))
    overlay = _css(browser, ".atelier-dieline")
    assert not overlay.is_displayed()  # nothing over an empty preview
    name.send_keys("Ada")
    _css(browser, "[data-zone=back_text] input").send_keys("Love")
    front_src = _wait_preview_fr(browser, None)
    assert overlay.is_displayed() and overlay.get_attribute("data-side") == "front"
    box = _overlay_box(browser)
    assert abs(box["ratio"] - 36 / 40) < 0.01  # the image is the artboard
    _assert_box(box, FRONT_DIE)

    tabs = browser.find_elements("css selector", ".atelier-side")
    tabs[1].click()
    back_src = _wait_preview_fr(browser, front_src)
    _wait(browser, lambda d: overlay.get_attribute("data-side") == "back")
    _assert_box(_overlay_box(browser), BACK_DIE)

    tabs[2].click()
    _wait_preview_fr(browser, back_src)
    assert not overlay.is_displayed()


def _upload_mockup(stack: Stack, color: tuple[int, int, int]) -> str:
    """A 400 x 360 px photo (the 40 x 36 mm artboard at 10 px/mm) in one colour, uploaded and
    verified like any brand image."""
    from PIL import Image

    pk = stack.demo["publishable_key"]
    out = io.BytesIO()
    Image.new("RGB", (400, 360), color).save(out, format="PNG")
    data = out.getvalue()
    meta = {"kind": "image", "content_type": "image/png", "filename": "m.png"}
    made = requests.post(
        f"{stack.api_url}/v1/assets",
        json={**meta, "size_bytes": len(data)},
        headers={"Authorization": f"Bearer {pk}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    upload = made.json()["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("m.png", data)}, timeout=30
    )
    assert sent.ok, sent.text
    asset_id = str(made.json()["asset"]["asset_id"])
    done = requests.post(
        f"{stack.api_url}/v1/assets/{asset_id}/complete",
        headers={"Authorization": f"Bearer {pk}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert done.status_code in (200, 201), done.text
    return asset_id


SILVER_PHOTO, GOLD_PHOTO = (192, 192, 196), (212, 175, 55)


def _corner_rgb(url: str) -> tuple[float, float, float]:
    """Mean colour of the preview's top-left 1-5 mm square: photo only, away from the name."""
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(requests.get(url, timeout=10).content)).convert("RGB")
    px_per_mm = image.size[0] / 40
    corner = image.crop(tuple(int(v * px_per_mm) for v in (1, 1, 5, 5)))
    r, g, b = ImageStat.Stat(corner).mean
    return r, g, b


def test_choosing_gold_switches_the_preview_to_the_gold_mockup_photo(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    """An option value's ``mockup_asset_id`` (domain/options.chosen_mockup): the shopper clicks
    Gold and the preview is drawn on the gold photo instead of the silver one."""
    silver, gold = _upload_mockup(stack, SILVER_PHOTO), _upload_mockup(stack, GOLD_PHOTO)
    doc = {k: v for k, v in MERCH_PRODUCT.items() if k not in ("labels", "require_proof")}
    (chain, back) = doc["options"]
    values = [
        {**chain["values"][0], "mockup_asset_id": silver},
        {**chain["values"][1], "mockup_asset_id": gold},
    ]
    doc = {
        **doc,
        "sku": f"DEMO-MOCKUPS-{uuid.uuid4().hex[:6]}",
        "options": [{**chain, "values": values}, back],
    }
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=doc,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(_merch_page(stack, str(created.json()["product_id"]), "lang=en"))
    name = _wait(browser, lambda d: _css(d, "[data-zone=name] input"))
    name.send_keys("Ada")
    first = _wait_preview_of(browser, None)
    r, g, b = _corner_rgb(first)
    assert max(abs(r - 192), abs(g - 192), abs(b - 196)) < 12, (r, g, b)  # the silver photo

    _css(browser, "[data-option=chain] input[value=gold]").click()
    second = _wait_preview_of(browser, first)
    r, g, b = _corner_rgb(second)
    assert max(abs(r - 212), abs(g - 175), abs(b - 55)) < 12, (r, g, b)  # the gold photo
    assert r - b > 120
    # Back to Silver: the silver photo again (the same design's preview as before).
    _css(browser, "[data-option=chain] input[value=silver]").click()
    third = _wait_preview_of(browser, second)
    r, g, b = _corner_rgb(third)
    assert max(abs(r - 192), abs(g - 192), abs(b - 196)) < 12, (r, g, b)
    _css(browser, "[data-option=chain] input[value=gold]").click()
    _wait_preview_of(browser, third)
    _save(browser, tmp_path, "widget-option-mockup.png")


def test_a_swatch_value_with_an_image_shows_the_loaded_image(stack: Stack, browser: Any) -> None:
    """An option value whose swatch is an uploaded image (``swatch_asset_id``): the widget shows
    it through the swatch route (302 to a signed URL) as an <img> that Chromium really decoded,
    with the value's name as alt text and label; the colour value keeps its chip."""
    swatch = _upload_mockup(stack, GOLD_PHOTO)
    doc = {k: v for k, v in MERCH_PRODUCT.items() if k not in ("labels", "require_proof")}
    (chain, back) = doc["options"]
    gold = {k: v for k, v in chain["values"][1].items() if k != "swatch_color"}
    doc = {
        **doc,
        "sku": f"DEMO-SWATCH-{uuid.uuid4().hex[:6]}",
        "options": [
            {**chain, "values": [chain["values"][0], {**gold, "swatch_asset_id": swatch}]},
            back,
        ],
    }
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=doc,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    browser.get(_merch_page(stack, str(created.json()["product_id"]), "lang=en"))
    gold_radio = _wait(browser, lambda d: _css(d, "[data-option=chain] input[value=gold]"))
    label = _css(browser, f"label[for='{gold_radio.get_attribute('id')}']")
    image = label.find_element("css selector", "img")
    _wait(
        browser,
        lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", image
        ),
    )
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 400
    assert image.get_attribute("alt") == "Gold" and "Gold" in label.text
    silver = _css(browser, "[data-option=chain] input[value=silver]")
    silver_label = _css(browser, f"label[for='{silver.get_attribute('id')}']")
    assert not silver_label.find_elements("css selector", "img")
    assert silver_label.find_elements("css selector", ".atelier-chip")


CURVES_PRODUCT: dict[str, Any] = {
    "name": "Round coaster",
    "sku": "DEMO-COASTER-CURVES",
    "status": "active",
    "width_mm": 60,
    "height_mm": 60,
    "zones": [
        {
            "id": "mono",
            "name": "Initials",
            "kind": "monogram",
            "x_mm": 18,
            "y_mm": 24,
            "width_mm": 24,
            "height_mm": 24,
            "required": True,
            "fonts": ["lato-regular"],
            "frame": "circle",
        },
        {
            "id": "arc",
            "name": "Along the rim",
            "kind": "text",
            "process": "engrave",
            "x_mm": 5,
            "y_mm": 3,
            "width_mm": 50,
            "height_mm": 20,
            "max_chars": 20,
            "min_size_mm": 2,
            "max_size_mm": 5,
            "fonts": ["lato-regular"],
            "colors": ["#000000"],
            "path": {"cx_mm": 25, "cy_mm": 27, "radius_mm": 22, "span_deg": 120},
        },
    ],
}


def _spec_of_preview(stack: Stack, browser: Any) -> dict[str, Any]:
    """The stored spec behind the preview on screen (its render names the spec hash)."""
    sk = {"Authorization": f"Bearer {stack.demo['secret_key']}"}
    render_id = _css(browser, ".atelier-image").get_attribute("data-render")
    render = requests.get(f"{stack.api_url}/v1/renders/{render_id}", headers=sk, timeout=10)
    assert render.status_code == 200, render.text
    spec = requests.get(
        f"{stack.api_url}/v1/specs/{render.json()['spec_hash']}", headers=sk, timeout=10
    )
    assert spec.status_code == 200, spec.text
    return dict(spec.json())


def test_monogram_and_arc_zones_preview_live(stack: Stack, browser: Any) -> None:
    """A coaster with a monogram and a text-on-an-arc zone: typed initials show upper-cased with
    an initials counter, a wrong count is flagged before the server answers, and each typing
    changes the preview; the spec behind the preview records the initials and the arc."""
    created = requests.post(
        f"{stack.api_url}/v1/products",
        json=CURVES_PRODUCT,
        headers={
            "Authorization": f"Bearer {stack.demo['secret_key']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    browser.get(_merch_page(stack, str(created.json()["product_id"]), "locale=en"))
    mono = _wait(browser, lambda d: _css(d, "[data-zone=mono] input"))
    counter = _css(browser, "[data-zone=mono] .atelier-counter")
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).textTransform", mono)
        == "uppercase"
    )  # initials show as they will be engraved
    mono.send_keys("j m")  # the server drops the space: two initials, and this layout takes three
    assert counter.text == "2 / 3 initials"
    assert "atelier-over" in (counter.get_attribute("class") or "")
    _wait(browser, lambda d: "Enter the expected number of initials." in _field_error(d, "mono"))

    _replace_text(mono, "jam")
    assert counter.text == "3 / 3 initials"
    assert "atelier-over" not in (counter.get_attribute("class") or "")
    first = _wait_preview_of(browser, None)
    mono_spec = _spec_of_preview(stack, browser)["spec"]["zones"]["mono"]
    assert mono_spec["text"] == "JAM"  # upper-cased, in natural order; shown J M A, M larger
    letters = mono_spec["layout"]["letters"]
    assert [x["char"] for x in letters] == ["J", "M", "A"]
    assert letters[1]["size_mm"] == pytest.approx(1.5 * letters[0]["size_mm"], abs=0.01)
    assert _dark_above(first, 23) == 0  # nothing yet along the rim (the arc zone: y 3-23 mm)

    _css(browser, "[data-zone=arc] input").send_keys("Happy Birthday")
    second = _wait_preview_of(browser, first)
    arc = _spec_of_preview(stack, browser)["spec"]["zones"]["arc"]
    assert arc["text"] == "Happy Birthday"
    assert (arc["path"]["kind"], arc["path"]["radius_mm"], arc["path"]["span_deg"]) == (
        "arc",
        22.0,
        120.0,
    )
    assert _dark_above(second, 23) > 200  # the name's ink now runs along the rim


def _dark_above(url: str, y_mm: float) -> int:
    """Dark pixels of the 60 x 60 mm coaster's preview above ``y_mm``."""
    from PIL import Image

    image = Image.open(io.BytesIO(requests.get(url, timeout=10).content)).convert("L")
    band = image.crop((0, 0, image.width, int(y_mm * image.width / 60)))
    return sum(band.histogram()[:128])
