"""Synthetic stacks for the render, dr check and incremental benchmarks.

``pools`` node pools over 3 clouds and 12 regions (4 each), 50 pools per cluster, 100 clusters
per stack file (a stack per team, as an estate of this size would be split), each cluster failing
over to the next cluster of its cloud in another region. Every pool is an A100-80GB pool: that is
the one GPU model the catalog (infra/catalog/data) offers in all 12 regions below, so the stacks
pass ``infra validate`` as written. Networks are /20s (the smallest prefix all three clouds
allow, ``network_prefix_range``) so that 100 clusters fit in 10.0.0.0/8 without overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The 12 regions: where `infra catalog --gpu A100-80GB` lists an 8-GPU instance type (so a
# standby pool can take an 8-GPU pool), 4 per cloud.
REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"),
    "azure": ("eastus", "eastus2", "swedencentral", "westeurope"),
    "alicloud": ("cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen"),
}
CLOUDS = tuple(REGIONS)
PLACES = tuple((cloud, region) for cloud in CLOUDS for region in REGIONS[cloud])
POOLS_PER_CLUSTER = 50
CLUSTERS_PER_STACK = 100


@dataclass(frozen=True)
class ClusterSpec:
    """One synthetic cluster: where it runs and how many pools it holds."""

    stack: str
    name: str
    cloud: str
    region: str
    cidr: str
    pools: int
    failover: str | None


def cluster_specs(pools: int, per_cluster: int = POOLS_PER_CLUSTER) -> list[ClusterSpec]:
    """The clusters of an estate of ``pools`` pools (the last cluster takes the remainder),
    round-robin over the 12 regions, grouped into stacks of ``CLUSTERS_PER_STACK``."""
    count = max(1, -(-pools // per_cluster))
    sizes = [per_cluster] * (count - 1) + [pools - per_cluster * (count - 1)]
    specs: list[ClusterSpec] = []
    for index, size in enumerate(sizes):
        stack_index, local = divmod(index, CLUSTERS_PER_STACK)
        cloud, region = PLACES[index % len(PLACES)]
        specs.append(
            ClusterSpec(
                stack=f"bench-{stack_index:03d}",
                name=f"c{index:05d}",
                cloud=cloud,
                region=region,
                cidr=f"10.{local // 16}.{(local % 16) * 16}.0/20",
                pools=size,
                failover=None,
            )
        )
    return _with_failover(specs)


def _with_failover(specs: list[ClusterSpec]) -> list[ClusterSpec]:
    """Each cluster fails over to the next cluster of its stack on the same cloud in another
    region (the round-robin makes that the cluster 4 places on, wrapping around)."""
    result: list[ClusterSpec] = []
    for spec in specs:
        peers = [s for s in specs if s.stack == spec.stack and s.cloud == spec.cloud]
        others = [s for s in peers if s.region != spec.region]
        if not others:
            result.append(spec)
            continue
        after = [s for s in others if s.name > spec.name]
        target = (after or others)[0]
        result.append(ClusterSpec(**{**spec.__dict__, "failover": target.name}))
    return result


def pool_source(name: str, gpus: int) -> str:
    return f'NodePool(name="{name}", gpu="A100-80GB", gpus={gpus}, max_gpus={gpus * 2})'


def stack_source(stack: str, specs: list[ClusterSpec], edited: str | None = None) -> str:
    """A stack file's text. ``edited`` names a pool (``cluster/pool``) rendered with 16 GPUs
    instead of 8: the one-pool edit of the incremental benchmark."""
    lines = [
        f'"""Synthetic benchmark stack {stack} (bench/_stacks.py)."""',
        "",
        "from infra import Cluster, DisasterRecovery, NodePool, Stack",
        "",
        "stack = Stack(",
        f'    name="{stack}",',
        '    owner="bench",',
        '    environment="dev",',
        "    clusters=[",
    ]
    for spec in specs:
        lines += [
            "        Cluster(",
            f'            name="{spec.name}", cloud="{spec.cloud}", region="{spec.region}",',
            f'            cidr="{spec.cidr}",',
            f'            gpu_capacity={{"A100-80GB": {spec.pools * 8 * 4}}},',
            "            pools=[",
        ]
        for index in range(spec.pools):
            pool = f"p{index:03d}"
            gpus = 16 if edited == f"{spec.name}/{pool}" else 8
            lines.append(f"                {pool_source(pool, gpus)},")
        lines += ["            ],", "        ),"]
    lines += [
        "    ],",
        "    dr=DisasterRecovery(",
        "        rpo_minutes=15,",
        "        rto_minutes=60,",
    ]
    lines.append("        failover={")
    for spec in specs:
        if spec.failover:
            lines.append(f'            "{spec.name}": ["{spec.failover}"],')
    lines += ["        },", "    ),", ")", ""]
    return "\n".join(lines)


def write_stacks(directory: Path, pools: int, edited: str | None = None) -> list[ClusterSpec]:
    """Write the estate's stack files into ``directory``; returns its clusters."""
    directory.mkdir(parents=True, exist_ok=True)
    specs = cluster_specs(pools)
    stacks = sorted({s.stack for s in specs})
    for stack in stacks:
        members = [s for s in specs if s.stack == stack]
        text = stack_source(stack, members, edited)
        (directory / f"{stack.replace('-', '_')}.py").write_text(text, encoding="utf-8")
    return specs
