"""``pip install`` of a real wheel (not editable) renders exactly what the checkout renders.

The wheel is built the way a release is: an sdist from a copy of this working tree (with
Terraform and Python junk planted in it), then a wheel from that sdist, so MANIFEST.in and
setup.py's asset copy are both exercised. It is installed with ``--no-deps`` into a fresh venv
that sees nothing of this checkout; its declared dependencies (pydantic, jinja2 and theirs) are
this venv's own copies, linked one by one into a folder the new venv reads through a ``.pth``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from infra import __version__
from infra.pulumi.emit import REQUIREMENT_ENV
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# Not part of what a user builds from (or too big to copy for nothing).
_SKIPPED_AT_TOP = {".git", ".venv", ".tools", "build", "dist", "tests"}
_SKIPPED_ANYWHERE = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"
)
# Planted into the copy: none of it may ship.
JUNK = (
    "modules/aws-gpu-cluster/.terraform/providers/registry.terraform.io/hashicorp/aws/provider",
    "modules/aws-gpu-cluster/.terraform.lock.hcl",
    "modules/aws-gpu-cluster/terraform.tfstate",
    "modules/dr-aws/terraform.tfstate.backup",
    "templates/__pycache__/stale.cpython-311.pyc",
)
_JUNK_NAME = re.compile(r"(^|/)(\.terraform(/|$)|\.terraform\.lock\.hcl$|__pycache__/|.*\.tfstate)")
# The environment of every command: nothing that points into this checkout or changes a render.
_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"INFRA_CATALOG_DIR", REQUIREMENT_ENV, "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
}
_ENV["PYTHONNOUSERSITE"] = "1"


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    venv: Path
    site_packages: Path
    work: Path  # outside the checkout, holding stacks/ (copies of the examples)


def _run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}{result.stderr}"
    return result


def _copy_source(target: Path) -> None:
    target.mkdir()
    for entry in sorted(ROOT.iterdir()):
        if entry.name in _SKIPPED_AT_TOP or entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=_SKIPPED_ANYWHERE, symlinks=True)
        else:
            shutil.copy2(entry, target / entry.name)
    for junk in JUNK:
        (target / junk).parent.mkdir(parents=True, exist_ok=True)
        (target / junk).write_text("must not ship\n")


def _dependency_closure(names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need, transitively (extras and markers honoured)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found[name] = distribution = metadata.distribution(name)
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return [found[name] for name in sorted(found)]


def _link_dependencies(into: Path) -> list[str]:
    """Symlink the top-level entries (packages, modules, dist-info) of infra's dependencies."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    into.mkdir()
    names = []
    for distribution in _dependency_closure(Requirement(d).name for d in declared):
        names.append(distribution.metadata["Name"])
        tops = {f.parts[0] for f in distribution.files or () if f.parts[0] != ".."}
        assert tops, f"{distribution.metadata['Name']} lists no files"
        for top in sorted(tops):
            source = Path(str(distribution.locate_file(top)))
            if source.exists() and not (into / top).exists():
                (into / top).symlink_to(source)
    return names


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    needed = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    have = Version(metadata.version("setuptools"))
    for line in needed:
        requirement = Requirement(line)
        if (
            canonicalize_name(requirement.name) == "setuptools"
            and have not in requirement.specifier
        ):
            pytest.fail(
                f"this venv's setuptools {have} cannot build infra ({line}): make venv, or "
                "pip install -e '.[dev]', installs the dev extra that brings it"
            )
    base = tmp_path_factory.mktemp("wheel")
    assert not base.is_relative_to(ROOT)

    # A release's path: an sdist of the source, then the wheel from the sdist.
    source = base / "source"
    _copy_source(source)
    dist = base / "dist"
    script = (
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    )
    name = _run(sys.executable, "-c", script, dist, cwd=source).stdout.strip().splitlines()[-1]
    sdist = dist / name
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            archive.extractall(base / "unpacked", filter="data")
        else:
            archive.extractall(base / "unpacked")  # our own sdist
    wheels = base / "wheels"
    _run(
        sys.executable,
        *("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"),
        *("-w", wheels, base / "unpacked" / f"infra-{__version__}"),
        cwd=base,
    )
    (wheel,) = wheels.glob("infra-*.whl")

    # A fresh venv: the wheel, and links to this venv's copies of infra's dependencies only.
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        *("-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel),
        cwd=base,
    )
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run(python, "-c", code, cwd=base).stdout.strip())
    deps = base / "deps"
    linked = _link_dependencies(deps)
    assert {"pydantic", "jinja2"} <= {canonicalize_name(n) for n in linked}
    assert not [p for p in deps.iterdir() if p.name.split("-")[0].split(".")[0] == "infra"]
    (site_packages / "infra_test_dependencies.pth").write_text(f"{deps}\n")

    work = base / "work"
    (work / "stacks").mkdir(parents=True)
    for example in sorted((ROOT / "stacks").glob("*.py")):
        shutil.copy2(example, work / "stacks" / example.name)
    return Built(sdist, wheel, venv, site_packages, work)


