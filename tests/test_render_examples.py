"""Rendering the example stacks: golden files, determinism, fmt and parse checks."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from infra.assets import modules_dir
from tests.conftest import ROOT, run_cli
from tools.update_golden import GOLDEN, render_example

EXAMPLES = sorted((ROOT / "stacks").glob("*.py"))


def files_of(tree: Path) -> dict[str, bytes]:
    return {
        p.relative_to(tree).as_posix(): p.read_bytes()
        for p in sorted(tree.rglob("*"))
        if p.is_file() and not p.relative_to(tree).as_posix().startswith("modules/")
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("examples")
    outs = {}
    for example in EXAMPLES:
        render_example(example, base / example.stem)
        outs[example.stem] = base / example.stem
    return outs


@pytest.mark.parametrize("example", [e.stem for e in EXAMPLES])
def test_matches_golden(example: str, rendered: dict[str, Path]) -> None:
    actual = files_of(rendered[example])
    expected = files_of(GOLDEN / example)
    hint = "run `make golden` and review the diff"
    assert sorted(actual) == sorted(expected), f"file set differs from golden ({hint})"
    for path, data in actual.items():
        if data != expected[path]:
            diff = "".join(
                difflib.unified_diff(
                    expected[path].decode().splitlines(True),
                    data.decode().splitlines(True),
                    f"golden/{path}",
                    f"rendered/{path}",
                    n=2,
                )
            )
            pytest.fail(f"{path} differs from golden ({hint}):\n{diff[:4000]}")


def test_module_copies_equal_the_source(rendered: dict[str, Path]) -> None:
    for out in rendered.values():
        for copy in (out / "modules").rglob("*"):
            if copy.is_file():
                source = modules_dir() / copy.relative_to(out / "modules")
                assert copy.read_bytes() == source.read_bytes(), copy


def test_manifest_lists_every_file_with_its_hash(rendered: dict[str, Path]) -> None:
    import hashlib

    for out in rendered.values():
        manifest = json.loads((out / "manifest.json").read_text())
        on_disk = {
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file() and p.name != "manifest.json"
        }
        assert set(manifest["files"]) == on_disk
        for path, digest in manifest["files"].items():
            assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest
        order = manifest["apply_order"]
        assert order[0].endswith("/_global")
        assert sorted(order) == sorted(r["path"] for r in manifest["roots"])


def test_every_terraform_file_parses_with_python_hcl2(rendered: dict[str, Path]) -> None:
    count = 0
    for out in rendered.values():
        for tf in out.rglob("*.tf"):
            hcl2.loads(tf.read_text())
            count += 1
    assert count > 20


def test_rendered_terraform_is_fmt_clean(
    terraform: tuple[str, ...], rendered: dict[str, Path]
) -> None:
    from infra.terraform.binary import terraform_env

    for out in rendered.values():
        result = subprocess.run(
            [*terraform, "fmt", "-check", "-recursive", "-diff", str(out)],
            capture_output=True,
            text=True,
            env=terraform_env(),
            check=False,
            timeout=300,
        )
        # fmt -check exits 3 when a file would change and 2 on a syntax error: only 0 passes.
        assert result.returncode == 0, result.stdout + result.stderr


def test_render_is_identical_across_hash_seeds_and_directories(tmp_path: Path) -> None:
    outs = []
    for seed, name in (("1", "a"), ("4242", "b")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = tmp_path / name / "deep" / "build"
        subprocess.run(
            [sys.executable, "-m", "infra", "render", str(ROOT / "stacks"), "-o", str(out)],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        outs.append(out)
    first = {p.relative_to(outs[0]): p.read_bytes() for p in outs[0].rglob("*") if p.is_file()}
    second = {p.relative_to(outs[1]): p.read_bytes() for p in outs[1].rglob("*") if p.is_file()}
    assert first == second


def test_cli_render_json_and_bad_output_path(tmp_path: Path) -> None:
    out = tmp_path / "build"
    result = run_cli("render", "stacks/minimal.py", "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert "terraform/research-sandbox/use1/main.tf" in document["manifest"]["files"]
    (tmp_path / "file").write_text("x")
    bad = run_cli("render", "stacks/minimal.py", "-o", str(tmp_path / "file"))
    assert bad.returncode == 1
    assert bad.stderr.strip().endswith(
        "output path is a file (allowed: a directory, new or existing)"
    )
    assert "Traceback" not in bad.stderr
    assert (tmp_path / "file").read_text() == "x"


def test_invalid_stack_renders_nothing(tmp_path: Path) -> None:
    out = tmp_path / "build"
    result = run_cli("render", "tests/bad_stacks/gpu_unknown.py", "-o", str(out))
    assert result.returncode == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
