"""Every registered cloud supplies every capability, and no code outside the clouds is keyed by
cloud name (except the per-cloud files still waiting to move into their cloud's package).

Adding a cloud means adding its class to ``infra/clouds/``, its modules, its catalog and timing
data and its Pulumi components; this test says what is missing.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import tomllib
from pathlib import Path

import pytest

from infra.catalog import default_catalog
from infra.clouds import CLOUDS, Cloud
from infra.dr.timing import default_timing
from tests.conftest import ROOT

INFRA = ROOT / "infra"
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
# Per-cloud code that still lives outside infra/clouds/ (one file per cloud, or one class per
# cloud in a shared file). Each is dispatched through the cloud registry; moving them into
# infra/clouds/<cloud>/ is the rest of the redesign. The list may only shrink.
NOT_YET_IN_A_CLOUD_PACKAGE = frozenset(
    {
        "infra/dr/terraform.py",
        "infra/pulumi/alicloud.py",
        "infra/pulumi/aws.py",
        "infra/pulumi/azure.py",
        "infra/pulumi/dr_alicloud.py",
        "infra/pulumi/dr_aws.py",
        "infra/pulumi/dr_azure.py",
    }
)

clouds = pytest.mark.parametrize("cloud", sorted(CLOUDS.values(), key=str), ids=str)


def test_the_registry_lists_each_cloud_once_by_its_name() -> None:
    assert sorted(CLOUDS) == ["alicloud", "aws", "azure"]
    for name, cloud in CLOUDS.items():
        assert isinstance(cloud, Cloud) and cloud.name == name


@clouds
def test_modules_are_present(cloud: Cloud) -> None:
    for module in (cloud.cluster_module, cloud.state_module, cloud.dr_module):
        for name in MODULE_FILES:
            assert (ROOT / "modules" / module / name).is_file(), f"modules/{module}/{name}"


@clouds
def test_catalog_and_timing_data_are_present(cloud: Cloud) -> None:
    catalog = default_catalog()
    assert cloud.name in catalog.clouds
    regions = catalog.regions(cloud.name)
    assert regions, f"no regions in {cloud.name}.csv"
    assert any(o.gpu for o in catalog.find(cloud=cloud.name)), "no GPU types"
    assert any(not o.gpu for o in catalog.find(cloud=cloud.name)), "no system-pool types"
    assert all(catalog.zones_of(cloud.name, r) for r in regions), f"{cloud.name}_zones.csv"
    assert catalog.kubernetes_versions(cloud.name), f"{cloud.name}_kubernetes.csv"
    timing = default_timing().for_cloud(cloud.name)
    assert timing.traffic_seconds > 0


@clouds
def test_pulumi_components_are_present(cloud: Cloud) -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["pulumi"]
    assert cloud.pulumi_requirement in extra, "pyproject's pulumi extra must carry the same pin"
    for module in (cloud.pulumi_components, cloud.pulumi_dr_component):
        assert importlib.util.find_spec(module) is not None, module
    if importlib.util.find_spec("pulumi") is None:
        pytest.skip("the pulumi extra is not installed: the components cannot be imported")
    from infra.pulumi.component import CloudComponents

    assert isinstance(importlib.import_module(cloud.pulumi_components).COMPONENTS, CloudComponents)
    assert callable(importlib.import_module(cloud.pulumi_dr_component).COMPONENT)


@clouds
def test_naming_rules_are_exercised(cloud: Cloud) -> None:
    assert cloud.pool_name_problem("system") is None
    assert cloud.pool_name_problem("h100") is None
    for bad in ("", "Bad_Name", "system\n", "-x", "x" * 64):
        problem = cloud.pool_name_problem(bad)
        assert problem and repr(bad) in problem, bad
    assert cloud.tag_problem("team", "ml-infra") is None
    assert cloud.node_pool_name("llm-train-use1", "h100").endswith("h100")
    low, high = cloud.network_prefix_range
    assert 8 <= low <= high <= 28
    assert 1 <= cloud.min_zones <= cloud.default_zone_count <= cloud.max_zones
    assert cloud.title and cloud.kubernetes_service and cloud.rdma_name and cloud.dns_service


def _cloud_keyed(path: Path) -> list[str]:
    """Places in a file that name a cloud in code: string literals equal to a cloud's name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in CLOUDS and id(node) not in docstrings
    ]


def test_no_code_outside_the_clouds_is_keyed_by_cloud_name() -> None:
    found: list[str] = []
    for path in sorted(INFRA.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("infra/clouds/") or relative in NOT_YET_IN_A_CLOUD_PACKAGE:
            continue
        found += _cloud_keyed(path)
    assert not found, "cloud names in code outside infra/clouds/:\n" + "\n".join(found)


def test_the_files_not_yet_moved_still_exist() -> None:
    # When one moves into its cloud's package, take it off the list.
    for relative in NOT_YET_IN_A_CLOUD_PACKAGE:
        assert (ROOT / relative).is_file(), f"{relative} moved: remove it from the list"
