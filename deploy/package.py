"""``make package``: the deployable artefacts of one stage, verified before anything ships.

``dist/<stage>/`` receives Chalice's SAM template and ``deployment.zip`` (``chalice package``
with :func:`merge_template`), the resources template and a report. Both templates must pass
cfn-lint. The zip must hold every runtime requirement at its pinned version, each native
module built for Lambda's architecture from a manylinux wheel the runtime's glibc can load,
and must fit Lambda's 250 MB unzipped limit.

Why the pins: Chalice targets the local Python (3.11 → Lambda ``python3.11``, Amazon Linux 2,
glibc 2.26). It only accepts wheels tagged manylinux ≤ 2.26; numpy ≥ 2.3 and Pillow ≥ 13 ship
manylinux_2_28 wheels only, so Chalice dropped numpy ("You will have to build these yourself")
and built Pillow from its sdist for the build host. numpy 2.2.6 and Pillow 12.2.0 are the last
releases with manylinux2014 wheels for cp311 on both x86_64 and aarch64.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib import resources
from deploy import template

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's console scripts
# cfn-lint exits with a bit mask: 2 errors, 4 warnings, 8 informational (1: it crashed).
CFN_LINT_PASSES = (0, 4, 8, 12)
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
RUNTIME_GLIBC = (2, 26)  # python3.11 runs on Amazon Linux 2
ELF_MACHINE = {"x86_64": 62, "arm64": 183}
WHEEL_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
# Native modules that must be present (import name → file that proves it was packaged).
NATIVE_MODULES = {
    "numpy": r"numpy/_core/_multiarray_umath\.cpython-311-{m}-linux-gnu\.so",
    "PIL": r"PIL/_imaging\.cpython-311-{m}-linux-gnu\.so",
    "pydantic_core": r"pydantic_core/_pydantic_core\.cpython-311-{m}-linux-gnu\.so",
    "regex": r"regex/_regex\.cpython-311-{m}-linux-gnu\.so",
    "resvg_py": r"resvg_py/resvg_py\.abi3\.so",
    "cffi": r"_cffi_backend\.cpython-311-{m}-linux-gnu\.so",
}
# Chalice's words when it drops a package or builds one for the wrong platform.
CHALICE_FAILURES = ("You will have to build these yourself", "Could not install dependencies")

# API Gateway stage throttling (requests/second, burst) per stage: the outer guard in front of
# the per-key DynamoDB token buckets.
THROTTLING = {"dev": (20, 40), "prod": (200, 400)}


def cfn_name(function: str) -> str:
    """The SAM resource Chalice generates for an app function (``api_handler`` → APIHandler)."""
    if function == "api_handler":
        return "APIHandler"
    return "".join(word.capitalize() for word in function.split("_"))


def merge_template(stage: str) -> dict[str, Any]:
    """What ``chalice package --merge-template`` adds to the SAM template."""
    rate, burst = THROTTLING[stage]
    merged: dict[str, Any] = {
        "RestAPI": {
            "Properties": {
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": rate,
                        "ThrottlingBurstLimit": burst,
                    }
                ]
            }
        },
        # Chalice names the API's log group after "ApiHandler", but the function is
        # "APIHandler" (cfn-lint E3030): point it at the real resource.
        "ApiHandlerLogGroup": {
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${APIHandler}"}}
        },
    }
    for queue in resources.QUEUES:
        fn = cfn_name(queue.consumer)
        merged[fn] = {
            "Properties": {
                "Events": {
                    f"{fn}SqsEventSource": {
                        "Properties": {
                            # aws/chalice#2029: without it one failed record retries the batch.
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            "ScalingConfig": {"MaximumConcurrency": queue.consumer_concurrency},
                        }
                    }
                }
            }
        }
    return {"Resources": merged}


@dataclass
class ZipReport:
    zipped_bytes: int = 0
    unzipped_bytes: int = 0
    native_files: int = 0
    problems: list[str] = field(default_factory=list)


def check_zip(
    path: Path,
    architecture: str,
    requirements: dict[str, str],
    data_files: dict[str, str] | None = None,
) -> ZipReport:
    """Every requirement present at its pin, every native file ELF for ``architecture``, and
    every data file (zip path → sha256: the npm fonts) present with its pinned bytes; the size
    limit counts everything in the zip, fonts included."""
    report = ZipReport(zipped_bytes=path.stat().st_size)
    machine = WHEEL_MACHINE[architecture]
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        report.unzipped_bytes = sum(i.file_size for i in infos)
        names = [i.filename for i in infos]
        for info in infos:
            if re.search(r"\.so(\.[0-9.]+)?$", info.filename):
                report.native_files += 1
                header = archive.read(info)[:20]
                if header[:4] != b"\x7fELF":
                    report.problems.append(f"{info.filename}: not an ELF file")
                elif int.from_bytes(header[18:20], "little") != ELF_MACHINE[architecture]:
                    report.problems.append(f"{info.filename}: not built for {architecture}")
        wheels = {
            n.split("/")[0]: archive.read(n).decode()
            for n in names
            if n.endswith(".dist-info/WHEEL")
        }
        report.problems += _check_data_files(archive, data_files or {})
    report.problems += _check_wheels(wheels, machine)
    report.problems += _check_pins(wheels, requirements)
    for module, pattern in NATIVE_MODULES.items():
        if not any(re.fullmatch(pattern.format(m=machine), n) for n in names):
            report.problems.append(f"{module}: native module missing for {machine}")
    if report.unzipped_bytes >= LAMBDA_UNZIPPED_LIMIT:
        report.problems.append(f"unzipped size {report.unzipped_bytes} over Lambda's 250 MB")
    return report


def _check_data_files(archive: zipfile.ZipFile, expected: dict[str, str]) -> list[str]:
    present = set(archive.namelist())
    problems = []
    for name, digest in sorted(expected.items()):
        if name not in present:
            problems.append(f"{name}: missing (run python -m deploy fonts before packaging)")
        elif hashlib.sha256(archive.read(name)).hexdigest() != digest:
            problems.append(f"{name}: sha256 differs from the pinned one")
    return problems


def _check_wheels(wheels: dict[str, str], machine: str) -> list[str]:
    """Platform wheels must be manylinux for ``machine`` with glibc ≤ the runtime's."""
    problems = []
    for dist_info, text in sorted(wheels.items()):
        if "Root-Is-Purelib: true" in text:
            continue
        tags = re.findall(r"^Tag: \S+-\S+-(\S+)$", text, flags=re.M)
        if not any(_loads_on_lambda(tag, machine) for tag in tags):
            problems.append(f"{dist_info}: wheel tags {tags} do not load on Lambda ({machine})")
    return problems


