"""Tests of the exact failover assignment (docs/architecture.md, "Disaster recovery")."""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.dr.assign import Assignment, Demand, Headroom, Placement, Shortfall, assign

# --------------------------------------------------------------------------- hand cases


def test_simple_feasible() -> None:
    result = assign(
        [Demand("train", "H100", False, 8)],
        [Headroom("standby", "H100", 16, False, 8)],
        {"train": ["standby"]},
    )
    assert result == Assignment((Placement("train", "H100", False, "standby", "H100", 8),), ())
    assert result.feasible


def test_shortfall_names_cluster_gpu_and_count() -> None:
    result = assign(
        [Demand("train", "H100", True, 10), Demand("serve", "L4", False, 2)],
        [Headroom("standby", "H100", 6, True, 8), Headroom("standby", "L4", 2, False, 8)],
        {"train": ["standby"], "serve": ["standby"]},
    )
    assert not result.feasible
    assert result.shortfalls == (Shortfall("train", "H100", True, 4),)
    assert result.placements == (
        Placement("serve", "L4", False, "standby", "L4", 2),
        Placement("train", "H100", True, "standby", "H100", 6),
    )


def test_substitution_only_when_the_list_allows_it() -> None:
    demand = [Demand("train", "H100", False, 8)]
    headroom = [Headroom("standby", "A100-80GB", 8, False, 8)]
    failover = {"train": ["standby"]}

    assert assign(demand, headroom, failover).shortfalls == (Shortfall("train", "H100", False, 8),)
    # Substitution is directional: A100 may be replaced by H100, not the other way round.
    reverse = assign(demand, headroom, failover, {"A100-80GB": ["H100"]})
    assert reverse.shortfalls == (Shortfall("train", "H100", False, 8),)

    allowed = assign(demand, headroom, failover, {"H100": ["A100-80GB"]})
    assert allowed.feasible
    assert allowed.placements == (Placement("train", "H100", False, "standby", "A100-80GB", 8),)


def test_requested_gpu_preferred_over_substitutes_then_substitute_order() -> None:
    failover = {"train": ["standby"]}
    headroom = [
        Headroom("standby", "H100", 4, False, 8),
        Headroom("standby", "A100", 4, False, 8),
        Headroom("standby", "L40S", 4, False, 8),
    ]
    result = assign(
        [Demand("train", "H100", False, 6)], headroom, failover, {"H100": ["L40S", "A100"]}
    )
    assert result.placements == (
        Placement("train", "H100", False, "standby", "H100", 4),
        Placement("train", "H100", False, "standby", "L40S", 2),
    )


def test_target_order_dominates_gpu_preference() -> None:
    # One GPU on the first target, even the last substitute, beats the exact GPU on a later
    # target (with K too small, rank 2 here would cost more than target 1 with rank 0).
    result = assign(
        [Demand("train", "H100", False, 4)],
        [Headroom("near", "A100", 4, False, 8), Headroom("far", "H100", 4, False, 8)],
        {"train": ["near", "far"]},
        {"H100": ["L40S", "A100"]},
    )
    assert result.placements == (Placement("train", "H100", False, "near", "A100", 4),)


def test_rdma_demand_refuses_non_rdma_headroom() -> None:
    failover = {"train": ["standby"]}
    plain = [Headroom("standby", "H100", 8, False, 8)]
    result = assign([Demand("train", "H100", True, 8)], plain, failover)
    assert result.placements == ()
    assert result.shortfalls == (Shortfall("train", "H100", True, 8),)

    # Non-RDMA demand may use RDMA-capable headroom, and both share its capacity.
    rdma = [Headroom("standby", "H100", 8, True, 8)]
    mixed = assign(
        [Demand("train", "H100", True, 5), Demand("train", "H100", False, 3)], rdma, failover
    )
    assert mixed.placements == (
        Placement("train", "H100", False, "standby", "H100", 3),
        Placement("train", "H100", True, "standby", "H100", 5),
    )
    assert mixed.feasible


def test_non_rdma_demand_moves_aside_for_rdma_demand() -> None:
    # Only the preferred target has RDMA; putting the plain demand there would strand RDMA.
    result = assign(
        [Demand("train", "H100", False, 5), Demand("train", "H100", True, 5)],
        [Headroom("near", "H100", 5, True, 8), Headroom("far", "H100", 5, False, 8)],
        {"train": ["near", "far"]},
    )
    assert result.feasible
    assert result.placements == (
        Placement("train", "H100", False, "far", "H100", 5),
        Placement("train", "H100", True, "near", "H100", 5),
    )


