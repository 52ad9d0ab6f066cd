"""Exact failover assignment: place the GPU demand of failed clusters onto surviving headroom.

The rules are those of docs/architecture.md ("Disaster recovery"). A failed cluster's demand may go only to its own
``failover`` targets; a GPU model may be replaced, one GPU for one GPU, by the models its
substitution list names; RDMA demand needs RDMA-capable headroom; and each target's headroom for
a GPU model is shared by every cluster failing in the same outage, so it is never counted twice.

The planner must be exact: a shortfall is reported only when no placement of all demand exists,
never because of the order clusters were looked at (a greedy pass gets this wrong as soon as two
clusters compete for one target). So the problem is solved as a min-cost max-flow on::

    source -> demand group (cluster, gpu, rdma) -> bucket (target, gpu) -> sink

with capacities the demanded GPUs and the headroom, and a cost per GPU on the middle edges that
encodes the preferences (see :func:`assign`). The total placed is the maximum flow; among all
maximum placements the one chosen has the least total cost.

Algorithm: primal-dual successive shortest paths. Dijkstra over reduced costs (all original
costs are >= 0, so zero potentials start it) finds the cheapest augmenting cost; then a Dinic
blocking flow pushes as much as possible along the edges of zero reduced cost, by bottleneck
capacity, so GPU counts in the thousands cost nothing extra. Each phase strictly raises the
cheapest augmenting cost, an integer at most ``V * C`` (``C`` the largest edge cost), so with
``V`` nodes and ``E`` edges the run is O(V * C * (E log V + V * E)) in the worst case and
independent of the GPU counts; a region outage has a few dozen nodes and finishes in
milliseconds.
"""

from __future__ import annotations

import difflib
import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Assignment", "Demand", "Headroom", "Placement", "Shortfall", "assign"]


@dataclass(frozen=True, slots=True)
class Demand:
    """GPUs a failed cluster needs placed elsewhere, for one GPU model and RDMA need."""

    cluster: str
    gpu: str
    rdma: bool
    gpus: int


@dataclass(frozen=True, slots=True)
class Headroom:
    """Spare GPUs of one model at a surviving target cluster.

    ``rdma`` says an RDMA-capable instance type with that GPU is offered there; non-RDMA demand
    may use the headroom either way.
    """

    cluster: str
    gpu: str
    gpus: int
    rdma: bool


