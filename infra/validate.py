"""Validation and resolution: from a typed :class:`~infra.model.Stack` to a
:class:`~infra.resolve.ResolvedStack`, or every problem found, each one line with its field path.

Rules that depend on one cloud (naming, tags, RDMA) are asked of that cloud's module; rules that
depend on facts (regions, zones, GPUs, instance types, Kubernetes versions) are asked of the
catalog. Nothing here stops at the first problem.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from infra.access import admin_problem
from infra.catalog import Catalog, Offer
from infra.clouds import CLOUDS, Cloud
from infra.errors import Problem, StackError, allowed, number, unknown
from infra.model import Cluster, DisasterRecovery, NodePool, Stack
from infra.reservations import reservation_kind, reservation_kinds
from infra.resolve import (
    ResolvedCluster,
    ResolvedPool,
    ResolvedReservation,
    ResolvedStack,
    Taint,
    choose_gpu_offer,
    gpus_in_use,
)
from infra.state import backend_regions, is_home

__all__ = [
    "KUBERNETES_WARNING_DAYS",
    "MAX_GPUS",
    "MAX_POOL_NODES",
    "MAX_RPO_MINUTES",
    "MAX_RTO_MINUTES",
    "STRATEGIES",
    "WORKLOADS",
    "kubernetes_warnings",
    "validate_stacks",
]

WORKLOADS = ("inference", "training")
STRATEGIES = ("active-active", "pilot-light", "warm-standby")
TAINT_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")

# Upper bounds of the integer fields, checked before any arithmetic or formatting uses a value
# (Python ints have no size limit; a stack may say 10**5000).
# A pool cannot outgrow its cluster, and the largest managed cluster the three clouds document
# is 5,000 nodes: AKS 5,000 per cluster (1,000 per node pool), ACK Pro 5,000; EKS managed node
# groups default to 450 nodes each (raisable on request). Sources: learn.microsoft.com
# /azure/aks/quotas-skus-regions, alibabacloud.com/help/en/ack/product-overview/limits,
# docs.aws.amazon.com/eks/latest/userguide/service-quotas.html.
MAX_POOL_NODES = 5_000
# 16 GPUs per node is twice the most any type of the catalog carries (8: p5, ND H100 v5,
# ebmgn7ex), so catalog growth meets the node limit first. This bounds gpus, min_gpus,
# max_gpus of a pool and gpu_capacity of a cluster (a cluster is at most 5,000 nodes too).
MAX_GPUS = MAX_POOL_NODES * 16
# A checkpoint sync job runs on a cron schedule "*/N * * * *": N must divide an hour to keep
# its interval even (and 60 is "0 * * * *").
SYNC_INTERVALS = tuple(n for n in range(1, 61) if 60 % n == 0)
# The DR modules (modules/dr-*/variables.tf) and Pulumi DR components (infra/pulumi/dr.py)
# accept rpo_minutes from 1 to 1440; anything larger would render and then fail at plan time.
MAX_RPO_MINUTES = 1440
# A product ceiling, not a cloud fact: a recovery time objective past a week is no failover plan.
MAX_RTO_MINUTES = 7 * 24 * 60

# Our own names become parts of every cloud resource name ("<stack>-<cluster>-..."), so they
# keep to the strictest common subset: lowercase letters, digits and '-'. Every pattern here is
# used with fullmatch: `$` alone would accept a trailing newline.
_NAME = re.compile(r"[a-z]([a-z0-9-]{0,22}[a-z0-9])?")
_ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{0,15}")
_PREFIX_MAX = 40  # "<stack>-<cluster>": the module input `name` (see modules/*/variables.tf)
_PRIVATE_NETWORKS = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
# Kubernetes label syntax (kubernetes.io/docs/concepts/overview/working-with-objects/labels):
# optional DNS-subdomain prefix (<= 253) and '/', then a name of <= 63 characters
# [a-z0-9A-Z] with '-', '_', '.' inside; values the same as names, or empty.
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_VERSION = re.compile(r"[0-9]+\.[0-9]+")


@dataclass
class _Report:
    """Problems of one stack, each prefixed with its file and stack."""

    file: str
    stack: str
    today: date = field(default_factory=date.today)  # the day support dates are checked on
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.stack, path, message))


def validate_stacks(
    stacks: Sequence[tuple[str, Stack]], catalog: Catalog, today: date | None = None
) -> tuple[list[ResolvedStack], list[Problem]]:
    """Validate and resolve ``(file, stack)`` pairs; every problem of every stack at once.

    Kubernetes support dates are checked on ``today`` (default: the real date), so tests can
    pin the day.

    Each stack is re-validated first: ``Stack.model_construct``, ``model_copy(update=...)`` and
    components built with ``model_construct`` skip pydantic's checks, and a stack that comes
    back from another process is only as good as the object that was pickled there.
    """
    resolved: list[ResolvedStack] = []
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for file, given in stacks:
        stack = _revalidated(file, given, problems)
        if stack is None:
            continue
        report = _Report(file, stack.name, today or date.today())
        if stack.name in first_file:
            report.add(
                "name", f"duplicate stack name {stack.name!r} (also in {first_file[stack.name]})"
            )
        first_file.setdefault(stack.name, file)
        result = _stack(stack, report, catalog)
        problems.extend(report.problems)
        if result is not None and not report.problems:
            resolved.append(result)
    return resolved, problems


def _revalidated(file: str, stack: object, problems: list[Problem]) -> Stack | None:
    """``stack`` checked again as ``Stack(...)`` checks it, or None with its problems added.

    ``revalidate_instances="always"`` makes pydantic re-run the whole tree, each component
    included: about what building the stack cost. Measured on 200 clusters x 50 pools: 0.09 s,
    validate_stacks 0.30 s -> 0.41 s. Nothing cheaper is sound: a valid-looking instance may
    hold anything (model_copy copies whatever it is given, model_construct checks nothing).
    """
    if not isinstance(stack, Stack):
        problems.append(Problem(file, "", "", f"expected a Stack, got {type(stack).__name__}"))
        return None
    # pydantic reads these to re-validate an instance. Only a stack file that deletes or
    # replaces them by hand gets here; anything else raised below is a bug of ours, not theirs.
    extra = getattr(stack, "__pydantic_extra__", False)
    if not hasattr(stack, "__pydantic_fields_set__") or not (
        extra is None or isinstance(extra, dict)
    ):
        problems.append(
            Problem(
                file, "", "", "not a valid Stack object (its pydantic attributes were replaced)"
            )
        )
        return None
    try:
        return Stack.model_validate(stack)
    except StackError as exc:
        # Stack.__init__ names the file that called it, here infra's own caller: use ours.
        problems.extend(dataclasses.replace(p, file=file) for p in exc.problems)
    return None


# -- stack ----------------------------------------------------------------------------------


def _stack(stack: Stack, report: _Report, catalog: Catalog) -> ResolvedStack | None:
    if not _NAME.fullmatch(stack.name):
        report.add("name", _name_message("stack", stack.name))
    if not stack.owner.strip():
        report.add("owner", "must not be empty (allowed: a team or person responsible)")
    elif not stack.owner.isprintable():
        # The owner becomes a tag value on every resource and a part of the hashed, globally
        # unique names (a lone surrogate cannot even be encoded to hash it).
        report.add(
            "owner",
            f"{stack.owner!r} has control or invisible characters (allowed: printable text)",
        )
    if not _ENVIRONMENT.fullmatch(stack.environment):
        report.add(
            "environment",
            f"invalid environment {stack.environment!r} (allowed: 1-16 lowercase letters, "
            "digits and '-', starting with a letter, e.g. prod, staging)",
        )
    if not stack.clusters:
        report.add("clusters", "a stack needs at least one cluster")

    clouds_used = sorted({c.cloud for c in stack.clusters if c.cloud in CLOUDS})
    if _NAME.fullmatch(stack.name) and stack.owner.isprintable():
        _state_backend_names(stack, report, catalog)
    for key, value in sorted(stack.tags.items()):
        if not (key.isprintable() and value.isprintable()):
            # No cloud takes these, and a key is written into HCL and Pulumi programs as is.
            report.add(
                f"tags.{key}",
                "tag has control or invisible characters (allowed: printable text)",
            )
            continue
        for cloud_name in clouds_used:
            problem = CLOUDS[cloud_name].tag_problem(key, value)
            if problem:
                report.add(f"tags.{key}", problem)

    clusters = [
        _cluster(stack.name, cluster, f"clusters[{i}]", report, catalog)
        for i, cluster in enumerate(stack.clusters)
    ]
    _unique(report, "clusters", [c.name for c in stack.clusters], "cluster name")
    _no_overlap(report, stack.clusters)
    if stack.dr is not None:
        _disaster_recovery(stack.dr, [c.name for c in stack.clusters], report, catalog)
    if any(c is None for c in clusters):
        return None
    return ResolvedStack(
        name=stack.name,
        owner=stack.owner,
        environment=stack.environment,
        tags=dict(stack.tags),
        clusters=tuple(c for c in clusters if c is not None),
        dr=stack.dr,
        file=report.file,
    )


def _state_backend_names(stack: Stack, report: _Report, catalog: Catalog) -> None:
    """Every state backend of the stack (infra.state: one per region it keeps state in) is
    named after the stack (modules/state-backend-*): each name must pass its module's rule. A
    region the catalog does not know is reported where it is written, not here."""
    clusters = [(c.cloud, c.region) for c in stack.clusters]
    backends = backend_regions(clusters, stack.dr)
    for cloud_name, region in backends:
        if cloud_name not in CLOUDS:
            continue
        cloud = CLOUDS[cloud_name]
        home = is_home(backends, cloud_name, region)
        if not home and region not in catalog.regions(cloud_name):
            continue
        inputs = cloud.state_backend_inputs(stack.name, stack.owner, region, home=home)
        name = inputs.get("name")
        if isinstance(name, str) and not re.fullmatch(cloud.state_name_pattern, name):
            where = "" if home else f" in {region}"
            report.add(
                "name",
                f"stack name {stack.name!r} makes the {cloud.title} state backend name "
                f"{name!r}{where}, which its module refuses (allowed: a name that fully matches "
                f"{cloud.state_name_pattern}, e.g. at least 3 characters)",
            )


def _name_message(kind: str, name: str) -> str:
    return (
        f"invalid {kind} name {name!r} (allowed: 1-24 lowercase letters, digits and '-', "
        "starting with a letter and not ending with '-')"
    )


def _too_large(value: int, low: int, high: int) -> str:
    return f"{number(value)} is too large (allowed: {low} to {high})"


def _unique(report: _Report, path: str, names: Iterable[str], what: str) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            report.add(
                f"{path}[{index}].name",
                f"duplicate {what} {name!r} (first at {path}[{seen[name]}])",
            )
        else:
            seen[name] = index


# -- cluster --------------------------------------------------------------------------------


def _cluster(
    stack_name: str, cluster: Cluster, path: str, report: _Report, catalog: Catalog
) -> ResolvedCluster | None:
    start = len(report.problems)
    if not _NAME.fullmatch(cluster.name):
        report.add(f"{path}.name", _name_message("cluster", cluster.name))
    elif len(stack_name) + 1 + len(cluster.name) > _PREFIX_MAX:
        report.add(
            f"{path}.name",
            f"'{stack_name}-{cluster.name}' is {len(stack_name) + 1 + len(cluster.name)} "
            f"characters (allowed: stack and cluster names together at most {_PREFIX_MAX - 1}, "
            "as cloud resource names are built from them)",
        )
    cloud = CLOUDS.get(cluster.cloud)
    if cloud is None:
        report.add(f"{path}.cloud", unknown("cloud", cluster.cloud, CLOUDS))
        return None
    regions = catalog.regions(cloud.name)
    region_ok = cluster.region in regions
    if not region_ok:
        report.add(f"{path}.region", unknown(f"{cloud.title} region", cluster.region, regions))
    _cidr(cluster.cidr, cloud, f"{path}.cidr", report)
    admins = _admins(cluster, cloud, f"{path}.admins", report)
    zones = _zones(cluster, cloud, path, report, catalog) if region_ok else ()
    version = _kubernetes_version(cluster, cloud, path, report, catalog)
    pools = [
        _pool(pool, cluster, cloud, f"{path}.pools[{i}]", report, catalog, zones)
        if region_ok
        else None
        for i, pool in enumerate(cluster.pools)
    ]
    _unique(report, f"{path}.pools", [p.name for p in cluster.pools], "pool name")
    resolved_pools = tuple(p for p in pools if p is not None)
    if region_ok:
        _gpu_capacity(cluster, resolved_pools, path, report, catalog)
    if len(report.problems) > start or version is None:
        return None
    return ResolvedCluster(
        name=cluster.name,
        cloud=cloud.name,
        region=cluster.region,
        cidr=cluster.cidr,
        zones=zones,
        kubernetes_version=version,
        pools=resolved_pools,
        gpu_capacity=dict(cluster.gpu_capacity),
        stateless=cluster.stateless,
        admins=admins,
    )


def _cidr(text: str, cloud: Cloud, path: str, report: _Report) -> None:
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            report.add(path, f"invalid CIDR {text!r} (allowed: an IPv4 network like 10.10.0.0/16)")
        else:
            report.add(path, f"{text!r} has host bits set (did you mean {str(loose)!r}?)")
        return
    if not isinstance(network, ipaddress.IPv4Network):
        report.add(path, f"{text!r} is IPv6 (allowed: an IPv4 network like 10.10.0.0/16)")
        return
    if not any(network.subnet_of(private) for private in _PRIVATE_NETWORKS):
        report.add(
            path,
            f"{text!r} is not a private network (allowed: inside 10.0.0.0/8, 172.16.0.0/12, "
            "192.168.0.0/16 or 100.64.0.0/10)",
        )
    low, high = cloud.network_prefix_range
    if not low <= network.prefixlen <= high:
        report.add(
            path,
            f"prefix /{network.prefixlen} is not allowed for {cloud.title} networks "
            f"(allowed: /{low} to /{high})",
        )


def _admins(cluster: Cluster, cloud: Cloud, path: str, report: _Report) -> tuple[str, ...]:
    """The cluster's admins, each in its cloud's form (infra.access) and listed once: EKS takes
    a principal in one access entry only, and a repeated id would grant the same twice."""
    seen: dict[str, int] = {}
    for index, admin in enumerate(cluster.admins):
        problem = admin_problem(cloud.name, admin)
        if problem:
            report.add(f"{path}[{index}]", problem)
        elif admin.lower() in seen:
            report.add(
                f"{path}[{index}]",
                f"admin {admin!r} is listed twice (first at {path}[{seen[admin.lower()]}])",
            )
        seen.setdefault(admin.lower(), index)
    return tuple(cluster.admins)


def _no_overlap(report: _Report, clusters: Sequence[Cluster]) -> None:
    """No two clusters' networks overlap (sorted sweep: n log n, not all pairs)."""
    networks: list[tuple[ipaddress.IPv4Network, int]] = []
    for index, cluster in enumerate(clusters):
        try:
            network = ipaddress.ip_network(cluster.cidr, strict=True)
        except ValueError:
            continue
        if isinstance(network, ipaddress.IPv4Network):
            networks.append((network, index))
    networks.sort(key=lambda item: (int(item[0].network_address), item[1]))
    widest: tuple[ipaddress.IPv4Network, int] | None = None
    for network, index in networks:
        if widest is not None and network.overlaps(widest[0]):
            other = clusters[widest[1]]
            report.add(
                f"clusters[{index}].cidr",
                f"{str(network)!r} overlaps {other.name!r} ({other.cidr}) (allowed: a network "
                "no other cluster of the stack uses)",
            )
        if widest is None or int(network.broadcast_address) > int(widest[0].broadcast_address):
            widest = (network, index)


