"""Module inputs: what a cluster module (Terraform) or component (Pulumi) receives.

One function builds them, so the Terraform roots and the Pulumi program cannot drift apart.
"""

from __future__ import annotations

from infra.access import admin_inputs, cluster_admins
from infra.clouds import CLOUDS
from infra.reservations import reservation_inputs
from infra.resolve import ResolvedCluster, ResolvedPool, ResolvedStack
from infra.values import Value

__all__ = ["cluster_module_inputs", "pool_input", "stack_tags"]


def stack_tags(stack: ResolvedStack, cluster: str | None) -> dict[str, str]:
    """The stack's tags plus the ones infra sets on everything it creates."""
    tags = dict(stack.tags)
    tags.update(
        {
            "environment": stack.environment,
            "managed-by": "infra",
            "owner": stack.owner,
            "infra-stack": stack.name,
        }
    )
    if cluster is not None:
        tags["infra-cluster"] = cluster
    return tags


def pool_input(pool: ResolvedPool) -> dict[str, Value]:
    """One entry of the module's ``node_pools`` map."""
    return {
        "instance_type": pool.instance_type,
        "gpu": pool.gpu,
        "gpus_per_node": pool.offer.whole_gpus,
        "min_nodes": pool.min_nodes,
        "desired_nodes": pool.desired_nodes,
        "max_nodes": pool.max_nodes,
        "rdma": pool.rdma,
        "spot": pool.spot,
        "workload": pool.workload if pool.gpu else "system",
        "labels": dict(pool.labels),
        "taints": [{"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints],
        "standby": pool.standby,
    }


def cluster_module_inputs(stack: ResolvedStack, cluster: ResolvedCluster) -> dict[str, Value]:
    """Everything the cluster module receives; the Pulumi components take the same inputs."""
    cloud = CLOUDS[cluster.cloud]
    pools: dict[str, Value] = {pool.name: pool_input(pool) for pool in cluster.pools}
    inputs: dict[str, Value] = {
        "name": cloud.resource_name(stack.name, cluster.name),
        "region": cluster.region,
        "cidr": cluster.cidr,
        "zones": list(cluster.zones),
        "kubernetes_version": cluster.kubernetes_version,
        "endpoint_public_access": False,
        "tags": stack_tags(stack, cluster.name),
        "node_pools": pools,
    }
    inputs.update(cloud.cluster_inputs(stack.name, stack.owner, cluster.name, pools))
    # Who gets cluster-admin (Cluster.admins), as the cloud's module variables name them.
    inputs.update(admin_inputs(cluster.cloud, cluster_admins(cluster)))
    # Reserved pools (NodePool.reservation), as the cloud's module variables name them.
    inputs.update(reservation_inputs(cluster.cloud, cluster.pools))
    return inputs
