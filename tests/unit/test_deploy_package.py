"""The package checker refuses what would break on Lambda: dropped, local or foreign builds."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from chalicelib import resources
from deploy import package

ELF_AARCH64 = b"\x7fELF\x02\x01\x01" + bytes(11) + (183).to_bytes(2, "little")
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + bytes(11) + (62).to_bytes(2, "little")
NATIVE = {
    "numpy/_core/_multiarray_umath.cpython-311-aarch64-linux-gnu.so": "numpy-2.2.6",
    "PIL/_imaging.cpython-311-aarch64-linux-gnu.so": "pillow-12.2.0",
    "pydantic_core/_pydantic_core.cpython-311-aarch64-linux-gnu.so": "pydantic_core-2.50.5",
    "regex/_regex.cpython-311-aarch64-linux-gnu.so": "regex-2026.11.19",
    "resvg_py/resvg_py.abi3.so": "resvg_py-0.5.0",
    "_cffi_backend.cpython-311-aarch64-linux-gnu.so": "cffi-2.1.1",
}
PINS = {
    "numpy": "2.2.6",
    "pillow": "12.2.0",
    "pydantic_core": "2.50.5",
    "regex": "2026.11.19",
    "resvg_py": "0.5.0",
    "cffi": "2.1.1",
    "font_lato": "0.1.0",
}


def wheel(tag: str) -> str:
    return f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-{tag}\n"


def build_zip(
    tmp_path: Path, *, skip: str = "", elf: bytes = ELF_AARCH64, tag: str = "manylinux2014_aarch64"
) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, dist in NATIVE.items():
            if dist.startswith(skip) and skip:
                continue
            z.writestr(name, elf + b"rest")
            z.writestr(f"{dist}.dist-info/WHEEL", wheel(tag))
        z.writestr("font_lato-0.1.0.dist-info/WHEEL", "Root-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("app.py", "")
    return path


def test_a_complete_manylinux_package_passes(tmp_path: Path) -> None:
    report = package.check_zip(build_zip(tmp_path), "arm64", PINS)
    assert report.problems == []
    assert report.native_files == len(NATIVE)


def test_a_dropped_package_fails(tmp_path: Path) -> None:
    problems = package.check_zip(build_zip(tmp_path, skip="numpy"), "arm64", PINS).problems
    assert "numpy==2.2.6 is not in the package (found None)" in problems
    assert "numpy: native module missing for aarch64" in problems


def test_a_locally_built_wheel_fails(tmp_path: Path) -> None:
    problems = package.check_zip(build_zip(tmp_path, tag="linux_aarch64"), "arm64", PINS).problems
    assert any("pillow-12.2.0.dist-info" in p and "do not load on Lambda" in p for p in problems)


def test_a_wheel_needing_a_newer_glibc_than_the_runtime_fails(tmp_path: Path) -> None:
    problems = package.check_zip(
        build_zip(tmp_path, tag="manylinux_2_28_aarch64"), "arm64", PINS
    ).problems
    assert len([p for p in problems if "do not load on Lambda" in p]) == len(NATIVE)


def test_native_code_for_another_architecture_fails(tmp_path: Path) -> None:
    problems = package.check_zip(build_zip(tmp_path, elf=ELF_X86_64), "arm64", PINS).problems
    assert len([p for p in problems if "not built for arm64" in p]) == len(NATIVE)


def test_a_package_over_lambdas_unzipped_limit_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(package, "LAMBDA_UNZIPPED_LIMIT", 100)
    problems = package.check_zip(build_zip(tmp_path), "arm64", PINS).problems
    assert any("over Lambda's 250 MB" in p for p in problems)


def test_requirements_pins_are_read_with_normalized_names(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# c\nPillow==12.2.0\nfont-lato==0.1.0  # fonts\nmoto[server]==5.2.5\n")
    assert package.pinned_requirements(req) == {
        "pillow": "12.2.0",
        "font_lato": "0.1.0",
        "moto": "5.2.5",
    }


@pytest.mark.parametrize("stage", sorted(resources.LOG_LEVELS))
def test_merge_template_throttles_the_stage_and_reports_batch_failures(stage: str) -> None:
    merged = package.merge_template(stage)["Resources"]
    (setting,) = merged["RestAPI"]["Properties"]["MethodSettings"]
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == package.THROTTLING[
        stage
    ]
    assert setting["ResourcePath"] == "/*" and setting["HttpMethod"] == "*"
    for queue in resources.QUEUES:
        fn = package.cfn_name(queue.consumer)
        event = merged[fn]["Properties"]["Events"][f"{fn}SqsEventSource"]["Properties"]
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert event["ScalingConfig"] == {"MaximumConcurrency": queue.consumer_concurrency}
    json.dumps(merged)


def test_the_pinned_native_dependencies_have_lambda_wheels() -> None:
    """numpy and Pillow stay on the last releases with manylinux2014 cp311 wheels."""
    pins = package.pinned_requirements(package.ROOT / "requirements.txt")
    assert pins["numpy"] == "2.2.6" and pins["pillow"] == "12.2.0"


def test_npm_fonts_must_be_zipped_with_their_pinned_bytes_and_count_in_the_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    font = b"\x00\x01\x00\x00 a font"
    name = "chalicelib/npm_font_files/Amiri_400Regular.ttf"
    pinned = {name: hashlib.sha256(font).hexdigest()}
    path = build_zip(tmp_path)
    missing = f"{name}: missing (run python -m deploy fonts before packaging)"
    assert package.check_zip(path, "arm64", PINS, pinned).problems == [missing]
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(name, font)
    assert package.check_zip(path, "arm64", PINS, pinned).problems == []
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("chalicelib/npm_font_files/Rubik_400Regular.ttf", font)
    other = {**pinned, "chalicelib/npm_font_files/Rubik_400Regular.ttf": "0" * 64}
    assert package.check_zip(path, "arm64", PINS, other).problems == [
        "chalicelib/npm_font_files/Rubik_400Regular.ttf: sha256 differs from the pinned one"
    ]
    monkeypatch.setattr(package, "LAMBDA_UNZIPPED_LIMIT", 2 * len(font))  # fonts are counted
    assert any("over Lambda" in p for p in package.check_zip(path, "arm64", PINS, pinned).problems)