def _zones(
    cluster: Cluster, cloud: Cloud, path: str, report: _Report, catalog: Catalog
) -> tuple[str, ...]:
    known = catalog.zones_of(cloud.name, cluster.region)
    if cluster.zones is None:
        chosen = known[: cloud.default_zone_count]
    else:
        chosen = cluster.zones
        for index, zone in enumerate(chosen):
            if zone not in known:
                report.add(
                    f"{path}.zones[{index}]",
                    unknown(f"{cluster.region} zone", zone, known)
                    if known
                    else f"zone {zone!r}: {cluster.region} has no availability zones in the catalog",
                )
        for zone, count in Counter(chosen).items():
            if count > 1:
                report.add(f"{path}.zones", f"zone {zone!r} is listed {count} times")
    if len(set(chosen)) > cloud.max_zones:
        report.add(
            f"{path}.zones",
            f"{len(set(chosen))} zones (allowed: at most {cloud.max_zones} for {cloud.title} "
            "clusters, as the network is split into one subnet range per zone)",
        )
    if len(set(chosen)) < cloud.min_zones:
        report.add(
            f"{path}.zones",
            f"{cloud.kubernetes_service} needs at least {cloud.min_zones} zones "
            f"(allowed: {', '.join(known) or 'none known'})",
        )
    return tuple(chosen)