def _loads_on_lambda(tag: str, machine: str) -> bool:
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    m = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014|manylinux_(\d+)_(\d+))_(\w+)", tag)
    if m is None or m.group(4) != machine:
        return False
    glibc = legacy.get(m.group(1)) or (int(m.group(2)), int(m.group(3)))
    return glibc <= RUNTIME_GLIBC


def _check_pins(wheels: dict[str, str], requirements: dict[str, str]) -> list[str]:
    packaged = {}
    for dist_info in wheels:
        name, version = dist_info.removesuffix(".dist-info").rsplit("-", 1)
        packaged[_normalize(name)] = version
    return [
        f"{name}=={version} is not in the package (found {packaged.get(name)})"
        for name, version in sorted(requirements.items())
        if packaged.get(name) != version
    ]


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def pinned_requirements(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_normalize(name.split("[")[0])] = version.strip()
    return pins


def build(stage: str) -> int:
    """Package, lint and verify one stage into ``dist/<stage>/``; 0 when everything holds."""
    out = ROOT / "dist" / stage
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "merge-template.json"
    merge.write_text(json.dumps(merge_template(stage), indent=2) + "\n")
    (out / "resources.json").write_text(json.dumps(template.build(stage), indent=2) + "\n")
    env = {**os.environ, "ATELIER_STAGE": stage}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # chalice needs one; the template has none
    chalice = [str(BIN / "chalice"), "package", "--stage", stage]
    run = subprocess.run(
        [*chalice, "--merge-template", str(merge), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    print(run.stdout + run.stderr, end="")
    failures = [f"chalice: {w}" for w in CHALICE_FAILURES if w in run.stdout + run.stderr]
    if run.returncode != 0:
        failures.append(f"chalice package exited {run.returncode}")
    for name in ("sam.json", "resources.json"):
        lint = subprocess.run([str(BIN / "cfn-lint"), str(out / name)], check=False)
        if lint.returncode not in CFN_LINT_PASSES:
            failures.append(f"cfn-lint found errors in {name}")
    if (out / "deployment.zip").exists():
        failures += _verify(out / "deployment.zip", out / "package-report.json")
    for failure in failures:
        print(f"PACKAGE FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def apidocs_members() -> dict[str, str]:
    """Redoc's bundle for ``/docs`` (``make apidocs``): in the zip with the bytes fetched here."""
    name = "chalicelib/apidocs/redoc.standalone.js"
    bundle = ROOT / name
    return {name: hashlib.sha256(bundle.read_bytes()).hexdigest() if bundle.is_file() else "-"}


def viewer_members() -> dict[str, str]:
    """model-viewer's bundle for the widget's 3D view (``make viewer``), like Redoc's."""
    name = "chalicelib/widget/viewer/model-viewer.min.js"
    bundle = ROOT / name
    return {name: hashlib.sha256(bundle.read_bytes()).hexdigest() if bundle.is_file() else "-"}


def _verify(zip_path: Path, report_path: Path) -> list[str]:
    architecture = resources.LAMBDA_ARCHITECTURE
    from deploy import npm_fonts

    pins = pinned_requirements(ROOT / "requirements.txt")
    report = check_zip(
        zip_path,
        architecture,
        pins,
        {**npm_fonts.zip_members(), **apidocs_members(), **viewer_members()},
    )
    summary = {
        "architecture": architecture,
        "zipped_mb": round(report.zipped_bytes / 2**20, 1),
        "unzipped_mb": round(report.unzipped_bytes / 2**20, 1),
        "unzipped_limit_mb": LAMBDA_UNZIPPED_LIMIT // 2**20,
        "native_files": report.native_files,
        "problems": report.problems,
    }
    report_path.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))
    return report.problems


def main_check(zip_path: Path) -> int:
    problems = _verify(zip_path, zip_path.with_name("package-report.json"))
    return 1 if problems else 0
