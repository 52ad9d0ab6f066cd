"""Parity: the Terraform roots and the Pulumi program deploy the same inventory, per example."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

from tests.pulumi.conftest import EXAMPLE_STACKS, require_pulumi, stack_json
from tests.pulumi.inventory import (
    Inventory,
    as_text,
    normalized,
    pulumi_inventory,
    terraform_inventory,
)

CLUSTER_KINDS = ("clusters", "node_pools", "buckets", "admins")
DR_KINDS = ("replication", "dns_records")


def _inventories(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> tuple[Inventory, Inventory]:
    require_pulumi()
    terraform = terraform_inventory(rendered, stack)
    document = stack_json(rendered, stack)
    pulumi = pulumi_inventory(programs[stack], document["clusters"], document["dr"])
    return terraform, pulumi


def _assert_same(stack: str, terraform: Inventory, pulumi: Inventory) -> None:
    if normalized(terraform) != normalized(pulumi):
        diff = "\n".join(
            difflib.unified_diff(
                as_text(terraform).splitlines(),
                as_text(pulumi).splitlines(),
                f"terraform/{stack}",
                f"pulumi/{stack}",
                n=3,
                lineterm="",
            )
        )
        pytest.fail(f"Terraform and Pulumi differ for stack {stack}:\n{diff}")


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_clusters_node_pools_and_buckets(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> None:
    terraform, pulumi = _inventories(stack, rendered, programs)
    assert terraform["node_pools"], "the Terraform side found no node pools: the parser is broken"
    _assert_same(
        stack,
        {k: terraform[k] for k in CLUSTER_KINDS},
        {k: pulumi[k] for k in CLUSTER_KINDS},
    )


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_replication_and_dns_records(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> None:
    terraform, pulumi = _inventories(stack, rendered, programs)
    terraform_dr = {k: terraform[k] for k in DR_KINDS}
    pulumi_dr = {k: pulumi[k] for k in DR_KINDS}
    if stack != "research-sandbox":  # the one example without DR
        assert terraform_dr["dns_records"], "the Terraform side found no DR records: parser broken"
    _assert_same(stack, terraform_dr, pulumi_dr)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_checkpoint_sync_jobs(stack: str, rendered: Path, programs: dict[str, Any]) -> None:
    terraform_sync = terraform_inventory(rendered, stack)["sync"]
    document = stack_json(rendered, stack)
    pulumi_sync = pulumi_inventory(programs[stack], document["clusters"], document["dr"])["sync"]
    if stack != "research-sandbox":  # every example with DR has cross-cloud pairs
        assert terraform_sync, "the Terraform side found no sync jobs: parser or render broken"
    _assert_same(stack, {"sync": terraform_sync}, {"sync": pulumi_sync})


def test_a_difference_is_reported_as_a_readable_diff() -> None:
    before: Inventory = {"node_pools": [{"cluster": "c", "pool": "p", "max_nodes": 4}]}
    after: Inventory = {"node_pools": [{"cluster": "c", "pool": "p", "max_nodes": 8}]}
    with pytest.raises(pytest.fail.Exception) as failure:
        _assert_same("s", before, after)
    message = str(failure.value)
    assert '-   "max_nodes": 4,' in message and '+   "max_nodes": 8,' in message
    assert "--- terraform/s" in message and "+++ pulumi/s" in message
