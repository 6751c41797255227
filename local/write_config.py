"""Write the generated Chalice files: ``.chalice/config.json`` and the per-function policies.

Both derive from the resource definition (``chalicelib/resources.py``: names, per-function
settings) and the IAM grants (``deploy/iam.py``); tests fail when a file drifts from them.
"""

from __future__ import annotations

import json

from chalicelib.resources import chalice_config
from deploy import iam
from local.stack import ROOT


def main() -> None:
    path = ROOT / ".chalice" / "config.json"
    path.write_text(json.dumps(chalice_config(), indent=2) + "\n")
    print(f"wrote {path}")
    for policy in iam.write():
        print(f"wrote {policy}")


if __name__ == "__main__":
    main()