# A version this close to its end of support still validates, with a warning naming the date.
KUBERNETES_WARNING_DAYS = 90


def _kubernetes_version(
    cluster: Cluster, cloud: Cloud, path: str, report: _Report, catalog: Catalog
) -> str | None:
    """The cluster's version from the cloud's calendar (infra/catalog/data/<cloud>_kubernetes.csv)
    on ``report.today``: unknown, not yet released and past-its-end versions are errors that
    name the dates. The default is the newest version offered that day: the calendars are per
    cloud, not per region, so that is the newest every region of the cloud supports."""
    today = report.today
    supported = catalog.kubernetes_versions(cloud.name, today)
    where = f"{path}.kubernetes_version"
    if cluster.kubernetes_version is None:
        default = catalog.default_kubernetes_version(cloud.name, today)
        if default is None:
            report.add(
                where, f"the catalog lists no {cloud.kubernetes_service} version offered on {today}"
            )
        return default
    version = cluster.kubernetes_version
    entry = catalog.kubernetes_version(cloud.name, version) if _VERSION.fullmatch(version) else None
    problem: str | None = None
    if entry is None:
        problem = f"Kubernetes {version!r} is not supported by {cloud.kubernetes_service}"
    elif entry.status != "released" or entry.release > today:
        when = "planned for" if entry.status == "planned" else "release date"
        problem = (
            f"Kubernetes {version} is not released on {cloud.kubernetes_service} yet "
            f"({when} {entry.release})"
        )
    elif today >= entry.last_day:
        kind = "extended" if entry.end_of_extended_support else "standard"
        problem = (
            f"Kubernetes {version} reached the end of {cloud.kubernetes_service} {kind} support "
            f"on {entry.last_day}"
        )
    if problem is not None:
        offered = allowed(supported) if supported else f"no version is offered on {today}"
        report.add(where, f"{problem} ({offered})")
        return None
    return version


