"""The inputs of a cluster component, typed: what ``cluster_module_inputs`` gives a module.

Pure Python (no Pulumi import), so the emitter and the tests can use it without the Pulumi
packages. Each component's ``Args`` dataclass has one field per variable of the Terraform module
it mirrors; :func:`args_from_inputs` builds one from the JSON-shaped inputs of ``stack.json`` and
refuses names the module does not have, as Terraform refuses an unsupported argument.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from infra.clouds.base import MODULE_NAME_PATTERN, Cloud
from infra.errors import InfraError

__all__ = [
    "TAINT_EFFECTS",
    "ComponentInputError",
    "NodePool",
    "PoolTaint",
    "args_from_inputs",
    "check_common",
    "pool_labels",
]

# Kubernetes spelling; each module maps it to its provider's enum where that differs.
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
WORKLOADS = ("training", "inference", "system")
_IPV4_CIDR = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}/([0-9]{1,2})")


class ComponentInputError(InfraError):
    """An input a component refuses: the same conditions as the module's validations."""


@dataclass(frozen=True, slots=True)
class PoolTaint:
    """A Kubernetes taint of a node pool."""

    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}"


@dataclass(frozen=True, slots=True, kw_only=True)
class NodePool:
    """One entry of the module's ``node_pools`` map (the key is the pool name)."""

    instance_type: str
    gpu: str | None = None
    gpus_per_node: int = 0
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    rdma: bool = False
    spot: bool = False
    workload: str = "training"
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[PoolTaint, ...] = ()
    standby: bool = False

    @classmethod
    def from_input(cls, name: str, value: object) -> NodePool:
        """A pool from its JSON shape; unknown attributes are refused like Terraform does."""
        if not isinstance(value, Mapping):
            raise ComponentInputError(f"node_pools[{name!r}] must be an object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ComponentInputError(
                f"node_pools[{name!r}]: unknown attribute(s) {', '.join(unknown)} "
                f"(allowed: {', '.join(sorted(known))})"
            )
        values: dict[str, Any] = {k: v for k, v in value.items() if v is not None or k == "gpu"}
        values["labels"] = dict(value.get("labels") or {})
        values["taints"] = tuple(
            PoolTaint(str(t["key"]), str(t.get("value") or ""), str(t["effect"]))
            for t in value.get("taints") or ()
        )
        pool = cls(**values)
        pool.check(name)
        return pool

    def check(self, name: str) -> None:
        """The module's validations of one pool."""
        where = f"node_pools[{name!r}]"
        counts = (self.min_nodes, self.desired_nodes, self.max_nodes)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
            raise ComponentInputError(f"{where}: node counts must be whole numbers")
        if not (
            0 <= self.min_nodes <= self.desired_nodes <= self.max_nodes and self.max_nodes >= 1
        ):
            raise ComponentInputError(
                f"{where}: needs 0 <= min_nodes <= desired_nodes <= max_nodes and max_nodes >= 1"
            )
        if self.gpus_per_node < 0 or (self.gpu is None and self.gpus_per_node != 0):
            raise ComponentInputError(f"{where}: gpus_per_node must be >= 0, and 0 for CPU pools")
        if self.workload not in WORKLOADS:
            raise ComponentInputError(
                f"{where}: workload {self.workload!r} (allowed: {', '.join(WORKLOADS)})"
            )
        for taint in self.taints:
            if taint.effect not in TAINT_EFFECTS:
                raise ComponentInputError(
                    f"{where}: taint effect {taint.effect!r} (allowed: {', '.join(TAINT_EFFECTS)})"
                )


def pool_labels(name: str, pool: NodePool, *, rdma_label: str | None = None) -> dict[str, str]:
    """The Kubernetes labels every module puts on a pool's nodes (``local.pool_labels``)."""
    labels = dict(pool.labels)
    labels.update({"infra/pool": name, "infra/workload": pool.workload})
    if pool.gpu is not None:
        labels["infra/gpu"] = pool.gpu
    if pool.rdma and rdma_label is not None:
        labels["infra/rdma"] = rdma_label
    if pool.standby:
        labels["infra/standby"] = "true"
    return labels


A = TypeVar("A")


def args_from_inputs(cls: type[A], inputs: Mapping[str, object]) -> A:
    """An ``Args`` dataclass from module inputs: lists become tuples, pools become NodePools."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise ComponentInputError(
            f"{cls.__name__}: unsupported input(s) {', '.join(unknown)} "
            f"(the module's variables: {', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {}
    for key, value in inputs.items():
        if key == "node_pools":
            if not isinstance(value, Mapping):
                raise ComponentInputError("node_pools must be an object")
            values[key] = {name: NodePool.from_input(name, pool) for name, pool in value.items()}
        elif isinstance(value, Sequence) and not isinstance(value, str):
            values[key] = tuple(value)
        elif isinstance(value, Mapping):
            values[key] = dict(value)
        else:
            values[key] = value
    return cls(**values)


def check_common(
    name: str,
    cidr: str,
    node_pools: Mapping[str, NodePool],
    cloud: Cloud,
    *,
    require_pools: bool = True,
) -> None:
    """Validations every cluster module shares: the name, the CIDR prefix, the pools; the
    cloud's rules (``network_prefix_range``, ``pool_name_pattern``, ``max_pool_nodes``) are the
    ones the validator uses, and tests/test_args_contract.py holds them equal to the module's."""
    if not isinstance(name, str) or not re.fullmatch(MODULE_NAME_PATTERN, name):
        raise ComponentInputError(
            f"name {name!r} must match ^{MODULE_NAME_PATTERN}$ (3-40 lowercase letters, "
            "digits, '-')"
        )
    low, high = cloud.network_prefix_range
    match = _IPV4_CIDR.fullmatch(cidr) if isinstance(cidr, str) else None
    try:
        ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        match = None
    if match is None or not low <= int(match.group(2)) <= high:
        raise ComponentInputError(
            f"cidr {cidr!r} must be an IPv4 CIDR with a prefix from /{low} to /{high}"
        )
    if require_pools and not node_pools:
        raise ComponentInputError("node_pools must define at least one pool")
    for key, pool in node_pools.items():
        if not re.fullmatch(cloud.pool_name_pattern, key):
            raise ComponentInputError(
                f"node pool name {key!r} must match ^{cloud.pool_name_pattern}$ "
                f"({cloud.pool_name_rule})"
            )
        cap = cloud.max_pool_nodes
        if cap is not None and pool.max_nodes > cap:
            raise ComponentInputError(f"pool {key}: max_nodes must be at most {cap}")