def _greedy_in_list_order(
    demands: Sequence[Demand], headroom: Sequence[Headroom], failover: Mapping[str, Sequence[str]]
) -> int:
    """What a naive planner places: clusters by name, each taking its first target that fits."""
    left = {(row.cluster, row.gpu): row.gpus for row in headroom}
    placed = 0
    for row in sorted(demands, key=lambda d: d.cluster):
        for target in failover[row.cluster]:
            take = min(row.gpus - 0, left.get((target, row.gpu), 0))
            if take == row.gpus:
                left[(target, row.gpu)] -= take
                placed += take
                break
    return placed


def test_competing_clusters_no_false_shortfall() -> None:
    # A and B fail together (one region). T1 fits only one of them; only A may also use T2.
    demands = [Demand("A", "H100", False, 8), Demand("B", "H100", False, 8)]
    headroom = [Headroom("T1", "H100", 8, False, 8), Headroom("T2", "H100", 8, False, 8)]
    failover = {"A": ["T1", "T2"], "B": ["T1"]}

    # The trap is real: going cluster by cluster in list order strands B.
    assert _greedy_in_list_order(demands, headroom, failover) == 8

    result = assign(demands, headroom, failover)
    assert result.feasible
    assert result.placements == (
        Placement("A", "H100", False, "T2", "H100", 8),
        Placement("B", "H100", False, "T1", "H100", 8),
    )


def test_headroom_is_shared_not_counted_twice() -> None:
    result = assign(
        [Demand("A", "H100", False, 6), Demand("B", "H100", False, 6)],
        [Headroom("T", "H100", 8, False, 8)],
        {"A": ["T"], "B": ["T"]},
    )
    assert sum(p.gpus for p in result.placements) == 8
    assert sum(s.gpus for s in result.shortfalls) == 4


def test_earlier_target_preferred_when_both_fit() -> None:
    # List order, not name order, decides.
    result = assign(
        [Demand("train", "H100", False, 8)],
        [
            Headroom("a-first-by-name", "H100", 8, False, 8),
            Headroom("z-preferred", "H100", 8, False, 8),
        ],
        {"train": ["z-preferred", "a-first-by-name"]},
    )
    assert result.placements == (Placement("train", "H100", False, "z-preferred", "H100", 8),)


def test_spill_over_to_later_targets_in_list_order() -> None:
    result = assign(
        [Demand("train", "H100", False, 20)],
        [
            Headroom("second", "H100", 8, False, 8),
            Headroom("first", "H100", 8, False, 8),
            Headroom("third", "H100", 8, False, 8),
        ],
        {"train": ["first", "second", "third"]},
    )
    assert [(p.target, p.gpus) for p in result.placements] == [
        ("first", 8),
        ("second", 8),
        ("third", 4),
    ]


def test_cross_cloud_targets_are_just_names() -> None:
    result = assign(
        [Demand("aws/us-east-1/train", "H100", True, 16)],
        [
            Headroom("azure/westeurope/train", "H100", 8, True, 8),
            Headroom("alicloud/cn-beijing/train", "H100", 8, True, 8),
        ],
        {"aws/us-east-1/train": ["azure/westeurope/train", "alicloud/cn-beijing/train"]},
    )
    assert result.feasible
    assert [p.target for p in result.placements] == [
        "azure/westeurope/train",
        "alicloud/cn-beijing/train",
    ]


def test_demand_rows_merged_and_zero_demand_silent() -> None:
    result = assign(
        [
            Demand("train", "H100", False, 3),
            Demand("train", "H100", False, 5),
            Demand("train", "L4", False, 0),
        ],
        [Headroom("standby", "H100", 8, False, 8)],
        {"train": ["standby"]},
    )
    assert result == Assignment((Placement("train", "H100", False, "standby", "H100", 8),), ())


def test_unprotected_cluster_with_empty_target_list_is_all_shortfall() -> None:
    result = assign([Demand("train", "H100", False, 4)], [], {"train": []})
    assert result == Assignment((), (Shortfall("train", "H100", False, 4),))


def test_repeated_names_count_at_first_position() -> None:
    result = assign(
        [Demand("train", "H100", False, 4)],
        [Headroom("a", "H100", 4, False, 8), Headroom("b", "A100", 4, False, 8)],
        {"train": ["b", "a", "b"]},
        {"H100": ["A100", "H100", "A100"]},
    )
    assert result.placements == (Placement("train", "H100", False, "b", "A100", 4),)


