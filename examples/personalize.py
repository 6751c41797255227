"""The README's walkthrough as a Python script, standard library only: create a product, check a
name, store the design, lock a snapshot, export the manufacturing pack and save it to disk.

    python3 examples/personalize.py "Chloé" [out_dir]

It talks to ``make run`` through ``.local/demo.json`` (or ``ATELIER_API_URL`` and
``ATELIER_SECRET_KEY``, e.g. a ``dev`` stage). Prints one line per step; exits 1 with the API's
error code if a step is refused.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path
from typing import Any

PRODUCT = {
    "name": "Oak keyring",
    "sku": "KEY-OAK",
    "status": "active",
    "width_mm": 60,
    "height_mm": 25,
    "die_line": {"shape": "rectangle", "corner_radius_mm": 5, "width_mm": 60, "height_mm": 25},
    "zones": [
        {
            "id": "name",
            "name": "Name",
            "kind": "text",
            "process": "engrave",
            "x_mm": 5,
            "y_mm": 4,
            "width_mm": 50,
            "height_mm": 17,
            "max_chars": 12,
            "fonts": ["lato-regular", "amatic-sc-regular"],
            "min_size_mm": 3,
            "max_size_mm": 14,
            "colors": ["#000000"],
        }
    ],
}


class Atelier:
    """A minimal client: JSON in and out, a fresh Idempotency-Key on every create."""

    def __init__(self, api_url: str, secret_key: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.secret_key = secret_key

    def call(self, method: str, path: str, body: Any = None, *, create: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.secret_key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if create:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        request = urllib.request.Request(self.api_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            error = json.load(exc).get("error", {})
            sys.exit(f"{method} {path}: {exc.code} {error.get('code')}: {error.get('message')}")


def connect() -> Atelier:
    if os.environ.get("ATELIER_API_URL"):
        return Atelier(os.environ["ATELIER_API_URL"], os.environ["ATELIER_SECRET_KEY"])
    demo = json.loads(Path(".local/demo.json").read_text())
    return Atelier(demo["api_url"], demo["secret_key"])


def main(name: str, out_dir: Path) -> int:
    api = connect()
    product_id = api.call("POST", "/v1/products", PRODUCT, create=True)["product_id"]
    print("product", product_id)
    inputs = {"name": {"text": name, "font": "amatic-sc-regular"}}
    checked = api.call(
        "POST", "/v1/personalization/validate", {"product_id": product_id, "inputs": inputs}
    )
    if not checked["valid"]:
        print("refused", [e["code"] for e in checked["errors"]])
        return 1
    print("valid, font size", checked["layout"]["name"]["font_size_mm"], "mm")
    spec = api.call("POST", "/v1/specs", {"product_id": product_id, "inputs": inputs}, create=True)
    snapshot = api.call("POST", "/v1/snapshots", {"spec_hash": spec["spec_hash"]}, create=True)
    snapshot_id = snapshot["snapshot_id"]
    api.call("POST", f"/v1/snapshots/{snapshot_id}/lock")
    print("locked", snapshot_id)
    pack_id = api.call(
        "POST", "/v1/manufacturing/export-pack", {"snapshot_id": snapshot_id}, create=True
    )["pack_id"]
    deadline = time.monotonic() + 180
    while (pack := api.call("GET", f"/v1/manufacturing/packs/{pack_id}"))["status"] not in (
        "succeeded",
        "failed",
    ):
        if time.monotonic() > deadline:
            sys.exit(f"pack {pack_id} still {pack['status']} after 3 minutes")
        time.sleep(1)
    if pack["status"] == "failed":
        sys.exit(f"pack {pack_id} failed: {pack['error']}")
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{pack_id}.zip"
    with urllib.request.urlopen(pack["url"], timeout=60) as response:
        zip_path.write_bytes(response.read())
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(out_dir)
        for member in archive.namelist():
            print("file", out_dir / member)
    print("pack", zip_path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "atelier-pack")))
