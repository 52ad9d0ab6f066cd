"""The runbook is the drill, for people: every name a drill call acts on is in the runbook
command of the same step, for every outage of every example stack (issue: the runbook's wait
step used to select nodes by infra's pool name, not the node group's)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import default_catalog
from infra.clouds import CLOUDS
from infra.deploy import deploy_plan
from infra.dr.outages import all_outages
from infra.dr.plan import plan_outage
from infra.drill.api import Ref
from infra.drill.steps import drill_steps
from infra.pipeline import resolve_paths

ROOT = Path(__file__).resolve().parents[2]
STACKS = resolve_paths([str(ROOT / "stacks")]).stacks
# Parameters that are not names of what the render created: API enums, prefixes, SDK options.
NOT_NAMES = {"ExternalEndpoints", "checkpoints/", "RegionId", "GEO", "FAILOVER", "AUTO"}


def _names(params: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in params.items():
        if isinstance(value, str) and value not in NOT_NAMES and len(value) > 2:
            yield key, value
        elif isinstance(value, Ref) and value.kind != "route53-health-check":
            # Found at run time by the names it is made of; the runbook says how to find it.
            for part in value.name.split("/"):
                yield key, part
        # A Route 53 health check is found by its Name tag in the drill and from the failover
        # record that uses it in the runbook: tests/drill/test_aws_drill.py proves both lookups
        # give the same id.


def _cases() -> Iterator[Any]:
    catalog = default_catalog()
    for stack in STACKS:
        if stack.dr is None:
            continue
        deployed = deploy_plan(stack, catalog)
        adapters = {
            name: cloud.drill_adapter("http://127.0.0.1:9") for name, cloud in CLOUDS.items()
        }
        for outage in all_outages(stack, "cloud"):
            plan = plan_outage(stack, outage, catalog)
            for step in drill_steps(plan, deployed, adapters):
                if step.kind in {"verify"}:
                    continue  # reads back what traffic and wait did
                yield pytest.param(step, id=f"{stack.name}-{outage.slug}-{step.id}")


@pytest.mark.parametrize("step", list(_cases()))
def test_every_name_a_drill_call_uses_is_in_the_runbook_step(step: Any) -> None:
    text = "\n".join(step.commands).lower()
    missing = [
        f"{op.call.describe()}: {key}={value!r}"
        for op in step.ops
        for key, value in _names(op.call.params)
        if value.lower() not in text
    ]
    assert not missing, f"{step.id}: not in the runbook commands:\n" + "\n".join(
        [*missing, "runbook:", *step.commands]
    )