def test_large_gpu_counts_are_exact() -> None:
    result = assign(
        [Demand("A", "H100", False, 10_000_000), Demand("B", "H100", False, 7_000_000)],
        [Headroom("T1", "H100", 9_000_000, False, 8), Headroom("T2", "H100", 5_000_000, False, 8)],
        {"A": ["T1", "T2"], "B": ["T1"]},
    )
    # Both targets full; which cluster is short is a tie of equal cost, so only totals count.
    assert sum(p.gpus for p in result.placements) == 14_000_000
    assert sum(s.gpus for s in result.shortfalls) == 3_000_000
    assert {(p.target, p.gpus) for p in result.placements if p.cluster == "A"} >= {
        ("T2", 5_000_000)
    }


@pytest.mark.parametrize(
    ("demands", "headroom", "failover", "substitutions", "message"),
    [
        ([Demand("A", "H100", False, -1)], [], {"A": []}, {}, r"'A'.*'H100'.*>= 0, got -1"),
        (
            [Demand("A", "H100", False, 12, 8)],
            [],
            {"A": []},
            {},
            r"'A'.*'H100'.*whole nodes.*got 12 GPUs on nodes of 8",
        ),
        ([], [Headroom("T", "H100", 8, False, 0)], {}, {}, r"'T'.*'H100'.*node_gpus.*got 0"),
        ([], [Headroom("T", "H100", -2, False, 8)], {}, {}, r"'T'.*'H100'.*>= 0, got -2"),
        (
            [Demand("train-east", "H100", False, 1)],
            [],
            {"train-west": [], "serve": []},
            {},
            r"'train-east'.*no entry.*did you mean 'train-west'",
        ),
        (
            [],
            [Headroom("T", "H100", 1, False, 8), Headroom("T", "H100", 2, True, 8)],
            {},
            {},
            r"'T'.*'H100' given twice",
        ),
        ([Demand("A", "H100", False, 1)], [], {"A": "T1"}, {}, r"failover\['A'\].*string 'T1'"),
        (
            [Demand("A", "H100", False, 1)],
            [],
            {"A": ["T1"]},
            {"H100": "A100"},
            r"substitutions\['H100'\].*string 'A100'",
        ),
    ],
)
def test_caller_errors_raise_value_error(
    demands: list[Demand],
    headroom: list[Headroom],
    failover: dict[str, list[str]],
    substitutions: dict[str, list[str]],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        assign(demands, headroom, failover, substitutions)


# --------------------------------------------------------------------------- properties


@dataclass(frozen=True)
class Problem:
    demands: list[Demand]
    headroom: list[Headroom]
    failover: dict[str, list[str]]
    substitutions: dict[str, list[str]]


CLUSTERS = ("A", "B", "C")
TARGETS = ("T1", "T2", "T3")
GPUS = ("H100", "A100", "L4")

_GroupKey = tuple[str, str, bool, int]  # (cluster, gpu, rdma, node_gpus)


@st.composite
def demand_rows(draw: st.DrawFn, failed: Sequence[str]) -> Demand:
    """A demand row in whole nodes: 1- or 2-GPU nodes, at most 4 GPUs."""
    node_gpus = draw(st.sampled_from((1, 2)))
    return Demand(
        cluster=draw(st.sampled_from(failed)),
        gpu=draw(st.sampled_from(GPUS[:2])),
        rdma=draw(st.booleans()),
        gpus=node_gpus * draw(st.integers(0, 4 // node_gpus)),
        node_gpus=node_gpus,
    )


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """Small outages: <= 3 failed clusters, <= 3 targets, counts <= 4, nodes of 1, 2 or 4."""
    failed = draw(st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=3, unique=True))
    failover = {
        cluster: draw(st.lists(st.sampled_from(TARGETS), max_size=3, unique=True))
        for cluster in failed
    }
    demands = draw(st.lists(demand_rows(failed), max_size=4))
    spare = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(TARGETS), st.sampled_from(GPUS)),
            st.tuples(st.integers(0, 4), st.booleans(), st.sampled_from((1, 2, 4))),
            max_size=6,
        )
    )
    headroom = [Headroom(t, g, n, r, size) for (t, g), (n, r, size) in spare.items()]
    substitutions = {
        gpu: draw(st.lists(st.sampled_from([o for o in GPUS if o != gpu]), max_size=2, unique=True))
        for gpu in draw(st.lists(st.sampled_from(GPUS), unique=True))
    }
    return Problem(demands, headroom, failover, substitutions)


def solve(problem: Problem) -> Assignment:
    return assign(problem.demands, problem.headroom, problem.failover, problem.substitutions)


def _wanted(problem: Problem) -> Counter[_GroupKey]:
    wanted: Counter[_GroupKey] = Counter()
    for d in problem.demands:
        wanted[(d.cluster, d.gpu, d.rdma, d.node_gpus)] += d.gpus
    return wanted


