"""Exact failover assignment: place the GPU demand of failed clusters onto surviving headroom.

The rules are those of docs/architecture.md ("Disaster recovery"). A failed cluster's demand may go only to its own
``failover`` targets; a GPU model may be replaced, one GPU for one GPU, by the models its
substitution list names; RDMA demand needs RDMA-capable headroom; and each target's headroom for
a GPU model is shared by every cluster failing in the same outage, so it is never counted twice.

**Shape.** A demand row needs nodes of at least ``node_gpus`` GPUs: the GPUs per node of the
pools it comes from, because a model split over the GPUs of one node needs as many GPUs on one
node wherever it runs. So the row goes only to headroom whose ``node_gpus`` (the largest node
there, see :class:`Headroom`) is at least that, and it lands there in whole *units* of
``node_gpus`` GPUs: one replica is never split between two targets. On a substitute GPU the
shape may change (unit 1, any whole-GPU node): whoever allows other hardware has accepted that
the work is laid out for it again. RDMA demand needs RDMA on substitutes too.

The planner must be exact: a shortfall is reported only when no placement of all demand exists,
never because of the order clusters were looked at (a greedy pass gets this wrong as soon as two
clusters compete for one target). So the problem is solved as a min-cost max-flow on::

    source -> demand group (cluster, gpu, rdma, node_gpus) -> bucket (target, gpu) -> sink

with capacities the demanded GPUs and the headroom, and a cost per GPU on the middle edges that
encodes the preferences (see :func:`assign`). The total placed is the maximum flow; among all
maximum placements the one chosen has the least total cost.

Whole units make the problem NP-hard in general (graph balancing with jobs of 1 and 2 GPUs is a
special case), so the flow is its *relaxation*: the best placement counted in single GPUs. Where
the relaxation splits a unit, the solver branches on that route: one branch allows at most the
whole units below the split, the other at least the units above it (placed up front), and each
branch is a flow again. A branch's relaxation bounds everything below it, so branches that
cannot beat the best whole-unit placement found are cut (branch and bound). Units are only split
where capacity binds, so most outages take one flow. The search is bounded (:data:`FLOW_LIMIT`,
:data:`PREFERENCE_FLOW_LIMIT`); when it stops before it has proven that no placement falls
shorter, the best whole-unit placement found comes back with ``exact=False``. Whatever the
search, a relaxation that cannot place all demand proves the shortfall real.

Algorithm of one flow: primal-dual successive shortest paths. Dijkstra over reduced costs (all
original costs are >= 0, so zero potentials start it) finds the cheapest augmenting cost; then a
Dinic blocking flow pushes as much as possible along the edges of zero reduced cost, by
bottleneck capacity, so GPU counts in the thousands cost nothing extra. Each phase strictly
raises the cheapest augmenting cost, an integer at most ``V * C`` (``C`` the largest edge cost),
so with ``V`` nodes and ``E`` edges the run is O(V * C * (E log V + V * E)) in the worst case and
independent of the GPU counts; a region outage has a few dozen nodes and finishes in
milliseconds.
"""

from __future__ import annotations

import difflib
import heapq
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "FLOW_LIMIT",
    "PREFERENCE_FLOW_LIMIT",
    "Assignment",
    "Demand",
    "Headroom",
    "Placement",
    "Shortfall",
    "assign",
]

# Flows one assignment may solve while it searches for whole-unit placements (module docstring);
# one is the common case. Deciding whether all demand fits may take FLOW_LIMIT. Work whose
# answer is settled gets PREFERENCE_FLOW_LIMIT more: the preference order once the most GPUs
# any placement holds are placed, and the size of a shortfall when even the relaxation falls
# short (the outage is infeasible whatever the search finds). The limits keep a pathological
# outage (hundreds of mixed-shape groups contending for every bucket) to about a second.
FLOW_LIMIT = 128
PREFERENCE_FLOW_LIMIT = 16


@dataclass(frozen=True, slots=True)
class Demand:
    """GPUs a failed cluster needs placed elsewhere, for one GPU model, RDMA need and shape.

    ``node_gpus`` is the fewest GPUs per node the work needs (its pools' GPUs per node); 0 or 1
    when the shape may change. ``gpus`` is a multiple of it: whole nodes of the source pools.
    """

    cluster: str
    gpu: str
    rdma: bool
    gpus: int
    node_gpus: int = 1


