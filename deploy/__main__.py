"""Deploy tooling: ``python -m deploy <command>`` (the Makefile's package/deploy targets use it).

Commands:
  iam                      write .chalice/policy-<stage>-<function>.json
  template STAGE OUT       write the resources CloudFormation template
  package STAGE            chalice package + resources template into dist/STAGE, cfn-lint, checks
  fonts                    fetch the npm-registry fonts (pinned versions and sha256)
  check-package ZIP        verify a deployment.zip (native modules, architecture, size)
  deploy STAGE             resources stack, env vars, chalice deploy, event sources, throttling
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    if command == "iam":
        from deploy import iam

        for path in iam.write():
            print(f"wrote {path.relative_to(iam.ROOT)}")
        return 0
    if command == "template":
        from deploy import template

        _write(Path(args[1]), template.build(args[0]))
        return 0
    if command == "package":
        from deploy import package

        return package.build(args[0])
    if command == "fonts":
        from deploy import npm_fonts

        return npm_fonts.main()
    if command == "check-package":
        from deploy import package

        return package.main_check(Path(args[0]))
    if command == "deploy":
        from deploy import deploy

        return deploy.main(args)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


def _write(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
