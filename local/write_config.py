"""Write ``.chalice/config.json`` from the resource definition (names, per-function settings)."""

from __future__ import annotations

import json

from chalicelib.resources import chalice_config
from local.stack import ROOT


def main() -> None:
    path = ROOT / ".chalice" / "config.json"
    path.write_text(json.dumps(chalice_config(), indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
