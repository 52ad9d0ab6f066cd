"""What a drill asks of a cloud: the calls it makes, as data, and the adapter that makes them.

A drill (docs/drills.md) turns each step of a failover plan into cloud API calls. The calls are
data first (:class:`Call`): a dry run prints them with their parameters, the journal records them
before they are sent, and a resumed run compares them with what it finds. Each cloud's package
has a :class:`DrillAdapter` (``infra/clouds/<cloud>/drill.py``) that knows

- which calls do each part of a step (``scale``, ``pool_ready``, ``prechecks``,
  ``replica_age``, ``traffic``), returned as :class:`Op` objects, and
- how to make a call with the cloud's official SDK (``invoke``) and read its answer
  (``done``, ``evaluate``).

The executor (:mod:`infra.drill.executor`) never names a cloud: it runs ops and journals them.
Parameters may hold a :class:`Ref`: a name the render cannot know (a health check id, a node
pool id) that the adapter looks up at run time (``resolve``), with read calls only.
"""

from __future__ import annotations

import ipaddress
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

__all__ = [
    "Call",
    "CallError",
    "DrillAdapter",
    "Evaluation",
    "Op",
    "PoolRef",
    "Ref",
    "ReplicaRef",
    "TrafficRef",
    "is_loopback",
]

JSON = Any  # a JSON-able value: dict, list, str, int, float, bool or None


@dataclass(frozen=True, slots=True)
class Ref:
    """A value found at run time by reads, shown as ``<kind name>`` in a dry run."""

    kind: str  # e.g. "route53-health-check", "nodepool-id"
    name: str  # what identifies it, e.g. the health check's Name tag

    def __str__(self) -> str:
        return f"<{self.kind} {self.name}>"


@dataclass(frozen=True, slots=True)
class Call:
    """One cloud API call, as the SDK spells it."""

    cloud: str
    region: str
    service: str  # the SDK client: "eks", "route53", "containerservice", "cs", ...
    operation: str  # the SDK method or API action: "update_nodegroup_config", ...
    params: Mapping[str, JSON]  # may hold Ref values, resolved by the adapter before the call
    mutating: bool

    def describe(self) -> str:
        """One line for people: ``eks.update_nodegroup_config(clusterName=..., ...)``."""
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.params.items())
        return f"{self.service}.{self.operation}({args})"

    def to_json(self) -> dict[str, JSON]:
        return {
            "cloud": self.cloud,
            "region": self.region,
            "service": self.service,
            "operation": self.operation,
            "params": _jsonable(self.params),
            "mutating": self.mutating,
        }


@dataclass(frozen=True, slots=True)
class Op:
    """A call with what it is for.

    - ``mutate``: changes the cloud. ``probe`` is a read whose answer tells (``done``) whether
      the change is already in effect: a resumed drill asks it before repeating a call whose
      result it never recorded.
    - ``wait``: repeated (every ``interval_s``, with backoff up to ``timeout_s``) until ``done``.
    - ``read``: read once; ``evaluate`` turns the answer into a value (a replica's newest
      checkpoint time).
    - ``precheck``: read once; ``evaluate`` says whether scaling can succeed (the type is offered
      there, the quota has room) and why not.
    """

    kind: Literal["mutate", "wait", "read", "precheck"]
    call: Call
    title: str  # what it does, for people: "scale llm-train-aws-usw2-h100-standby to 32 nodes"
    probe: Call | None = None
    timeout_s: float = 0.0
    interval_s: float = 0.0
    need: Mapping[str, JSON] = field(default_factory=dict)  # what done/evaluate compare with


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What a read or a pre-check found."""

    ok: bool
    detail: str  # one line: "p5.48xlarge offered in us-west-2 (us-west-2a, us-west-2b)"
    value: JSON = None  # read: the value found (an ISO time for a replica's newest checkpoint)


class CallError(Exception):
    """A call failed. ``retryable``: throttling, a 5xx, a connection reset (the executor retries
    with backoff); otherwise the step fails with this message (one line, no secrets)."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class PoolRef:
    """A node pool a drill scales, with every name the render gave it."""

    stack: str
    owner: str
    cluster: str  # infra's cluster name: "aws-usw2"
    resource: str  # the cloud's cluster name: "llm-train-aws-usw2"
    region: str
    pool: str  # infra's pool name: "h100-standby"
    node_pool: str  # the cloud's node pool name (Cloud.node_pool_name)
    instance_type: str


