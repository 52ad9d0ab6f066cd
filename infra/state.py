"""Where each Terraform root of a stack keeps its state, so that the state a failover needs
survives the outage the failover answers.

- A **cluster root** keeps its state in a backend in its own cloud region: losing another region
  never takes it, and losing its own region takes the cluster with it.
- The **stack-wide roots** (``_global``: the state backends; ``_dr``: replication, DNS failover,
  alarms) keep theirs in the stack's *state region* (``DisasterRecovery.state_region``, default
  the first cluster's cloud and region), and, with ``state_replica_region``, a replica of it in a
  second region of that cloud: the failover away from the state region applies ``_dr`` there.

A stack has one state backend per cloud region it keeps state in (:func:`state_backends`), all
created by ``_global``. The first one of each cloud, in stack order, keeps the name backends had
when a stack had one per cloud (its *home*), so the state of existing stacks stays where it is;
the others are named after their region (each cloud's ``naming.py``).

Pure and cheap: a function of the stack as the user defined it (no standby pools, no catalog),
for the deploy plan, the validator and the DR planner, which reports the roots whose state an
outage makes unreachable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from infra.clouds import CLOUDS
from infra.model import DisasterRecovery
from infra.resolve import ResolvedStack
from infra.values import Block

__all__ = [
    "DR_ROOT",
    "GLOBAL_ROOT",
    "StateLocation",
    "backend_regions",
    "home_regions",
    "is_home",
    "stack_wide_roots",
    "state_backends",
    "state_locations",
    "state_region",
]

# The stack-wide roots: state backends (applied first), and replication, DNS failover and alarms,
# which act on what the cluster roots create (applied after every one of them).
GLOBAL_ROOT = "_global"
DR_ROOT = "_dr"

Region = tuple[str, str]  # (cloud, region)


@dataclass(frozen=True, slots=True)
class StateLocation:
    """Where a Terraform root keeps its state: the stack's backend in one cloud region."""

    cloud: str
    region: str
    key: str  # "<stack>/<root>.tfstate"
    backend: Block  # the root's ``backend`` block
    # The CLI call that proves the state object is readable there (the runbook's first step).
    read_command: str
    # The same state replicated to a second region (its backend block there), or None.
    replica: StateLocation | None = None


def state_region(clusters: Iterable[Region], dr: DisasterRecovery | None) -> Region | None:
    """(cloud, region) of the stack-wide roots' state: ``dr.state_region``, else the first
    cluster's; None for a stack without clusters."""
    if dr is not None and dr.state_region is not None:
        cloud, _, region = dr.state_region.partition(":")
        return cloud, region
    return next(iter(clusters), None)


def _replica_region(clusters: Iterable[Region], dr: DisasterRecovery | None) -> Region | None:
    """(cloud, region) of the replica of the stack-wide roots' state: ``dr.state_replica_region``;
    by default, for a stack with DR failover, the first other region of the state region's cloud
    that has a cluster (its backend exists anyway), so losing the state region does not take the
    state ``_dr`` needs; None when the stack has no DR or that cloud no other region."""
    clusters = tuple(clusters)
    state = state_region(clusters, dr)
    if state is None or dr is None:
        return None
    if dr.state_replica_region is not None:
        return state[0], dr.state_replica_region
    if not any(dr.failover.values()):
        return None
    return next((c for c in clusters if c[0] == state[0] and c != state), None)


def backend_regions(clusters: Iterable[Region], dr: DisasterRecovery | None) -> tuple[Region, ...]:
    """Every (cloud, region) the stack keeps state in, once each: the clusters' regions in stack
    order, then the state region, then the replica region. Takes plain pairs so the validator
    can ask it of a stack it has not resolved yet."""
    clusters = tuple(clusters)
    found = list(clusters)
    for extra in (state_region(clusters, dr), _replica_region(clusters, dr)):
        if extra is not None:
            found.append(extra)
    return tuple(dict.fromkeys(found))


def home_regions(backends: Iterable[Region]) -> dict[str, str]:
    """Cloud -> its first backend region: the backend that keeps its name without a region."""
    homes: dict[str, str] = {}
    for cloud, region in backends:
        homes.setdefault(cloud, region)
    return homes


def is_home(backends: Iterable[Region], cloud: str, region: str) -> bool:
    """Whether the stack's backend in ``cloud``/``region`` is that cloud's home backend."""
    return home_regions(backends).get(cloud) == region


def state_backends(stack: ResolvedStack) -> tuple[Region, ...]:
    """Every state backend the stack's ``_global`` root creates, as (cloud, region), in stack
    order: each cluster's region, the state region, the replica region."""
    return backend_regions(((c.cloud, c.region) for c in stack.clusters), stack.dr)


def stack_wide_roots(stack: ResolvedStack) -> tuple[str, ...]:
    """The stack-wide roots: ``_global``, and ``_dr`` when the stack has DR failover entries."""
    has_dr = stack.dr is not None and any(stack.dr.failover.values())
    return (GLOBAL_ROOT, DR_ROOT) if has_dr else (GLOBAL_ROOT,)


def state_locations(stack: ResolvedStack) -> Mapping[str, StateLocation]:
    """Root name -> where its state lives: ``_global``, ``_dr`` (with DR failover entries) and
    every cluster, in that order."""
    clusters = tuple((c.cloud, c.region) for c in stack.clusters)
    homes = home_regions(backend_regions(clusters, stack.dr))
    state = state_region(clusters, stack.dr)
    replica = _replica_region(clusters, stack.dr)

    def location(where: Region, root: str, *, replica_of: bool = False) -> StateLocation:
        cloud_name, region = where
        cloud = CLOUDS[cloud_name]
        key = f"{stack.name}/{root}.tfstate"
        home = homes[cloud_name] == region
        return StateLocation(
            cloud_name,
            region,
            key,
            cloud.backend_block(
                stack.name, stack.owner, region, key, home=home, replica=replica_of
            ),
            cloud.state_read_command(
                stack.name, stack.owner, region, key, home=home, replica=replica_of
            ),
        )

    found: dict[str, StateLocation] = {}
    if state is not None:
        for root in stack_wide_roots(stack):
            primary = location(state, root)
            if replica is not None:
                primary = dataclasses.replace(
                    primary, replica=location(replica, root, replica_of=True)
                )
            found[root] = primary
    for cluster in stack.clusters:
        found[cluster.name] = location((cluster.cloud, cluster.region), cluster.name)
    return MappingProxyType(found)