def kubernetes_warnings(
    stacks: Sequence[ResolvedStack], catalog: Catalog, today: date | None = None
) -> list[Problem]:
    """Warnings for valid stacks: a cluster whose version is within
    ``KUBERNETES_WARNING_DAYS`` days of its end of support, or (EKS) already in extended support,
    which the cloud bills extra. Each names the date."""
    day = today or date.today()
    warnings: list[Problem] = []
    for stack in stacks:
        for index, cluster in enumerate(stack.clusters):
            entry = catalog.kubernetes_version(cluster.cloud, cluster.kubernetes_version)
            if entry is None:
                continue
            cloud = CLOUDS[cluster.cloud]
            last = entry.last_day
            where = f"clusters[{index}].kubernetes_version"
            left = (last - day).days
            if entry.end_of_extended_support and entry.end_of_standard_support <= day < last:
                warnings.append(
                    Problem(
                        stack.file,
                        stack.name,
                        where,
                        f"Kubernetes {entry.version} left {cloud.kubernetes_service} standard "
                        f"support on {entry.end_of_standard_support}; extended support (billed "
                        f"extra per cluster hour) ends on {last}",
                    )
                )
            elif 0 < left <= KUBERNETES_WARNING_DAYS:
                warnings.append(
                    Problem(
                        stack.file,
                        stack.name,
                        where,
                        f"Kubernetes {entry.version} reaches the end of "
                        f"{cloud.kubernetes_service} support on {last} ({left} days)",
                    )
                )
    return warnings


