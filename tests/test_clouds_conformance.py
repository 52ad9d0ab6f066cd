"""Every registered cloud supplies every capability, and no code outside a cloud's package is
keyed by its name.

Adding a cloud means adding its package ``infra/clouds/<cloud>/`` (listed in the registry), its
modules and its catalog and timing data; this test says what is missing.
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
from infra.clouds.dr_inputs import DnsRecord, DrCluster, StandbyPools
from infra.dr.timing import default_timing
from tests.conftest import ROOT

INFRA = ROOT / "infra"
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
# What each cloud's package holds (infra/clouds/<cloud>/<name>.py): see infra/clouds/aws/__init__.py.
PACKAGE_MODULES = (
    "cloud",
    "naming",
    "dr_inputs",
    "cluster",
    "disaster_recovery",
    "drill",
    "sync",
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
    from infra.clouds.component import CloudComponents

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


def _cloud_keyed(path: Path) -> list[tuple[str, str]]:
    """Places in a file that name a cloud in code (string literals equal to a cloud's name),
    with the name."""
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
        (f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}", node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in CLOUDS and id(node) not in docstrings
    ]


def test_no_code_outside_a_clouds_package_is_keyed_by_its_name() -> None:
    found: list[str] = []
    for path in sorted(INFRA.rglob("*.py")):
        parts = path.relative_to(INFRA).parts
        own = parts[1] if len(parts) > 2 and parts[0] == "clouds" else None
        found += [place for place, name in _cloud_keyed(path) if name != own]
    assert not found, "cloud names in code outside their cloud's package:\n" + "\n".join(found)


@clouds
def test_the_package_holds_everything_the_cloud_means(cloud: Cloud) -> None:
    package = INFRA / "clouds" / cloud.name
    for module in PACKAGE_MODULES:
        assert (package / f"{module}.py").is_file(), f"infra/clouds/{cloud.name}/{module}.py"
    assert type(cloud).__module__ == f"infra.clouds.{cloud.name}.cloud"
    assert cloud.pulumi_components == f"infra.clouds.{cloud.name}.cluster"
    assert cloud.pulumi_dr_component == f"infra.clouds.{cloud.name}.disaster_recovery"
    assert type(cloud.dr_inputs).__module__ == f"infra.clouds.{cloud.name}.dr_inputs"
    assert type(cloud.checkpoint_sync()).__module__ == f"infra.clouds.{cloud.name}.sync"
    assert cloud.drill_adapter_path.startswith(f"infra.clouds.{cloud.name}.drill:")
    adapter = cloud.drill_adapter("http://127.0.0.1:9")
    assert adapter.cloud == cloud.name
    adapter.close()


@clouds
def test_a_clouds_package_imports_no_other_cloud(cloud: Cloud) -> None:
    others = {f"infra.clouds.{name}" for name in CLOUDS if name != cloud.name}
    for path in sorted((INFRA / "clouds" / cloud.name).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = node.module
            elif isinstance(node, ast.Import):
                imported = " ".join(alias.name for alias in node.names)
            else:
                continue
            assert not any(imported.startswith(o) for o in others), f"{path}: {imported}"


@clouds
def test_dr_inputs_name_the_stores_the_cluster_roots_create(cloud: Cloud) -> None:
    inputs = cloud.cluster_inputs("llm", "ml-platform", "use1", {})
    source = DrCluster("use1", cloud.resource_name("llm", "use1"), "r1", inputs)
    target_inputs = cloud.cluster_inputs("llm", "ml-platform", "use2", {})
    target = DrCluster("use2", cloud.resource_name("llm", "use2"), "r2", target_inputs)
    pair = cloud.dr_inputs.pair_input(source, target)
    stores = {v for v in (*inputs.values(), *target_inputs.values()) if isinstance(v, str)}
    assert stores, "the cluster module takes no store name"
    assert stores <= {v for v in pair.values() if isinstance(v, str)}, pair
    record = cloud.dr_inputs.record_input(
        "ml-platform", "llm", DnsRecord("use1", "llm-use1", ("use1", "use2"))
    )
    assert record["name"] == "llm-use1" and record["targets"] == ["use1", "use2"]
    standby = cloud.dr_inputs.standby_inputs(
        [StandbyPools(target, ("h100",), (cloud.node_pool_name(target.resource, "h100"),))]
    )
    assert standby and all(standby.values()), standby
    variables = {**cloud.dr_inputs.zone_variables(), **cloud.dr_inputs.alarm_variables("r1")}
    assert variables and all(v.name.startswith(f"dr_{cloud.name}_") for v in variables.values())