@dataclass(frozen=True, slots=True)
class Placement:
    """Part of a failed cluster's ``(gpu, rdma)`` demand: ``gpus`` GPUs of ``target_gpu`` at
    ``target``."""

    cluster: str
    gpu: str
    rdma: bool
    target: str
    target_gpu: str
    gpus: int


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Demand that no placement within the rules can carry."""

    cluster: str
    gpu: str
    rdma: bool
    gpus: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """The outcome of :func:`assign`, sorted for stable reports and diffs."""

    placements: tuple[Placement, ...]
    shortfalls: tuple[Shortfall, ...]

    @property
    def feasible(self) -> bool:
        """True when all demand is placed."""
        return not self.shortfalls


# An immutable default: a shared ``{}`` default would be one mutation away from module state.
_NO_SUBSTITUTIONS: Mapping[str, Sequence[str]] = MappingProxyType({})

_DemandKey = tuple[str, str, bool]  # (cluster, gpu, rdma)
_BucketKey = tuple[str, str]  # (target cluster, gpu)


def assign(
    demands: Sequence[Demand],
    headroom: Sequence[Headroom],
    failover: Mapping[str, Sequence[str]],
    substitutions: Mapping[str, Sequence[str]] = _NO_SUBSTITUTIONS,
) -> Assignment:
    """Place as much demand as any placement can, preferring earlier targets and same GPUs.

    ``failover`` maps each failed cluster to its targets, most preferred first; targets that
    failed too simply have no ``headroom`` rows. ``substitutions[gpu]`` lists the models that
    may replace ``gpu``, most preferred first (one GPU for one GPU; not symmetric). Demand rows
    with the same ``(cluster, gpu, rdma)`` are merged. Repeated names in a target or substitute
    list count at their first position.

    Preference is a cost per placed GPU: ``target_index * K + gpu_rank``, where ``gpu_rank`` is
    0 for the requested GPU and ``1 + i`` for its ``i``-th substitute, and ``K`` is one more
    than the longest substitute list among the demanded GPUs. So one GPU on an earlier target
    always beats one on a later target, whatever model; within a target the requested GPU
    beats substitutes. The placement returned has the maximum total of GPUs placed and, among
    those, the least total cost (clusters competing for a target trade preferences by that sum).

    The result depends only on the content of the inputs, not on row order, mapping order or
    hash seed. Placements are sorted by cluster, gpu, rdma, then target and GPU preference;
    shortfalls by cluster, gpu, rdma.

    Raises ValueError for programming errors of the caller: a negative GPU count, a demanded
    cluster without a ``failover`` entry, two headroom rows for one (cluster, gpu), or a plain
    string where a list of names is expected.
    """
    wanted = _merged_demand(demands)
    buckets = _headroom_by_bucket(headroom)
    targets_of = {cluster: _failover_targets(failover, cluster) for cluster, _, _ in wanted}
    options_of = {gpu: _gpu_options(substitutions, gpu) for _, gpu, _ in wanted}
    # K dominates every gpu_rank, which makes target order lexicographically first.
    rank_span = max((len(options) for options in options_of.values()), default=1)

    groups = sorted(key for key, gpus in wanted.items() if gpus > 0)
    bucket_keys = sorted(key for key, row in buckets.items() if row.gpus > 0)
    source, sink = 0, 1
    group_node = {key: 2 + i for i, key in enumerate(groups)}
    bucket_node = {key: 2 + len(groups) + i for i, key in enumerate(bucket_keys)}

    network = _FlowNetwork(2 + len(groups) + len(bucket_keys))
    for key in groups:
        network.add_edge(source, group_node[key], wanted[key], 0)
    for bucket_key in bucket_keys:
        network.add_edge(bucket_node[bucket_key], sink, buckets[bucket_key].gpus, 0)
    # Edges are added in preference order, so reading them back yields sorted placements.
    routes: list[tuple[_DemandKey, str, str, int]] = []
    for key in groups:
        cluster, gpu, rdma = key
        for target_index, target in enumerate(targets_of[cluster]):
            for gpu_rank, target_gpu in enumerate(options_of[gpu]):
                bucket_key = (target, target_gpu)
                row = buckets.get(bucket_key)
                if row is None or row.gpus == 0 or (rdma and not row.rdma):
                    continue
                cost = target_index * rank_span + gpu_rank
                edge = network.add_edge(group_node[key], bucket_node[bucket_key], wanted[key], cost)
                routes.append((key, target, target_gpu, edge))

    network.min_cost_max_flow(source, sink)

    placements: list[Placement] = []
    placed: dict[_DemandKey, int] = dict.fromkeys(groups, 0)
    for (cluster, gpu, rdma), target, target_gpu, edge in routes:
        gpus = network.flow(edge)
        if gpus:
            placements.append(Placement(cluster, gpu, rdma, target, target_gpu, gpus))
            placed[(cluster, gpu, rdma)] += gpus
    shortfalls = [
        Shortfall(*key, gpus=wanted[key] - placed[key])
        for key in groups
        if placed[key] < wanted[key]
    ]
    return Assignment(tuple(placements), tuple(shortfalls))


def _merged_demand(demands: Sequence[Demand]) -> dict[_DemandKey, int]:
    wanted: dict[_DemandKey, int] = {}
    for row in demands:
        if row.gpus < 0:
            raise ValueError(
                f"demand of cluster {row.cluster!r} for {row.gpu!r}: gpus must be >= 0, "
                f"got {row.gpus}"
            )
        key = (row.cluster, row.gpu, row.rdma)
        wanted[key] = wanted.get(key, 0) + row.gpus
    return wanted


def _headroom_by_bucket(headroom: Sequence[Headroom]) -> dict[_BucketKey, Headroom]:
    buckets: dict[_BucketKey, Headroom] = {}
    for row in headroom:
        if row.gpus < 0:
            raise ValueError(
                f"headroom of cluster {row.cluster!r} for {row.gpu!r}: gpus must be >= 0, "
                f"got {row.gpus}"
            )
        key = (row.cluster, row.gpu)
        if key in buckets:
            # Summing or picking one would silently count capacity twice or drop it.
            raise ValueError(
                f"headroom of cluster {row.cluster!r} for {row.gpu!r} given twice "
                f"({buckets[key]!r} and {row!r}); give one row per (cluster, gpu)"
            )
        buckets[key] = row
    return buckets


def _failover_targets(failover: Mapping[str, Sequence[str]], cluster: str) -> tuple[str, ...]:
    if cluster not in failover:
        known = sorted(failover)
        close = difflib.get_close_matches(cluster, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"demand of cluster {cluster!r} but failover has no entry for it "
            f"({hint}known: {', '.join(map(repr, known)) or 'none'}); pass an empty list "
            f"for an unprotected cluster"
        )
    return _first_occurrences(failover[cluster], f"failover[{cluster!r}]")


def _gpu_options(substitutions: Mapping[str, Sequence[str]], gpu: str) -> tuple[str, ...]:
    substitutes = _first_occurrences(substitutions.get(gpu, ()), f"substitutions[{gpu!r}]")
    return (gpu, *(name for name in substitutes if name != gpu))


def _first_occurrences(names: Sequence[str], what: str) -> tuple[str, ...]:
    # A str is a Sequence[str] too; iterating it would silently yield one-letter names.
    if isinstance(names, str):
        raise ValueError(f"{what} must be a list of names, not the string {names!r}")
    return tuple(dict.fromkeys(names))


_UNREACHED = 1 << 62


class _FlowNetwork:
    """A residual network in flat lists: edge ``e`` and its reverse ``e ^ 1`` are paired."""

    __slots__ = ("adjacency", "capacity", "cost", "head")

    def __init__(self, nodes: int) -> None:
        self.adjacency: list[list[int]] = [[] for _ in range(nodes)]
        self.head: list[int] = []
        self.capacity: list[int] = []
        self.cost: list[int] = []

    def add_edge(self, tail: int, head: int, capacity: int, cost: int) -> int:
        edge = len(self.head)
        self.head += (head, tail)
        self.capacity += (capacity, 0)
        self.cost += (cost, -cost)
        self.adjacency[tail].append(edge)
        self.adjacency[head].append(edge + 1)
        return edge

    def flow(self, edge: int) -> int:
        return self.capacity[edge ^ 1]

    def min_cost_max_flow(self, source: int, sink: int) -> int:
        # Zero potentials are valid at the start because every original cost is >= 0.
        potential = [0] * len(self.adjacency)
        total = 0
        while True:
            distance = self._reduced_distances(source, potential)
            if distance[sink] == _UNREACHED:
                return total
            for node, extra in enumerate(distance):
                if extra != _UNREACHED:
                    potential[node] += extra
            # Edges of zero reduced cost are exactly those on some cheapest path; saturating
            # them with a blocking flow keeps all reduced costs >= 0 (new reverse edges get 0).
            while (level := self._admissible_levels(source, sink, potential)) is not None:
                total += self._blocking_flow(source, sink, potential, level)

    def _reduced_distances(self, source: int, potential: list[int]) -> list[int]:
        head, capacity, cost = self.head, self.capacity, self.cost
        distance = [_UNREACHED] * len(self.adjacency)
        distance[source] = 0
        queue = [(0, source)]
        while queue:
            dist, node = heapq.heappop(queue)
            if dist > distance[node]:
                continue
            base = dist + potential[node]
            for edge in self.adjacency[node]:
                if capacity[edge] > 0:
                    other = head[edge]
                    candidate = base + cost[edge] - potential[other]
                    if candidate < distance[other]:
                        distance[other] = candidate
                        heapq.heappush(queue, (candidate, other))
        return distance

    def _admissible(self, edge: int, tail: int, potential: list[int]) -> bool:
        return (
            self.capacity[edge] > 0
            and self.cost[edge] + potential[tail] - potential[self.head[edge]] == 0
        )

    def _admissible_levels(self, source: int, sink: int, potential: list[int]) -> list[int] | None:
        # BFS levels make the admissible subgraph acyclic (zero-cost cycles exist in it).
        level = [-1] * len(self.adjacency)
        level[source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for edge in self.adjacency[node]:
                other = self.head[edge]
                if level[other] < 0 and self._admissible(edge, node, potential):
                    level[other] = level[node] + 1
                    queue.append(other)
        return level if level[sink] >= 0 else None

    def _blocking_flow(self, source: int, sink: int, potential: list[int], level: list[int]) -> int:
        # Iterative Dinic with current-arc pointers: deep paths need no recursion, and each
        # augmentation pushes the path's bottleneck, however many GPUs that is.
        adjacency, head, capacity = self.adjacency, self.head, self.capacity
        arc = [0] * len(adjacency)
        path: list[int] = []
        total = 0
        node = source
        while True:
            if node == sink:
                pushed = min(capacity[edge] for edge in path)
                for edge in path:
                    capacity[edge] -= pushed
                    capacity[edge ^ 1] += pushed
                total += pushed
                path.clear()
                node = source
                continue
            edges = adjacency[node]
            while arc[node] < len(edges):
                edge = edges[arc[node]]
                if level[head[edge]] == level[node] + 1 and self._admissible(edge, node, potential):
                    break
                arc[node] += 1
            else:
                if node == source:
                    return total
                # Dead end: retreat and never try this arc again in this phase.
                edge = path.pop()
                node = head[edge ^ 1]
                arc[node] += 1
                continue
            path.append(edge)
            node = head[edge]