@dataclass(frozen=True, slots=True)
class Headroom:
    """Spare GPUs of one model at a surviving target cluster.

    ``node_gpus`` is the largest node a standby pool there can use, and ``rdma`` says that node
    size is offered with RDMA; non-RDMA demand may use the headroom either way, and demand of
    any shape up to ``node_gpus`` fits.
    """

    cluster: str
    gpu: str
    gpus: int
    rdma: bool
    node_gpus: int


@dataclass(frozen=True, slots=True)
class Placement:
    """Part of a failed cluster's ``(gpu, rdma, node_gpus)`` demand: ``gpus`` GPUs of
    ``target_gpu`` at ``target``."""

    cluster: str
    gpu: str
    rdma: bool
    target: str
    target_gpu: str
    gpus: int
    node_gpus: int = 1

    @property
    def target_node_gpus(self) -> int:
        """The fewest GPUs per node the placed work needs at the target: its own shape on its
        own GPU model, any whole GPU on a substitute (allowing other hardware allows another
        layout on it)."""
        return max(1, self.node_gpus) if self.target_gpu == self.gpu else 1


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Demand that no placement within the rules can carry: ``gpus`` GPUs of ``gpu`` on nodes
    of at least ``node_gpus`` GPUs (with RDMA when ``rdma``)."""

    cluster: str
    gpu: str
    rdma: bool
    gpus: int
    node_gpus: int = 1


@dataclass(frozen=True, slots=True)
class Assignment:
    """The outcome of :func:`assign`, sorted for stable reports and diffs.

    ``exact`` is False only when the search for whole-unit placements stopped at
    :data:`FLOW_LIMIT` flows before proving that no placement has less shortfall (the
    preference order among placements of the same total is then best effort too).
    """

    placements: tuple[Placement, ...]
    shortfalls: tuple[Shortfall, ...]
    exact: bool = True

    @property
    def feasible(self) -> bool:
        """True when all demand is placed."""
        return not self.shortfalls


# An immutable default: a shared ``{}`` default would be one mutation away from module state.
_NO_SUBSTITUTIONS: Mapping[str, Sequence[str]] = MappingProxyType({})

_DemandKey = tuple[str, str, bool, int]  # (cluster, gpu, rdma, node_gpus)
_BucketKey = tuple[str, str]  # (target cluster, gpu)


@dataclass(frozen=True, slots=True)
class _Route:
    """A demand group may place GPUs in a bucket: at ``cost`` per GPU, in multiples of
    ``unit``."""

    group: int
    bucket: int
    cost: int
    unit: int
    target: str
    target_gpu: str


@dataclass(frozen=True, slots=True)
class _Problem:
    """The flow problem of one assignment: demanded GPUs per group, capacity per bucket."""

    wanted: tuple[int, ...]
    capacity: tuple[int, ...]
    routes: tuple[_Route, ...]


@dataclass(frozen=True, slots=True)
class _Solution:
    """GPUs per route, with the total placed and its cost."""

    flows: tuple[int, ...]
    placed: int
    cost: int

    @property
    def score(self) -> tuple[int, int]:
        """Better is larger: more placed, then less cost."""
        return self.placed, -self.cost


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
    with the same ``(cluster, gpu, rdma, node_gpus)`` are merged. Repeated names in a target or
    substitute list count at their first position. A row goes only to headroom with nodes of at
    least its ``node_gpus`` on its own GPU model, in whole multiples of ``node_gpus`` there; on
    a substitute any node size and any count will do (see the module docstring).

    Preference is a cost per placed GPU: ``target_index * K + gpu_rank``, where ``gpu_rank`` is
    0 for the requested GPU and ``1 + i`` for its ``i``-th substitute, and ``K`` is one more
    than the longest substitute list among the demanded GPUs. So one GPU on an earlier target
    always beats one on a later target, whatever model; within a target the requested GPU
    beats substitutes. The placement returned has the maximum total of GPUs placed and, among
    those, the least total cost (clusters competing for a target trade preferences by that sum).

    The result depends only on the content of the inputs, not on row order, mapping order or
    hash seed. Placements are sorted by cluster, gpu, rdma, node_gpus, then target and GPU
    preference; shortfalls by cluster, gpu, rdma, node_gpus.

    Raises ValueError for programming errors of the caller: a negative GPU count, a demand not
    in whole units of its ``node_gpus``, headroom with ``node_gpus`` below 1, a demanded cluster
    without a ``failover`` entry, two headroom rows for one (cluster, gpu), or a plain string
    where a list of names is expected.
    """
    wanted = _merged_demand(demands)
    buckets = _headroom_by_bucket(headroom)
    groups = sorted(key for key, gpus in wanted.items() if gpus > 0)
    bucket_keys = sorted(key for key, row in buckets.items() if row.gpus > 0)
    routes = _routes(groups, buckets, bucket_keys, failover, substitutions)
    problem = _Problem(
        wanted=tuple(wanted[key] for key in groups),
        capacity=_usable(tuple(buckets[key].gpus for key in bucket_keys), routes),
        routes=routes,
    )
    solution, exact = _search(problem)

    placements: list[Placement] = []
    placed = [0] * len(groups)
    for route, gpus in zip(routes, solution.flows, strict=True):
        if gpus:
            cluster, gpu, rdma, node_gpus = groups[route.group]
            placements.append(
                Placement(cluster, gpu, rdma, route.target, route.target_gpu, gpus, node_gpus)
            )
            placed[route.group] += gpus
    shortfalls = [
        Shortfall(key[0], key[1], key[2], wanted[key] - placed[i], key[3])
        for i, key in enumerate(groups)
        if placed[i] < wanted[key]
    ]
    return Assignment(tuple(placements), tuple(shortfalls), exact)