def _gpu_capacity(
    cluster: Cluster, pools: Sequence[ResolvedPool], path: str, report: _Report, catalog: Catalog
) -> None:
    in_use = gpus_in_use(pools)
    for gpu, count in sorted(cluster.gpu_capacity.items()):
        where = f"{path}.gpu_capacity.{gpu}"
        if gpu not in catalog.gpus:
            report.add(where, unknown("GPU", gpu, catalog.gpus))
        elif count < 0:
            report.add(where, f"{number(count)} is negative (allowed: 0 or more GPUs)")
        elif count > MAX_GPUS:
            report.add(where, _too_large(count, 0, MAX_GPUS))
        elif count < in_use.get(gpu, 0):
            report.add(
                where,
                f"{count} is below the {in_use[gpu]} {gpu} GPUs the cluster's pools may use "
                f"(allowed: at least {in_use[gpu]})",
            )


# -- node pool ------------------------------------------------------------------------------


def _pool(
    pool: NodePool,
    cluster: Cluster,
    cloud: Cloud,
    path: str,
    report: _Report,
    catalog: Catalog,
    zones: Sequence[str] = (),
) -> ResolvedPool | None:
    start = len(report.problems)
    problem = cloud.pool_name_problem(pool.name)
    if problem:
        report.add(f"{path}.name", problem)
    if pool.workload not in WORKLOADS:
        report.add(f"{path}.workload", unknown("workload", pool.workload, WORKLOADS))
    _labels(pool, path, report)
    taints = _taints(pool, path, report)
    for field_name in ("gpus", "min_gpus", "max_gpus", "nodes"):
        value = getattr(pool, field_name)
        high = MAX_POOL_NODES if field_name == "nodes" else MAX_GPUS
        if value is not None and value < 0:
            report.add(f"{path}.{field_name}", f"{number(value)} is negative (allowed: 0 or more)")
        elif value is not None and value > high:
            report.add(f"{path}.{field_name}", _too_large(value, 0, high))
    if len(report.problems) > start:
        return None

    if pool.gpu is not None:
        offer, counts = _gpu_pool(pool, cluster, cloud, path, report, catalog)
    elif pool.instance_type is not None:
        offer, counts = _plain_pool(pool, cluster, cloud, path, report, catalog)
    else:
        report.add(
            path,
            "a pool needs a GPU or an instance type (allowed: gpu= with gpus=, or "
            "instance_type= with nodes=)",
        )
        return None
    if offer is None or counts is None or len(report.problems) > start:
        return None
    if pool.rdma:
        problem = cloud.rdma_problem(offer)
        if problem:
            report.add(f"{path}.rdma", problem)
            return None
    low, desired, high = counts
    cap = cloud.max_pool_nodes
    sizing = "nodes" if pool.gpu is None else "max_gpus" if pool.max_gpus is not None else "gpus"
    if high < 1:
        report.add(
            f"{path}.{sizing}",
            "a pool needs room for at least one node (allowed: nodes >= 1, or gpus/max_gpus of "
            "at least one node; the cluster modules require max_nodes >= 1)",
        )
        return None
    if cap is not None and high > cap:
        report.add(
            f"{path}.{sizing}",
            f"{high} nodes at most is above the {cloud.kubernetes_service} limit per node pool "
            f"(allowed: max_nodes up to {cap}; split the pool)",
        )
        return None
    reservation = None
    if pool.reservation is not None:
        reservation = _reservation(pool, offer, high, cloud, zones, f"{path}.reservation", report)
        if reservation is None:
            return None
    return ResolvedPool(
        name=pool.name,
        offer=offer,
        min_nodes=low,
        desired_nodes=desired,
        max_nodes=high,
        rdma=pool.rdma,
        spot=pool.spot,
        workload=pool.workload,
        labels=dict(pool.labels),
        taints=taints,
        reservation=reservation,
    )


