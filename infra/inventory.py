"""The inventory: one row per node pool as deployed, for a CMDB or an asset register.

``infra inventory`` (:mod:`infra.inventory_cli`) prints these rows; this module only builds them
and their two exchange formats, so the shape another system imports is defined in one place
(docs/inventory.md lists the columns).

* **As deployed.** Rows come from :func:`infra.deploy.deployed`, the stack the Terraform roots
  and the Pulumi program create: the DR standby pools and the automatic system pools of failover
  targets are rows too, with the pools they stand in for.
* **Priced as ``infra cost`` prices.** ``hourly_usd`` is the :func:`infra.cost.cost_of` line of
  the pool: the catalog's on-demand price times the pool's desired node count (its steady
  state: a pilot-light standby runs 0 nodes, a warm standby its minimum), so the rows add up to
  the ``infra cost`` total.
* **Stable.** The columns and their order are fixed (:data:`COLUMNS`, the field order of
  :class:`InventoryRow`); changing them is a new :data:`SCHEMA`. Rows are sorted by stack,
  cluster and pool name, so the order does not depend on the order of files or definitions.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.cost import CostLine, cost_of
from infra.deploy import deployed
from infra.dr.standby import SYSTEM_LABEL, standby_sources
from infra.inputs import stack_tags
from infra.resolve import ResolvedCluster, ResolvedPool, ResolvedStack
from infra.values import Value

__all__ = [
    "COLUMNS",
    "PRIMARY",
    "ROLES",
    "SCHEMA",
    "STANDBY",
    "STANDBY_SYSTEM",
    "InventoryRow",
    "csv_text",
    "inventory",
    "inventory_document",
]

# v2 appended the reservation and price-source columns to v1's (same order before them).
SCHEMA = "infra.inventory/v2"

# What a pool is there for: defined in the stack file; a DR standby pool infra adds to a failover
# target (infra.dr.standby); the system pool infra adds to a failover target that has none.
PRIMARY, STANDBY, STANDBY_SYSTEM = "primary", "standby", "standby-system"
ROLES = (PRIMARY, STANDBY, STANDBY_SYSTEM)

PoolKey = tuple[str, str]  # (cluster, pool)


@dataclass(frozen=True, slots=True)
class InventoryRow:
    """One node pool as deployed. The field order is the column order of every format."""

    stack: str
    cluster: str
    pool: str
    environment: str
    owner: str
    cloud: str
    region: str
    zones: tuple[str, ...]  # where the pool's nodes run: RDMA pools only in the first zone
    kubernetes_version: str
    cluster_resource: str  # the cloud's name of the cluster ("<stack>-<cluster>")
    node_pool_resource: str  # the cloud's name of the node pool (Cloud.node_pool_name)
    role: str  # one of ROLES
    standby_for: tuple[str, ...]  # clusters whose failover this pool serves, sorted
    standby_for_pools: tuple[str, ...]  # "cluster/pool" a standby pool carries the work of, sorted
    instance_type: str
    gpu: str | None  # GPU model, None for CPU pools
    gpus_per_node: int | float  # a decimal only for partial-GPU sizes (Azure NVadsA10 v5)
    nodes_min: int
    nodes_desired: int
    nodes_max: int
    gpus: int | float  # at the desired node count
    gpus_max: int | float  # at the maximum node count
    rdma: bool
    spot: bool
    workload: str
    hourly_usd: float | None  # infra cost's price at nodes_desired; None: no catalog price
    price_estimate: bool  # spot: an estimate (the spot snapshot's highest zone, else on-demand)
    tags: Mapping[str, str]  # what infra passes the cluster module (infra.inputs.stack_tags)
    price_source: str  # where hourly_usd's rate comes from (a reserved pool: its rate's source)
    reservation_kind: str | None  # NodePool.reservation's kind; None: not reserved
    reservation_id: str | None  # the cloud's id of the reservation
    reservation_instances: int | None  # how many instances it holds (paid whether used or not)
    reservation_ends: str | None  # ISO date it ends, None when the stack names none

    def as_json(self) -> dict[str, Value]:
        """The row as a JSON object, keys in column order."""
        return {name: _json_value(getattr(self, name)) for name in COLUMNS}

    def as_csv(self) -> list[str]:
        """The row as CSV cells, in column order."""
        return [_csv_cell(getattr(self, name)) for name in COLUMNS]


COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(InventoryRow))


def inventory(stacks: Iterable[ResolvedStack], catalog: Catalog) -> tuple[InventoryRow, ...]:
    """Every node pool of ``stacks`` as deployed, sorted by stack, cluster and pool name."""
    rows = [row for stack in stacks for row in _stack_rows(stack, catalog)]
    return tuple(sorted(rows, key=lambda r: (r.stack, r.cluster, r.pool)))


def inventory_document(rows: Sequence[InventoryRow]) -> dict[str, Value]:
    """The ``--json`` document: the schema version, ``ok`` and ``problems`` as every command's
    document has them, and the rows."""
    return {
        "schema": SCHEMA,
        "ok": True,
        "problems": [],
        "columns": list(COLUMNS),
        "rows": [row.as_json() for row in rows],
    }


def csv_text(rows: Sequence[InventoryRow]) -> str:
    """The ``--csv`` text: a header row of :data:`COLUMNS`, then one record per row.

    RFC 4180 as Python's csv module writes it (``excel`` dialect): CRLF line ends, fields with a
    comma, quote or line break quoted, quotes doubled.
    """
    # RFC 4180 section 2 (www.rfc-editor.org/rfc/rfc4180#section-2): records end in CRLF, an
    # optional header record of the same fields comes first, fields holding commas, double quotes
    # or line breaks are enclosed in double quotes and a double quote inside one is doubled.
    # The excel dialect writes exactly that: delimiter ',', quotechar '"', doublequote True,
    # lineterminator '\r\n', QUOTE_MINIMAL (docs.python.org/3/library/csv.html, "Dialects").
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel")
    writer.writerow(COLUMNS)
    writer.writerows(row.as_csv() for row in rows)
    return out.getvalue()


# -- rows -------------------------------------------------------------------------------------


def _stack_rows(stack: ResolvedStack, catalog: Catalog) -> list[InventoryRow]:
    live = deployed(stack, catalog)
    (cost,) = cost_of([live], catalog)
    prices = {(line.cluster, line.pool): line for line in cost.lines}
    sources = standby_sources(stack, catalog)
    feeders = _failover_sources(stack)
    rows = []
    for cluster in live.clusters:
        cloud = CLOUDS[cluster.cloud]
        resource = cloud.resource_name(stack.name, cluster.name)
        tags = stack_tags(live, cluster.name)
        for pool in cluster.pools:
            role = _role(pool)
            carried = sources.get((cluster.name, pool.gpu or ""), ()) if role == STANDBY else ()
            if role == STANDBY:
                served = tuple(sorted({source for source, _ in carried}))
            elif role == STANDBY_SYSTEM:
                served = feeders.get(cluster.name, ())
            else:
                served = ()
            line = prices[(cluster.name, pool.name)]
            rows.append(
                InventoryRow(
                    stack=stack.name,
                    cluster=cluster.name,
                    pool=pool.name,
                    environment=stack.environment,
                    owner=stack.owner,
                    cloud=cluster.cloud,
                    region=cluster.region,
                    zones=_pool_zones(cluster, pool),
                    kubernetes_version=cluster.kubernetes_version,
                    cluster_resource=resource,
                    node_pool_resource=cloud.node_pool_name(resource, pool.name),
                    role=role,
                    standby_for=served,
                    standby_for_pools=tuple(f"{c}/{p}" for c, p in carried),
                    instance_type=pool.instance_type,
                    gpu=pool.gpu,
                    gpus_per_node=_count(pool.gpus_per_node),
                    nodes_min=pool.min_nodes,
                    nodes_desired=pool.desired_nodes,
                    nodes_max=pool.max_nodes,
                    gpus=_count(pool.gpus_per_node * pool.desired_nodes),
                    gpus_max=_count(pool.gpus_per_node * pool.max_nodes),
                    rdma=pool.rdma,
                    spot=pool.spot,
                    workload=pool.workload if pool.gpu else "system",
                    hourly_usd=line.hourly_usd,
                    price_estimate=_estimate(line),
                    tags=MappingProxyType(dict(sorted(tags.items()))),
                    price_source=line.price_source,
                    reservation_kind=pool.reservation.kind if pool.reservation else None,
                    reservation_id=pool.reservation.id if pool.reservation else None,
                    reservation_instances=(
                        pool.reservation.instances if pool.reservation else None
                    ),
                    reservation_ends=(
                        pool.reservation.ends.isoformat()
                        if pool.reservation and pool.reservation.ends
                        else None
                    ),
                )
            )
    return rows


def _role(pool: ResolvedPool) -> str:
    if not pool.standby:
        return PRIMARY
    # The automatic system pool (infra.dr.standby.automatic_system_pool): no GPU, its label.
    if pool.gpu is None and pool.labels.get(SYSTEM_LABEL) == "true":
        return STANDBY_SYSTEM
    return STANDBY


def _estimate(line: CostLine) -> bool:
    return line.estimate and line.hourly_usd is not None


def _pool_zones(cluster: ResolvedCluster, pool: ResolvedPool) -> tuple[str, ...]:
    """The zones a pool's nodes run in. Every cluster module keeps RDMA pools in the cluster's
    first zone (one EFA placement group, one InfiniBand scale set placement, eRDMA within a
    zone: modules/*-gpu-cluster/node_*.tf and the Pulumi components); other pools span all. A
    reserved pool runs in its reservation's zone only (infra/clouds/<cloud>/reservations.py)."""
    if pool.reservation is not None:
        return (pool.reservation.zone,)
    return cluster.zones[:1] if pool.rdma else cluster.zones


def _count(value: Fraction) -> int | float:
    """A GPU count as JSON and CSV carry it: an integer, a decimal only for partial GPUs."""
    return int(value) if value.denominator == 1 else round(float(value), 4)


# -- standby roles ----------------------------------------------------------------------------


def _failover_sources(stack: ResolvedStack) -> dict[str, tuple[str, ...]]:
    """Per failover target, the clusters whose ``dr.failover`` list names it, sorted."""
    if stack.dr is None:
        return {}
    sources: dict[str, set[str]] = {}
    for source, targets in stack.dr.failover.items():
        for target in targets:
            sources.setdefault(target, set()).add(source)
    return {target: tuple(sorted(names)) for target, names in sources.items()}


# -- cells ------------------------------------------------------------------------------------


def _json_value(value: object) -> Value:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, float):
        return round(value, 4)  # as infra cost --json rounds an hourly price
    assert value is None or isinstance(value, str | int)
    return value


def _csv_cell(value: object) -> str:
    """One CSV field: lists space-separated (zone, cluster and pool names hold no spaces), the
    tags a JSON object (their keys and values may hold any printable character), booleans
    ``true``/``false`` as in JSON, no value an empty field."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, float):
        return repr(round(value, 4))
    return str(value)
