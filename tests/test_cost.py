from __future__ import annotations

import pytest

from infra import Cluster, NodePool, Stack
from infra.catalog import Catalog
from infra.cost import cost_of
from infra.validate import validate_stacks


def test_cost_per_pool_cluster_and_stack(catalog: Catalog) -> None:
    stack = Stack(
        name="s",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="c",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[
                    NodePool(name="h100", gpu="H100", gpus=16),
                    NodePool(name="sys", instance_type="m7i.2xlarge", nodes=3, spot=True),
                ],
            ),
            Cluster(
                name="d",
                cloud="alicloud",
                region="cn-beijing",
                cidr="10.1.0.0/16",
                pools=[
                    NodePool(name="a100", gpu="A100-80GB", gpus=8),
                ],
            ),
        ],
    )
    resolved, problems = validate_stacks([("s.py", stack)], catalog)
    assert problems == []
    (cost,) = cost_of(resolved)
    h100, system, a100 = cost.lines
    assert h100.hourly_usd == pytest.approx(2 * 55.04)
    assert h100.monthly_usd == pytest.approx(2 * 55.04 * 730)
    assert system.estimate and system.hourly_usd == pytest.approx(3 * 0.4032)
    assert a100.hourly_usd is None and not cost.complete
    assert cost.cluster_hourly_usd("c") == pytest.approx(2 * 55.04 + 3 * 0.4032)
    assert cost.hourly_usd == pytest.approx(2 * 55.04 + 3 * 0.4032)