def _unit(gpu: str, target_gpu: str, node_gpus: int) -> int:
    """GPUs a placement comes in: whole nodes of the work's shape on its own GPU, any count on
    a substitute."""
    return node_gpus if target_gpu == gpu else 1


def check_invariants(problem: Problem, result: Assignment) -> None:
    """The rules every assignment obeys, whatever the preferences."""
    covered: Counter[_GroupKey] = Counter()
    for p in result.placements:
        covered[(p.cluster, p.gpu, p.rdma, p.node_gpus)] += p.gpus
    for s in result.shortfalls:
        covered[(s.cluster, s.gpu, s.rdma, s.node_gpus)] += s.gpus
    assert +covered == +_wanted(problem)  # placed + shortfall == demand per group

    spare = {(h.cluster, h.gpu): h for h in problem.headroom}
    used: Counter[tuple[str, str]] = Counter()
    for p in result.placements:
        assert p.gpus > 0
        assert p.target in problem.failover[p.cluster]
        assert p.target_gpu == p.gpu or p.target_gpu in problem.substitutions.get(p.gpu, ())
        row = spare[(p.target, p.target_gpu)]
        assert row.rdma or not p.rdma
        # shape: a node there is large enough, and whole units of the work land there
        unit = _unit(p.gpu, p.target_gpu, p.node_gpus)
        assert p.target_node_gpus == unit
        assert row.node_gpus >= unit
        assert p.gpus % unit == 0
        used[(p.target, p.target_gpu)] += p.gpus
    for bucket, gpus in used.items():
        assert gpus <= spare[bucket].gpus

    assert all(s.gpus > 0 for s in result.shortfalls)
    assert result.feasible == (not result.shortfalls)
    assert list(result.shortfalls) == sorted(
        result.shortfalls, key=lambda s: (s.cluster, s.gpu, s.rdma, s.node_gpus)
    )
    assert list(result.placements) == sorted(result.placements, key=_preference_order(problem))
    # One row per route: the same (group, target, target_gpu) never repeats.
    routes = {
        (p.cluster, p.gpu, p.rdma, p.node_gpus, p.target, p.target_gpu) for p in result.placements
    }
    assert len(routes) == len(result.placements)


def _gpu_options(problem: Problem, gpu: str) -> list[str]:
    return [gpu, *(g for g in dict.fromkeys(problem.substitutions.get(gpu, ())) if g != gpu)]


_SortKey = tuple[str, str, bool, int, int, int]


def _preference_order(problem: Problem) -> functools.partial[_SortKey]:
    return functools.partial(_placement_sort_key, problem)


def _placement_sort_key(problem: Problem, p: Placement) -> _SortKey:
    targets = list(dict.fromkeys(problem.failover[p.cluster]))
    return (
        p.cluster,
        p.gpu,
        p.rdma,
        p.node_gpus,
        targets.index(p.target),
        _gpu_options(problem, p.gpu).index(p.target_gpu),
    )


def _rank_span(problem: Problem) -> int:
    """K of the documented cost: one more than the longest substitute list of a demanded GPU."""
    return max((len(_gpu_options(problem, d.gpu)) for d in problem.demands), default=1)


def placement_cost(problem: Problem, result: Assignment) -> int:
    """The documented preference cost: target_index * K + gpu_rank per GPU."""
    k = _rank_span(problem)
    total = 0
    for p in result.placements:
        *_, target_index, gpu_rank = _placement_sort_key(problem, p)
        total += p.gpus * (target_index * k + gpu_rank)
    return total