def _reservation(
    pool: NodePool,
    offer: Offer,
    max_nodes: int,
    cloud: Cloud,
    zones: Sequence[str],
    path: str,
    report: _Report,
) -> ResolvedReservation | None:
    """A pool's reservation checked offline against the pool and its cluster (what the cloud
    would refuse at launch: docs/reservations.md and infra/clouds/<cloud>/reservations.py)."""
    given = pool.reservation
    assert given is not None
    start = len(report.problems)
    kind = reservation_kind(cloud.name, given.kind)
    if kind is None:
        report.add(
            f"{path}.kind",
            unknown(f"{cloud.title} reservation kind", given.kind, reservation_kinds(cloud.name)),
        )
        return None
    if not kind.pattern.fullmatch(given.id):
        shown = given.id if len(given.id) <= 80 else given.id[:77] + "..."
        report.add(f"{path}.id", f"invalid {given.kind} id {shown!r} (allowed: {kind.rule})")
    if given.instance_type != offer.instance_type:
        report.add(
            f"{path}.instance_type",
            f"{given.instance_type!r} is not the pool's instance type (allowed: "
            f"{offer.instance_type}; a reservation holds one instance type)",
        )
    if given.zone not in zones:
        report.add(
            f"{path}.zone",
            f"{given.zone!r} is not a zone of the cluster (allowed: {', '.join(zones)})",
        )
    if pool.spot:
        report.add(
            f"{path}",
            "a spot pool cannot launch into a reservation (allowed: spot=False with a "
            "reservation, or no reservation)",
        )
    if given.instances < 1:
        report.add(
            f"{path}.instances",
            f"{number(given.instances)} (allowed: the instances it holds, 1 to {MAX_POOL_NODES})",
        )
    elif given.instances > MAX_POOL_NODES:
        report.add(f"{path}.instances", _too_large(given.instances, 1, MAX_POOL_NODES))
    elif kind.caps_launches and max_nodes > given.instances:
        report.add(
            f"{path}.instances",
            f"the pool may grow to {max_nodes} nodes but the reservation holds "
            f"{given.instances} and {cloud.title} refuses launches beyond it (allowed: max "
            f"nodes <= {given.instances})",
        )
    rate = given.hourly_rate
    if rate is not None and not (math.isfinite(rate) and 0 <= rate <= 1_000_000):
        report.add(
            f"{path}.hourly_rate", f"{rate!r} (allowed: USD per instance-hour, 0 to 1000000)"
        )
    elif rate is None and kind.default_rate_source is None:
        report.add(
            f"{path}.hourly_rate",
            f"required for a {given.kind}: it has no public fixed rate (allowed: the USD per "
            "instance-hour your contract says)",
        )
    ends = _reservation_end(given.ends, f"{path}.ends", report)
    if len(report.problems) > start:
        return None
    return ResolvedReservation(
        kind=given.kind,
        id=given.id,
        instance_type=given.instance_type,
        zone=given.zone,
        instances=given.instances,
        hourly_rate=rate,
        ends=ends,
        path=path,
    )


def _reservation_end(text: str | None, path: str, report: _Report) -> date | None:
    if text is None:
        return None
    try:
        ends = date.fromisoformat(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:37] + "..."
        report.add(path, f"{shown!r} is not a date (allowed: YYYY-MM-DD)")
        return None
    if ends < report.today:
        report.add(
            path,
            f"the reservation ended on {ends.isoformat()} (allowed: today or a later date)",
        )
    return ends


