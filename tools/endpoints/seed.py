"""The neutral seed the local endpoints start from, built from a stack's deploy plan.

Every cluster of the stack with its node pools as rendered (standby pools at their rendered
sizes), every DNS record the DR modules render (one per cluster with a failover entry, its
targets in failover order), the instance types offered where the pools run (zones from the
catalog) and a quota per instance type with room for every pool at its maximum. Each local
endpoint (``tools/endpoints/<cloud>.py``) takes the entries of its cloud; tests change them to
drive the seams (a type not offered, a full quota).
"""

from __future__ import annotations

from typing import Any

from infra.catalog import default_catalog
from infra.deploy import deploy_plan
from infra.dr.timing import default_timing
from infra.resolve import ResolvedStack


def seed_of(stack: ResolvedStack) -> dict[str, Any]:
    """The seed of ``stack`` (see the module docstring)."""
    catalog = default_catalog()
    timing = default_timing()
    plan = deploy_plan(stack, catalog)
    clusters = []
    offers: dict[tuple[str, str, str], dict[str, Any]] = {}
    quotas: dict[tuple[str, str, str], dict[str, Any]] = {}
    for cluster in plan.clusters:
        cloud = cluster.cloud
        zones = list(catalog.zones_of(cloud.name, cluster.region))
        pools = []
        for pool in cluster.resolved.pools:
            offer = pool.offer
            pools.append(
                {
                    "pool": pool.name,
                    "node_pool": cloud.node_pool_name(cluster.resource, pool.name),
                    "instance_type": pool.instance_type,
                    "min": pool.min_nodes,
                    "desired": pool.desired_nodes,
                    "max": pool.max_nodes,
                    "autoscaling": pool.min_nodes != pool.max_nodes,
                    "standby": pool.standby,
                    "boot_seconds": timing.for_cloud(cloud.name).nodes_ready_seconds(offer),
                    "vcpus": offer.vcpus,
                }
            )
            key = (cloud.name, cluster.region, pool.instance_type)
            offers[key] = {
                "cloud": cloud.name,
                "region": cluster.region,
                "instance_type": pool.instance_type,
                "zones": zones,
                "vcpus": offer.vcpus,
            }
            quota = quotas.setdefault(
                key,
                {
                    "cloud": cloud.name,
                    "region": cluster.region,
                    "instance_type": pool.instance_type,
                    "limit": 0,
                    "used": 0,
                },
            )
            quota["limit"] += pool.max_nodes * offer.vcpus
            quota["used"] += pool.desired_nodes * offer.vcpus
        clusters.append(
            {
                "cloud": cloud.name,
                "cluster": cluster.name,
                "resource": cluster.resource,
                "region": cluster.region,
                "pools": pools,
            }
        )
    dns = []
    failover = stack.dr.failover if stack.dr else {}
    for name, targets in failover.items():
        source = plan.cluster(name)
        dns.append(
            {
                "cloud": source.cloud.name,
                "record": source.resource,
                "source": name,
                "region": source.region,
                "home_region": plan.home_regions[source.cloud.name],
                "targets": {t: plan.cluster(t).resource for t in targets},
            }
        )
    return {
        "stack": stack.name,
        "owner": stack.owner,
        "clusters": clusters,
        "dns": dns,
        "offers": list(offers.values()),
        "quotas": list(quotas.values()),
    }