def brute_force(problem: Problem) -> tuple[int, int]:
    """(most GPUs placeable, least cost among such placements), by exhaustive search.

    Tries every split of every demand group over every allowed (target, gpu), in whole units
    of the work's shape, leaving any part unplaced, sharing bucket capacity across groups;
    memoised on what is left.
    """
    wanted = _wanted(problem)
    groups = sorted(key for key, gpus in wanted.items() if gpus > 0)
    buckets = sorted((h.cluster, h.gpu) for h in problem.headroom)
    spare = {(h.cluster, h.gpu): h for h in problem.headroom}
    k = _rank_span(problem)
    routes: list[list[tuple[int, int, int]]] = []  # per group: (bucket index, cost, unit)
    for cluster, gpu, rdma, node_gpus in groups:
        allowed = []
        for ti, target in enumerate(dict.fromkeys(problem.failover[cluster])):
            for gi, target_gpu in enumerate(_gpu_options(problem, gpu)):
                row = spare.get((target, target_gpu))
                unit = _unit(gpu, target_gpu, node_gpus)
                if row is not None and (row.rdma or not rdma) and row.node_gpus >= unit:
                    allowed.append((buckets.index((target, target_gpu)), ti * k + gi, unit))
        routes.append(allowed)

    @functools.cache
    def best(group: int, route: int, left: int, caps: tuple[int, ...]) -> tuple[int, int]:
        # Returns (placed, -cost) so that max() prefers more placed, then less cost.
        if group == len(groups):
            return (0, 0)
        if route == len(routes[group]):
            nxt = group + 1
            return best(nxt, 0, wanted[groups[nxt]] if nxt < len(groups) else 0, caps)
        bucket, cost, unit = routes[group][route]
        options = []
        for take in range(0, min(left, caps[bucket]) + 1, unit):
            rest = list(caps)
            rest[bucket] -= take
            placed, neg_cost = best(group, route + 1, left - take, tuple(rest))
            options.append((placed + take, neg_cost - take * cost))
        return max(options)

    caps = tuple(spare[b].gpus for b in buckets)
    placed, neg_cost = best(0, 0, wanted[groups[0]] if groups else 0, caps)
    return placed, -neg_cost


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(problems())
def test_rules_hold(problem: Problem) -> None:
    check_invariants(problem, solve(problem))


@PROPERTY_SETTINGS
@given(problems())
def test_exact_against_brute_force(problem: Problem) -> None:
    result = solve(problem)
    most, least_cost = brute_force(problem)
    placed = sum(p.gpus for p in result.placements)
    assert result.exact  # small problems never reach the flow limit
    assert placed == most  # a shortfall only when no placement of all demand exists
    assert result.feasible == (most == sum(d.gpus for d in problem.demands))
    assert placement_cost(problem, result) == least_cost


@PROPERTY_SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_independent_of_input_order(problem: Problem, rnd: random.Random) -> None:
    shuffled = Problem(
        rnd.sample(problem.demands, len(problem.demands)),
        rnd.sample(problem.headroom, len(problem.headroom)),
        dict(rnd.sample(sorted(problem.failover.items()), len(problem.failover))),
        dict(rnd.sample(sorted(problem.substitutions.items()), len(problem.substitutions))),
    )
    assert solve(shuffled) == solve(problem)


# --------------------------------------------------------------------------- size smoke test


def _pool_demand(rnd: random.Random, cluster: str, gpus: Sequence[str]) -> Demand:
    """One pool's demand: up to 8 nodes of 1, 4 or 8 GPUs."""
    node_gpus = rnd.choice((1, 1, 4, 8))
    gpu, rdma = rnd.choice(gpus), rnd.random() < 0.3
    return Demand(cluster, gpu, rdma, node_gpus * rnd.randint(0, 8), node_gpus)


def _region_outages(rnd: random.Random) -> Iterator[Problem]:
    """Every region outage of a stack of 200 clusters with 50 pools each, 3 clouds."""
    regions = [f"{cloud}/r{i}" for cloud in ("aws", "azure", "alicloud") for i in range(4)]
    gpus = ("H100", "H200", "A100", "L40S", "L4", "A10G")
    clusters = [f"{regions[i % len(regions)]}/c{i}" for i in range(200)]
    region_of = {c: c.rsplit("/", 1)[0] for c in clusters}
    pools = {c: [_pool_demand(rnd, c, gpus) for _ in range(50)] for c in clusters}
    spare = {
        c: [
            # as infra.dr.capacity builds it: whole nodes of the largest type offered there
            Headroom(c, g, 8 * rnd.randint(0, 150), rnd.random() < 0.9, 8)
            for g in gpus
        ]
        for c in clusters
    }
    failover = {
        c: rnd.sample([t for t in clusters if region_of[t] != region_of[c]], 3) for c in clusters
    }
    substitutions = {"H100": ["H200", "A100"], "L4": ["L40S", "A10G"], "A100": ["H100"]}
    for region in regions:
        failed = [c for c in clusters if region_of[c] == region]
        yield Problem(
            [d for c in failed for d in pools[c]],
            [h for c in clusters if region_of[c] != region for h in spare[c]],
            {c: failover[c] for c in failed},
            substitutions,
        )


def test_every_region_outage_of_a_large_stack() -> None:
    # A smoke test of size, not a timing test: it must simply finish and obey the rules.
    outages = list(_region_outages(random.Random(7)))
    assert len(outages) == 12
    results = [solve(problem) for problem in outages]
    for problem, result in zip(outages, results, strict=True):
        check_invariants(problem, result)
    assert any(r.feasible for r in results)
    assert any(not r.feasible for r in results)
    assert all(r.exact for r in results)