@dataclass(frozen=True, slots=True)
class ReplicaRef:
    """Where the checkpoints of a failed cluster are replicated: next to its first surviving
    target (the replica ``check-replication-<cluster>`` reads)."""

    stack: str
    owner: str
    source: str  # the failed cluster: "aws-use1"
    source_resource: str
    source_cloud: str
    target: str  # the cluster next to the replica: "aws-usw2"
    target_resource: str
    region: str  # the replica's region


@dataclass(frozen=True, slots=True)
class TrafficRef:
    """The DNS record a failed cluster's traffic moves through (rendered by the source cloud's
    DR module, ``_dr`` root)."""

    stack: str
    owner: str
    source: str  # the failed cluster
    source_resource: str  # the record's name in the DR module ("<stack>-<cluster>")
    region: str  # the source's region (DNS services are global on most clouds)
    home_region: str  # where the stack's DR root of this cloud lives
    targets: Mapping[str, str]  # target cluster -> its resource name, in failover order


class DrillAdapter(ABC):
    """One cloud's drill calls (see the module docstring). ``endpoint`` is the user's
    ``--endpoint CLOUD=URL`` (a local API such as moto), or None for the cloud itself; the SDK's
    usual credential chain applies either way and no credential is ever written or logged."""

    cloud: ClassVar[str]

    def __init__(self, endpoint: str | None = None) -> None:
        self.endpoint = endpoint

    # -- the calls of each step --------------------------------------------------------------
    @abstractmethod
    def scale(self, pool: PoolRef, min_nodes: int, desired: int, max_nodes: int) -> tuple[Op, ...]:
        """``mutate`` ops setting the pool to these absolute sizes (safe to repeat), each with a
        ``probe`` that tells whether the sizes are already set."""

    @abstractmethod
    def pool_size(self, pool: PoolRef) -> Op:
        """A ``read`` op whose evaluation's ``value`` is ``{"min": m, "desired": d, "max": x}``:
        recorded before scaling, so ``--failback`` restores exactly what was there."""

    @abstractmethod
    def pool_ready(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        """``wait`` ops: done when the pool has ``nodes`` nodes and has finished updating."""

    @abstractmethod
    def prechecks(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        """``precheck`` ops before scaling: the instance type or SKU is offered in the pool's
        region (and zones) and the quota has room for ``nodes`` more nodes."""

    @abstractmethod
    def replica_age(self, replica: ReplicaRef) -> Op | None:
        """A ``read`` op whose evaluation's ``value`` is the ISO time of the newest replicated
        checkpoint (None when there is none: ``ok`` False). None when this cloud's adapter
        cannot read it: the drill makes it a manual-approval step with the runbook's command."""

    @abstractmethod
    def traffic(
        self, ref: TrafficRef, weights: Mapping[str, int], failover: bool
    ) -> tuple[Op, ...]:
        """``mutate`` ops that move the record's traffic to the targets (``failover``), or back
        to the source, each with a probe. Empty when the adapter cannot: manual approval."""

    # -- making calls ------------------------------------------------------------------------
    @abstractmethod
    def resolve(self, call: Call) -> Call:
        """``call`` with every :class:`Ref` in its parameters replaced (read calls only)."""

    @abstractmethod
    def invoke(self, call: Call, idempotency_key: str) -> JSON:
        """Make one resolved call with the SDK; return its answer as JSON-able data. Pass
        ``idempotency_key`` where the API takes one (EKS ``clientRequestToken``, Alibaba
        ``ClientToken``). Raise :class:`CallError` on failure."""

    @abstractmethod
    def done(self, op: Op, answer: JSON) -> bool:
        """For a ``wait`` op, or the probe of a ``mutate`` op: is the condition met? Raise
        :class:`CallError` when it never will be (a node pool that ended Failed): the step fails
        at once instead of at its timeout."""

    @abstractmethod
    def evaluate(self, op: Op, answer: JSON) -> Evaluation:
        """For a ``read`` or ``precheck`` op: what the answer says."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release clients (sessions, pools)."""


def is_loopback(endpoint: str | None) -> bool:
    """True when ``endpoint`` is a URL on this machine (127.0.0.0/8, ::1 or localhost)."""
    if not endpoint:
        return False
    host = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 or RFC 3339 time (``Z`` allowed) as an aware datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _show(value: JSON) -> str:
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _jsonable(value: JSON) -> JSON:
    if isinstance(value, Ref):
        return {"$ref": value.kind, "name": value.name}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
