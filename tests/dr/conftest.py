"""Helpers for DR tests: small stacks resolved against the test catalog, and a fixed timing model.

The fixed timing model keeps RTO arithmetic in the tests independent of the shipped estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from infra import Cluster, DisasterRecovery, NodePool, Stack
from infra.catalog import Catalog
from infra.dr.timing import TimingModel
from infra.resolve import ResolvedStack
from infra.validate import validate_stacks

# Every cloud: scale 60 s, join 0, GPU ready 60 s, DNS 60 s + 60 s, checks 120 s, verify 300 s.
_ROWS = {
    "scale_api": (60, "seconds"),
    "node_join": (0, "seconds"),
    "gpu_ready": (60, "seconds"),
    "dns_propagation": (60, "seconds"),
    "dns_ttl": (60, "seconds"),
    "health_check_interval": (30, "seconds"),
    "health_check_failures": (3, "count"),
    "replication_check": (120, "seconds"),
    "verify": (300, "seconds"),
}
TIMING_CSV = "cloud,component,value,unit,kind,basis\n" + "".join(
    f"{cloud},{name},{value},{unit},estimate,test value\n"
    for cloud in ("alicloud", "aws", "azure")
    for name, (value, unit) in _ROWS.items()
)


@pytest.fixture(scope="session")
def timing() -> TimingModel:
    """A fixed timing model (see _ROWS)."""
    return TimingModel.parse(TIMING_CSV)


_CIDRS = iter(f"10.{i}.0.0/16" for i in range(1, 250))

ClusterSpec = tuple[str, str, str, Sequence[NodePool], Mapping[str, int]]
MakeStack = Callable[..., ResolvedStack]


def cluster(
    name: str,
    cloud: str,
    region: str,
    pools: Sequence[NodePool] = (),
    capacity: Mapping[str, int] | None = None,
    index: int = 0,
) -> Cluster:
    """A cluster with a CIDR derived from ``index`` (unique within a stack)."""
    return Cluster(
        name=name,
        cloud=cloud,
        region=region,
        cidr=f"10.{index}.0.0/16",
        pools=list(pools),
        gpu_capacity=dict(capacity or {}),
    )


@pytest.fixture
def make_stack(catalog: Catalog) -> MakeStack:
    """``make_stack(clusters=[(name, cloud, region, pools, capacity), ...], failover=..., ...)``
    -> a stack resolved against the test catalog (fails the test on any validation problem)."""

    def build(
        clusters: Sequence[ClusterSpec],
        failover: Mapping[str, Sequence[str]] | None = None,
        *,
        strategy: str = "pilot-light",
        rto: int = 60,
        rpo: int = 15,
        substitution: Mapping[str, Sequence[str]] | None = None,
        name: str = "s",
        stateless: Sequence[str] = (),
        **dr_fields: object,
    ) -> ResolvedStack:
        dr = (
            DisasterRecovery(
                rpo_minutes=rpo,
                rto_minutes=rto,
                strategy=strategy,
                failover={k: list(v) for k, v in failover.items()},
                allow_gpu_substitution={k: list(v) for k, v in (substitution or {}).items()},
                **dr_fields,
            )
            if failover is not None
            else None
        )
        stack = Stack(
            name=name,
            owner="ml",
            environment="prod",
            clusters=[
                cluster(n, c, r, pools, cap, index=i + 1).model_copy(
                    update={"stateless": n in stateless}
                )
                for i, (n, c, r, pools, cap) in enumerate(clusters)
            ],
            dr=dr,
        )
        resolved, problems = validate_stacks([("stacks/s.py", stack)], catalog)
        assert problems == [], [str(p) for p in problems]
        return resolved[0]

    return build


def h100(gpus: int, **extra: object) -> NodePool:
    """An H100 training pool."""
    return NodePool(name="h100", gpu="H100", gpus=gpus, **extra)