def _routes(
    groups: Sequence[_DemandKey],
    buckets: Mapping[_BucketKey, Headroom],
    bucket_keys: Sequence[_BucketKey],
    failover: Mapping[str, Sequence[str]],
    substitutions: Mapping[str, Sequence[str]],
) -> tuple[_Route, ...]:
    """Every allowed (group, bucket) pair with its preference cost, in preference order (so
    reading the flows back yields sorted placements)."""
    targets_of = {key[0]: _failover_targets(failover, key[0]) for key in groups}
    options_of = {key[1]: _gpu_options(substitutions, key[1]) for key in groups}
    # K dominates every gpu_rank, which makes target order lexicographically first.
    rank_span = max((len(options) for options in options_of.values()), default=1)
    bucket_index = {key: i for i, key in enumerate(bucket_keys)}
    routes: list[_Route] = []
    for group, (cluster, gpu, rdma, node_gpus) in enumerate(groups):
        for target_index, target in enumerate(targets_of[cluster]):
            for gpu_rank, target_gpu in enumerate(options_of[gpu]):
                row = buckets.get((target, target_gpu))
                unit = max(1, node_gpus) if target_gpu == gpu else 1
                if row is None or row.gpus == 0 or (rdma and not row.rdma):
                    continue
                if row.node_gpus < unit:
                    continue  # no node there is large enough for one unit of the work
                cost = target_index * rank_span + gpu_rank
                routes.append(
                    _Route(
                        group, bucket_index[(target, target_gpu)], cost, unit, target, target_gpu
                    )
                )
    return tuple(routes)


def _usable(capacity: tuple[int, ...], routes: Sequence[_Route]) -> tuple[int, ...]:
    """Each bucket's capacity rounded down to what whole units can fill: a multiple of the gcd
    of the units of the routes into it. No whole-unit placement loses anything, and the
    relaxation splits fewer units (a tighter bound, so less search)."""
    step = [0] * len(capacity)
    for route in routes:
        step[route.bucket] = math.gcd(step[route.bucket], route.unit)
    return tuple(_whole(gpus, unit or 1) for gpus, unit in zip(capacity, step, strict=True))


def _search(problem: _Problem) -> tuple[_Solution, bool]:
    """The best whole-unit placement (branch and bound over relaxations, module docstring) and
    whether no placement with less shortfall is left unexplored."""
    routes = problem.routes
    low = (0,) * len(routes)
    # A route never carries more than whole units of what its group wants or its bucket holds.
    high = tuple(
        _whole(min(problem.wanted[r.group], problem.capacity[r.bucket]), r.unit) for r in routes
    )
    root = _relax(problem, low, high)
    assert root is not None  # no lower bounds: always solvable
    limit = FLOW_LIMIT if root.placed == sum(problem.wanted) else PREFERENCE_FLOW_LIMIT
    best = _rounded_down(root, routes)
    # Branches still to solve, each with the relaxation of its parent: a bound on what it holds.
    pending: list[tuple[tuple[int, ...], tuple[int, ...], _Solution]] = []
    relaxed: _Solution | None = root
    flows = 1
    while True:
        if relaxed is not None and relaxed.score > best.score:
            split = next((i for i, r in enumerate(routes) if relaxed.flows[i] % r.unit), None)
            if split is None:
                best = relaxed  # whole units already: the best this branch holds
                if best.placed == root.placed:  # the most any placement holds: settled
                    limit = min(limit, flows + PREFERENCE_FLOW_LIMIT)
            else:
                pending.extend(_children(relaxed, low, high, split, routes[split].unit))
        pending = [p for p in pending if p[2].score > best.score]
        if not pending or flows == limit:
            break
        # Depth first, the "at most" child of the latest split first.
        low, high, _ = pending.pop()
        relaxed = _relax(problem, low, high)
        flows += 1
    # Proven when no branch left could place more GPUs (a cheaper order of the same total may
    # remain: preferences, not shortfalls).
    exact = all(bound.placed <= best.placed for _, _, bound in pending)
    return best, exact