def _gpu_pool(
    pool: NodePool, cluster: Cluster, cloud: Cloud, path: str, report: _Report, catalog: Catalog
) -> tuple[Offer | None, tuple[int, int, int] | None]:
    assert pool.gpu is not None
    if pool.gpu not in catalog.gpus:
        report.add(f"{path}.gpu", unknown("GPU", pool.gpu, catalog.gpus))
        return None, None
    if pool.nodes is not None:
        report.add(f"{path}.nodes", "a GPU pool is sized by gpus, not nodes (allowed: gpus=N)")
    if pool.gpus is None:
        report.add(f"{path}.gpus", f"required with gpu={pool.gpu!r} (allowed: total GPUs, >= 0)")
        return None, None
    low = pool.min_gpus if pool.min_gpus is not None else pool.gpus
    high = pool.max_gpus if pool.max_gpus is not None else pool.gpus
    if pool.min_gpus is not None and pool.min_gpus > pool.gpus:
        report.add(
            f"{path}.min_gpus",
            f"{pool.min_gpus} is above gpus={pool.gpus} (allowed: min_gpus <= gpus)",
        )
    if pool.max_gpus is not None and pool.max_gpus < pool.gpus:
        report.add(
            f"{path}.max_gpus",
            f"{pool.max_gpus} is below gpus={pool.gpus} (allowed: max_gpus >= gpus)",
        )
    candidates = catalog.gpu_offers(cloud.name, cluster.region, pool.gpu)
    if not candidates:
        report.add(
            f"{path}.gpu",
            f"{pool.gpu} is not offered in {cloud.title} {cluster.region} "
            f"({_offered_in(catalog.gpu_regions(cloud.name, pool.gpu))})",
        )
        return None, None
    if pool.instance_type is not None:
        offer = _pinned(
            pool.instance_type, cluster, cloud, f"{path}.instance_type", report, catalog
        )
        if offer is None:
            return None, None
        if offer.gpu != pool.gpu:
            report.add(
                f"{path}.instance_type",
                f"{offer.instance_type!r} has {offer.gpu or 'no GPU'}, not {pool.gpu} "
                f"(allowed: {', '.join(sorted(o.instance_type for o in candidates))})",
            )
            return None, None
        if offer.whole_gpus == 0:
            report.add(
                f"{path}.instance_type",
                f"{offer.instance_type!r} has a fraction of a GPU ({offer.gpus}); pin it with "
                "instance_type= and nodes= and no gpu= (allowed: whole-GPU types for gpu pools)",
            )
            return None, None
        candidates = (offer,)
    elif pool.rdma:
        rdma_capable = tuple(o for o in candidates if cloud.rdma_problem(o) is None)
        if not rdma_capable:
            report.add(
                f"{path}.rdma",
                f"no {pool.gpu} type with {cloud.rdma_name} in {cluster.region} "
                f"(offered: {', '.join(sorted(o.instance_type for o in candidates))})",
            )
            return None, None
        candidates = rdma_capable
    offer, why = choose_gpu_offer(candidates, (pool.gpus, low, high))
    if offer is None:
        report.add(f"{path}.gpus", f"{pool.gpus} {why}")
        return None, None
    per = offer.whole_gpus
    return offer, (low // per, pool.gpus // per, high // per)


def _plain_pool(
    pool: NodePool, cluster: Cluster, cloud: Cloud, path: str, report: _Report, catalog: Catalog
) -> tuple[Offer | None, tuple[int, int, int] | None]:
    assert pool.instance_type is not None
    for field_name in ("gpus", "min_gpus", "max_gpus"):
        if getattr(pool, field_name) is not None:
            report.add(
                f"{path}.{field_name}",
                f"{field_name} needs gpu= (allowed: gpu= with gpus=, or instance_type= with nodes=)",
            )
    if pool.nodes is None:
        report.add(
            f"{path}.nodes", f"required with instance_type={pool.instance_type!r} (allowed: >= 0)"
        )
        return None, None
    offer = _pinned(pool.instance_type, cluster, cloud, f"{path}.instance_type", report, catalog)
    if offer is None:
        return None, None
    return offer, (pool.nodes, pool.nodes, pool.nodes)


def _pinned(
    instance_type: str, cluster: Cluster, cloud: Cloud, path: str, report: _Report, catalog: Catalog
) -> Offer | None:
    offer = catalog.offer(cloud.name, instance_type, cluster.region)
    if offer is not None:
        return offer
    regions = catalog.offered_regions(cloud.name, instance_type)
    if regions:
        report.add(
            path,
            f"{instance_type!r} is not offered in {cloud.title} {cluster.region} "
            f"({_offered_in(regions)})",
        )
    else:
        report.add(
            path,
            unknown(
                f"{cloud.title} instance type", instance_type, catalog.instance_types(cloud.name)
            ),
        )
    return None


def _offered_in(regions: Sequence[str]) -> str:
    return f"offered in: {', '.join(regions)}" if regions else "offered in no region of the catalog"


def _labels(pool: NodePool, path: str, report: _Report) -> None:
    for key, value in sorted(pool.labels.items()):
        problem = _label_key_problem(key)
        if problem:
            report.add(f"{path}.labels.{key}", problem)
        if value and not _LABEL_NAME.fullmatch(value):
            report.add(
                f"{path}.labels.{key}",
                f"invalid label value {value!r} (allowed: up to 63 letters, digits, '-', '_', '.', "
                "starting and ending with a letter or digit, or empty)",
            )


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"invalid label key prefix {prefix!r} (allowed: a DNS subdomain like example.com)"
    if not _LABEL_NAME.fullmatch(name):
        return (
            f"invalid label key {key!r} (allowed: [prefix/]name, name up to 63 letters, digits, "
            "'-', '_', '.', starting and ending with a letter or digit)"
        )
    return None


def _taints(pool: NodePool, path: str, report: _Report) -> tuple[Taint, ...]:
    taints: list[Taint] = []
    for index, text in enumerate(pool.taints):
        where = f"{path}.taints[{index}]"
        key_value, sep, effect = text.rpartition(":")
        key, _, value = key_value.partition("=")
        if not sep or effect not in TAINT_EFFECTS:
            report.add(
                where,
                f"invalid taint {text!r} (allowed: key=value:Effect or key:Effect, Effect one of "
                f"{', '.join(TAINT_EFFECTS)})",
            )
            continue
        problem = _label_key_problem(key)
        if problem or (value and not _LABEL_NAME.fullmatch(value)):
            report.add(where, f"invalid taint {text!r}: {problem or f'bad value {value!r}'}")
            continue
        taints.append(Taint(key, value, effect))
    return tuple(taints)


# -- disaster recovery ----------------------------------------------------------------------


def _disaster_recovery(
    dr: DisasterRecovery, cluster_names: Sequence[str], report: _Report, catalog: Catalog
) -> None:
    for field_name, high in (("rpo_minutes", MAX_RPO_MINUTES), ("rto_minutes", MAX_RTO_MINUTES)):
        value = getattr(dr, field_name)
        if value <= 0:
            report.add(
                f"dr.{field_name}", f"{number(value)} is not positive (allowed: minutes > 0)"
            )
        elif value > high:
            report.add(f"dr.{field_name}", _too_large(value, 1, high))
    if dr.strategy not in STRATEGIES:
        report.add("dr.strategy", unknown("strategy", dr.strategy, STRATEGIES))
    names = set(cluster_names)
    for source, targets in sorted(dr.failover.items()):
        where = f"dr.failover.{source}"
        if source not in names:
            report.add(where, unknown("cluster", source, names))
            continue
        if not targets:
            report.add(where, "no failover targets (allowed: one or more other clusters)")
        seen: set[str] = set()
        for index, target in enumerate(targets):
            if target == source:
                report.add(
                    f"{where}[{index}]", f"a cluster cannot fail over to itself ({target!r})"
                )
            elif target not in names:
                report.add(f"{where}[{index}]", unknown("cluster", target, names - {source}))
            elif target in seen:
                report.add(f"{where}[{index}]", f"target {target!r} is listed twice")
            seen.add(target)
    for gpu, substitutes in sorted(dr.allow_gpu_substitution.items()):
        where = f"dr.allow_gpu_substitution.{gpu}"
        if gpu not in catalog.gpus:
            report.add(where, unknown("GPU", gpu, catalog.gpus))
        for index, substitute in enumerate(substitutes):
            if substitute not in catalog.gpus:
                report.add(f"{where}[{index}]", unknown("GPU", substitute, catalog.gpus))
            elif substitute == gpu:
                report.add(f"{where}[{index}]", f"{gpu} cannot substitute for itself")
    for index, gpu in enumerate(dr.allow_shape_change):
        if gpu not in catalog.gpus:
            report.add(f"dr.allow_shape_change[{index}]", unknown("GPU", gpu, catalog.gpus))
    if dr.sync_interval_minutes not in SYNC_INTERVALS:
        report.add(
            "dr.sync_interval_minutes",
            f"{number(dr.sync_interval_minutes)} does not divide an hour (allowed: "
            f"{', '.join(map(str, SYNC_INTERVALS))})",
        )
    _state_regions(dr, report, catalog)


def _state_regions(dr: DisasterRecovery, report: _Report, catalog: Catalog) -> None:
    cloud_name: str | None = None
    state_region: str | None = None
    if dr.state_region is not None:
        cloud_name, sep, state_region = dr.state_region.partition(":")
        if not sep or cloud_name not in CLOUDS:
            report.add(
                "dr.state_region",
                f"invalid state region {dr.state_region!r} (allowed: CLOUD:REGION with CLOUD "
                f"one of {', '.join(CLOUDS)}, for example aws:us-west-2)",
            )
            return
        regions = catalog.regions(cloud_name)
        if state_region not in regions:
            report.add(
                "dr.state_region",
                unknown(f"{CLOUDS[cloud_name].title} region", state_region, regions),
            )
            return
    if dr.state_replica_region is None:
        return
    if cloud_name is None:
        report.add(
            "dr.state_replica_region",
            "needs dr.state_region (allowed: a second region of the state region's cloud)",
        )
        return
    regions = catalog.regions(cloud_name)
    if dr.state_replica_region not in regions:
        report.add(
            "dr.state_replica_region",
            unknown(f"{CLOUDS[cloud_name].title} region", dr.state_replica_region, regions),
        )
    elif dr.state_replica_region == state_region:
        report.add(
            "dr.state_replica_region",
            f"{state_region!r} is the state region itself (allowed: another region of "
            f"{CLOUDS[cloud_name].title})",
        )