def test_sdist_carries_modules_and_templates_without_junk(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        names = [n.split("/", 1)[1] for n in archive.getnames() if "/" in n]
    for module in sorted(p.name for p in (ROOT / "modules").iterdir() if p.is_dir()):
        assert f"modules/{module}/main.tf" in names, module
    assert "templates/runbook.md.j2" in names and "templates/pulumi/Pulumi.yaml.j2" in names
    assert {"LICENSE", "CHANGELOG.md", "MANIFEST.in", "setup.py"} <= set(names)
    assert not [n for n in names if _JUNK_NAME.search(n)]


def test_wheel_ships_assets_inside_the_package_and_its_license(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        names = archive.namelist()
        license_text = archive.read(f"infra-{__version__}.dist-info/licenses/LICENSE")
    shipped = {n.removeprefix("infra/_modules/") for n in names if n.startswith("infra/_modules/")}
    expected = {
        p.relative_to(ROOT / "modules").as_posix()
        for p in (ROOT / "modules").rglob("*")
        if p.is_file() and not _JUNK_NAME.search(p.relative_to(ROOT).as_posix())
    }
    assert shipped == expected
    templates = {n for n in names if n.startswith("infra/_templates/")}
    assert {"infra/_templates/runbook.md.j2", "infra/_templates/pulumi/__main__.py.j2"} <= templates
    assert not [n for n in names if _JUNK_NAME.search(n)]
    assert not [n for n in names if n.startswith(("modules/", "templates/"))]
    assert license_text == (ROOT / "LICENSE").read_bytes()
    assert b"Apache License" in license_text and b"Version 2.0, January 2004" in license_text


def test_installed_infra_is_the_wheel_not_this_checkout(built: Built) -> None:
    code = (
        "import json, sys, infra, infra.assets as a\n"
        "print(json.dumps({'file': infra.__file__, 'modules': str(a.modules_dir()),"
        " 'templates': str(a.templates_dir()), 'path': sys.path}))\n"
    )
    found = json.loads(_run(built.venv / "bin" / "python", "-c", code, cwd=built.work).stdout)
    package = built.site_packages / "infra"
    assert Path(found["file"]) == package / "__init__.py"
    assert Path(found["modules"]) == package / "_modules"
    assert Path(found["templates"]) == package / "_templates"
    assert not [p for p in found["path"] if p and Path(p).resolve().is_relative_to(ROOT)]


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_installed_render_is_the_checkout_render(built: Built) -> None:
    wheel_out, checkout_out = built.work / "out-wheel", built.work / "out-checkout"
    result = _run(built.venv / "bin" / "infra", "render", "stacks", "-o", wheel_out, cwd=built.work)
    assert "rendered" in result.stdout
    _run(sys.executable, "-m", "infra", "render", "stacks", "-o", checkout_out, cwd=built.work)

    wheel_files, checkout_files = _tree(wheel_out), _tree(checkout_out)
    modules = sorted({p.split("/")[1] for p in wheel_files if p.startswith("modules/")})
    assert {"aws-gpu-cluster", "azure-gpu-cluster", "alicloud-gpu-cluster"} <= set(modules)
    for module in modules:
        assert f"modules/{module}/main.tf" in wheel_files, module
    assert sorted(wheel_files) == sorted(checkout_files)

    # Only requirements.txt depends on the installation (and the manifest, by its hashes).
    def install_specific(path: str) -> bool:
        return path.startswith("pulumi/") and path.endswith("/requirements.txt")

    wheel_manifest = json.loads(wheel_files.pop("manifest.json"))
    checkout_manifest = json.loads(checkout_files.pop("manifest.json"))
    assert set(wheel_manifest["files"]) == set(wheel_files)
    for manifest in (wheel_manifest, checkout_manifest):
        manifest["files"] = {k: v for k, v in manifest["files"].items() if not install_specific(k)}
    assert wheel_manifest == checkout_manifest
    different = sorted(p for p in wheel_files if wheel_files[p] != checkout_files[p])
    assert different and all(install_specific(p) for p in different), different


def test_rendered_requirement_installs_this_very_wheel(built: Built) -> None:
    out = built.work / "out-requirement"
    _run(
        built.venv / "bin" / "infra",
        "render",
        "stacks",
        "-o",
        out,
        "--target",
        "pulumi",
        cwd=built.work,
    )
    digest = hashlib.sha256(built.wheel.read_bytes()).hexdigest()
    line = f"infra @ {built.wheel.as_uri()}#sha256={digest}"
    for requirements in sorted(out.glob("pulumi/*/requirements.txt")):
        lines = requirements.read_text().splitlines()
        assert (
            lines[1]
            == f"# infra {__version__} was installed from this archive (pip checks its sha256)"
        )
        assert lines[2] == line
    # pip reads the line, finds the wheel and checks its hash (no index involved).
    only_infra = built.work / "infra-only.txt"
    only_infra.write_text(f"{line}\n")
    downloads = built.work / "downloads"
    _run(
        sys.executable,
        *("-m", "pip", "download", "--no-deps", "--no-index", "-q", "-d", downloads),
        *("-r", only_infra),
        cwd=built.work,
    )
    assert (downloads / built.wheel.name).read_bytes() == built.wheel.read_bytes()