def _children(
    relaxed: _Solution, low: tuple[int, ...], high: tuple[int, ...], route: int, unit: int
) -> list[tuple[tuple[int, ...], tuple[int, ...], _Solution]]:
    """The two branches of a split route: at least the whole units above the split (when
    they fit its bounds), and at most those below it, the latter last (explored first)."""
    below = _whole(relaxed.flows[route], unit)
    above = below + unit
    children = []
    if above <= high[route]:
        children.append((_bounded(low, route, above), high, relaxed))
    children.append((low, _bounded(high, route, below), relaxed))
    return children


def _bounded(bounds: tuple[int, ...], route: int, value: int) -> tuple[int, ...]:
    return (*bounds[:route], value, *bounds[route + 1 :])


def _relax(problem: _Problem, low: Sequence[int], high: Sequence[int]) -> _Solution | None:
    """The min-cost max-flow with ``low[i] <= flow[i] <= high[i]`` per route: the lower bounds
    are placed first and the flow places the rest. None when the lower bounds overfill a group
    or a bucket."""
    group_left = list(problem.wanted)
    bucket_left = list(problem.capacity)
    for route, floor in zip(problem.routes, low, strict=True):
        group_left[route.group] -= floor
        bucket_left[route.bucket] -= floor
    if min(group_left, default=0) < 0 or min(bucket_left, default=0) < 0:
        return None
    groups = len(group_left)
    source, sink = 0, 1
    network = _FlowNetwork(2 + groups + len(bucket_left))
    for i, gpus in enumerate(group_left):
        network.add_edge(source, 2 + i, gpus, 0)
    for i, gpus in enumerate(bucket_left):
        network.add_edge(2 + groups + i, sink, gpus, 0)
    edges = [
        network.add_edge(2 + r.group, 2 + groups + r.bucket, top - floor, r.cost)
        for r, floor, top in zip(problem.routes, low, high, strict=True)
    ]
    network.min_cost_max_flow(source, sink)
    flows = tuple(floor + network.flow(e) for floor, e in zip(low, edges, strict=True))
    return _solution(flows, problem.routes)


def _rounded_down(solution: _Solution, routes: Sequence[_Route]) -> _Solution:
    """Every route's flow rounded down to whole units: always a valid placement, since only
    upper bounds constrain a flow."""
    flows = tuple(_whole(f, r.unit) for f, r in zip(solution.flows, routes, strict=True))
    return solution if flows == solution.flows else _solution(flows, routes)


def _solution(flows: tuple[int, ...], routes: Sequence[_Route]) -> _Solution:
    cost = sum(f * r.cost for f, r in zip(flows, routes, strict=True))
    return _Solution(flows, sum(flows), cost)


def _whole(gpus: int, unit: int) -> int:
    return gpus - gpus % unit


def _merged_demand(demands: Sequence[Demand]) -> dict[_DemandKey, int]:
    wanted: dict[_DemandKey, int] = {}
    for row in demands:
        if row.gpus < 0:
            raise ValueError(
                f"demand of cluster {row.cluster!r} for {row.gpu!r}: gpus must be >= 0, "
                f"got {row.gpus}"
            )
        if row.node_gpus < 0 or row.gpus % max(1, row.node_gpus):
            raise ValueError(
                f"demand of cluster {row.cluster!r} for {row.gpu!r}: gpus must be whole nodes "
                f"of node_gpus >= 0 GPUs, got {row.gpus} GPUs on nodes of {row.node_gpus}"
            )
        key = (row.cluster, row.gpu, row.rdma, max(1, row.node_gpus))
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
        if row.node_gpus < 1:
            raise ValueError(
                f"headroom of cluster {row.cluster!r} for {row.gpu!r}: node_gpus must be >= 1, "
                f"got {row.node_gpus}"
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
