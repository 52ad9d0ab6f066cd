"""The example stacks rendered once (Terraform and Pulumi) for the Pulumi tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import default_catalog
from infra.pipeline import resolve_paths
from infra.render import render_stacks
from infra.resolve import ResolvedStack
from tests.conftest import ROOT

EXAMPLE_STACKS = ("chat-serving", "embeddings", "llm-train", "research-sandbox")
PULUMI_PACKAGES = ("pulumi", "pulumi_aws", "pulumi_azure_native", "pulumi_alicloud")
# What users set with `pulumi config set` (the _dr roots' variables without a default, and the
# Azure DNS zone so that the failover names get their CNAMEs); the rest keep their defaults.
DR_CONFIG = {
    "dr_aws_dns_zone_id": "Z0123456789EXAMPLE",
    "dr_alicloud_dns_zone_name": "example.com",
    "dr_azure_dns_zone": {"name": "example.com", "resource_group_name": "dns-rg"},
}


@pytest.fixture(scope="session")
def example_stacks() -> dict[str, ResolvedStack]:
    resolution = resolve_paths([str(ROOT / "stacks")])
    assert resolution.ok, resolution.problems
    stacks = {s.name: s for s in resolution.stacks}
    assert sorted(stacks) == sorted(EXAMPLE_STACKS), "update EXAMPLE_STACKS with the examples"
    return stacks


@pytest.fixture(scope="session")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, example_stacks: dict[str, ResolvedStack]
) -> Path:
    """``infra render stacks/ --target terraform --target pulumi`` into a temporary directory."""
    out = tmp_path_factory.mktemp("render") / "out"
    render_stacks(list(example_stacks.values()), out, ["terraform", "pulumi"], default_catalog())
    return out


def stack_json(rendered: Path, stack: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((rendered / "pulumi" / stack / "stack.json").read_text())
    return data


def require_pulumi() -> None:
    """Skip (with the reason) unless Pulumi and the three provider packages import."""
    for package in PULUMI_PACKAGES:
        pytest.importorskip(
            package, reason=f"{package} is not installed: pip install 'infra[pulumi]'"
        )


@pytest.fixture(scope="session")
def programs(rendered: Path) -> dict[str, Any]:
    """Each example's rendered Pulumi project run under Pulumi's mocks, once per session."""
    require_pulumi()
    from tests.pulumi.mocks import run_rendered_project

    return {
        stack: run_rendered_project(
            rendered / "pulumi" / stack, stack_json(rendered, stack)["environment"], DR_CONFIG
        )
        for stack in EXAMPLE_STACKS
    }


def pytest_configure(config: pytest.Config) -> None:
    # The provider packages warn, on import of a submodule, about deprecated resources defined
    # there (s3.BucketV2, vpc.Subnet...) whether a program uses them or not; these components
    # use none of them.
    for package in ("pulumi_aws", "pulumi_alicloud", "pulumi_azure_native"):
        config.addinivalue_line("filterwarnings", f"ignore::DeprecationWarning:{package}")
