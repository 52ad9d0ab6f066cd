"""The stack model: what users write in ``stacks/*.py``.

Frozen pydantic models, checked for *types and shape* here; every rule that needs the catalog
or the whole stack lives in :mod:`infra.validate`.

Why errors are deferred to :class:`Stack`: a stack file builds the tree inside out, so a
``NodePool(gpus=1.5)`` is constructed before the ``Stack`` that holds it and on its own knows
neither the stack nor its path (``clusters[0].pools[1]``). A component with a bad field therefore
keeps its raw input, and the enclosing ``Stack`` re-validates the whole tree
(``revalidate_instances="always"``) and raises one :class:`~infra.errors.StackError` naming every
bad field with its full path.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from typing import Any, ClassVar, TypeGuard

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)
from pydantic_core import ErrorDetails

from infra.errors import Problem, StackError, allowed, is_giant, number, unknown

__all__ = ["Cluster", "DisasterRecovery", "NodePool", "Reservation", "Stack"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# Set while a Stack validates its tree: components must then raise, not defer (pydantic calls a
# model's custom __init__ again when it re-validates an instance).
_VALIDATING_TREE: ContextVar[bool] = ContextVar("_VALIDATING_TREE", default=False)


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        revalidate_instances="always",
        validate_default=False,
    )


class _Component(_Model):
    """A part of a stack: invalid input is kept raw and reported by the enclosing Stack."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError:
            if _VALIDATING_TREE.get():
                raise
            # Keep the raw input; Stack re-validates it and reports it with the full path.
            # Unknown keys stay in __dict__ so re-validation reports them as unknown fields.
            object.__setattr__(self, "__dict__", dict(data))
            object.__setattr__(self, "__pydantic_fields_set__", set(data))
            object.__setattr__(self, "__pydantic_extra__", None)
            object.__setattr__(self, "__pydantic_private__", None)


class Reservation(_Component):
    """Capacity a pool launches into, bought ahead of time from the cloud (docs/reservations.md).

    ``kind`` names the cloud's product: AWS "capacity-reservation" (On-Demand Capacity
    Reservation) or "capacity-block" (Capacity Block for ML), Azure
    "capacity-reservation-group", Alibaba Cloud "elasticity-assurance" or
    "capacity-reservation" (both are private pools an ACK node pool targets). ``id`` is the
    cloud's id of it (cr-..., the group's ARM id, eap-... or crp-...). ``instance_type``,
    ``zone`` and ``instances`` say what it holds; infra.validate checks them against the pool.
    ``hourly_rate`` is USD per instance-hour when the contract says (infra cost uses it);
    ``ends`` the ISO date it ends (a Capacity Block has one).
    """

    kind: StrictStr
    id: StrictStr
    instance_type: StrictStr
    zone: StrictStr
    instances: StrictInt
    hourly_rate: float | None = Field(default=None, strict=True)
    ends: StrictStr | None = None


class NodePool(_Component):
    """A group of identical nodes: a GPU pool (``gpu`` + ``gpus``) or a plain one
    (``instance_type`` + ``nodes``)."""

    name: StrictStr
    gpu: StrictStr | None = None
    gpus: StrictInt | None = None
    instance_type: StrictStr | None = None
    nodes: StrictInt | None = None
    min_gpus: StrictInt | None = None
    max_gpus: StrictInt | None = None
    rdma: StrictBool = False
    spot: StrictBool = False
    workload: StrictStr = "training"
    labels: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    taints: tuple[StrictStr, ...] = ()
    # Reserved capacity the pool launches into (AWS ODCR or Capacity Block, Azure capacity
    # reservation group, Alibaba elasticity assurance or capacity reservation).
    reservation: Reservation | None = None


class Cluster(_Component):
    """One managed Kubernetes cluster in one cloud region."""

    name: StrictStr
    cloud: StrictStr
    region: StrictStr
    cidr: StrictStr
    pools: tuple[NodePool, ...] = ()
    kubernetes_version: StrictStr | None = None
    zones: tuple[StrictStr, ...] | None = None
    gpu_capacity: dict[StrictStr, StrictInt] = Field(default_factory=dict)
    # Needs no checkpoints to recover (inference serving a model image): its failover pairs
    # need no data path, and the planner checks none. An explicit opt-out, never a default.
    stateless: StrictBool = False
    # Who administers the cluster (cluster-admin, so the runbook's kubectl works for them), in
    # the cloud's own terms: AWS IAM role or user ARNs (EKS access entries), Azure Entra ID
    # group object ids (AKS admin groups), Alibaba Cloud RAM users or roles as "user:<id>" or
    # "role:<id>" (ACK RBAC). infra.validate checks the shape per cloud.
    admins: tuple[StrictStr, ...] = ()


class DisasterRecovery(_Component):
    """Recovery objectives and the ordered failover targets of each cluster."""

    rpo_minutes: StrictInt
    rto_minutes: StrictInt
    strategy: StrictStr = "pilot-light"
    failover: dict[StrictStr, tuple[StrictStr, ...]] = Field(default_factory=dict)
    allow_gpu_substitution: dict[StrictStr, tuple[StrictStr, ...]] = Field(default_factory=dict)
    # GPU models whose standby pools may use nodes with fewer GPUs (or no RDMA) than the pools
    # they stand in for: work that is not split over the GPUs of one node.
    allow_shape_change: tuple[StrictStr, ...] = ()
    # "CLOUD:REGION" where the stack-wide roots (_global, _dr) keep their state; default: the
    # region of the stack's first cluster. Cluster roots keep theirs in their own region.
    state_region: StrictStr | None = None
    # A second region of the state region's cloud that holds a replica of the stack-wide roots'
    # state, so a failover can still apply _dr when the state region is down.
    state_replica_region: StrictStr | None = None
    # How often the checkpoint sync jobs of pairs no cloud replicates (another cloud, a second
    # target on the same cloud) copy new checkpoints: minutes dividing an hour.
    sync_interval_minutes: StrictInt = 5


class Stack(_Model):
    """A named set of clusters with optional disaster recovery; the unit users define.

    Constructing a Stack validates the whole tree and raises :class:`~infra.errors.StackError`
    naming the defining file, the stack and the field path of every bad value.
    """

    name: StrictStr
    owner: StrictStr
    environment: StrictStr
    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    clusters: tuple[Cluster, ...] = ()
    dr: DisasterRecovery | None = None

    defined_in: ClassVar[str] = ""

    def __init__(self, **data: Any) -> None:
        token = _VALIDATING_TREE.set(True)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            name = data.get("name")
            stack = name if isinstance(name, str) and name else "<stack>"
            file = _defining_file()
            raise StackError(
                [
                    Problem(file, stack, field_path(err["loc"]), describe(err))
                    for err in exc.errors(include_url=False)
                ]
            ) from None
        finally:
            _VALIDATING_TREE.reset(token)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('clusters', 0, 'pools', 1, 'gpus')`` -> ``clusters[0].pools[1].gpus``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            # An int dict key lands in the path too (tags={5: "x"}), of any size.
            out += f"[{number(part)}]"
        elif out:
            out += f".{part}"
        else:
            out = part
    return out


_TYPE_WORDS = {
    "int": "an integer",
    "string": "a string",
    "bool": "true or false (a bool)",
    "dict": "a dict",
    "tuple": "a list",
    "list": "a list",
}


def describe(err: ErrorDetails) -> str:
    """One readable sentence for a pydantic error, in our ``problem (allowed: ...)`` form."""
    kind = err["type"]
    value = err.get("input")
    got = _got(value)
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        field = err["loc"][-1] if err["loc"] else "?"
        return unknown("field", field, _model_at(err["loc"][:-1]).model_fields)
    if kind in {"model_type", "model_attributes_type"}:
        expected = err.get("ctx", {}).get("class_name", "object")
        return f"expected a {expected}, got {got}"
    for word, text in _TYPE_WORDS.items():
        if kind in (f"{word}_type", f"{word}_parsing"):
            return f"expected {text}, got {got}"
    if kind == "is_instance_of":
        return f"unexpected value {_short(value)}"
    return f"{err['msg']} (got {_short(value)})"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model class a location inside a Stack points into."""
    by_field: dict[str, type[BaseModel]] = {
        "clusters": Cluster,
        "pools": NodePool,
        "reservation": Reservation,
        "dr": DisasterRecovery,
    }
    model: type[BaseModel] = Stack
    for part in loc:
        if isinstance(part, str) and part in by_field:
            model = by_field[part]
    return model


def _got(value: object) -> str:
    """``int 5``, ``str 'gpu'``: what a wrong value is, for ``expected ..., got ...``."""
    text, describes_itself = _shown(value)
    return text if describes_itself else f"{type(value).__name__} {text}"


def _short(value: object) -> str:
    return _shown(value)[0]


def _shown(value: object) -> tuple[str, bool]:
    """A value for a message, at most 60 characters, and whether the text already says what
    the value is ("an integer of 5001 digits") rather than being its repr."""
    if _is_giant_int(value):
        # Not repr: past 4300 digits int->str raises, and giant values read better by size.
        return number(value), True
    try:
        text = repr(value)
    except Exception:
        # A list holding an int past Python's int->str digit limit, or a stack file's own class
        # whose __repr__ fails: the problem is still one line, about the field.
        return f"a {type(value).__name__} that cannot be shown", True
    return (text if len(text) <= 60 else text[:57] + "..."), False


def _is_giant_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and is_giant(value)


def _defining_file() -> str:
    """The file that called ``Stack(...)``: the first frame outside this package."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR) and "pydantic" not in filename:
            return display_path(filename)
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


def display_path(path: str) -> str:
    """A path as users wrote it: relative to the working directory when below it."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute)
    except ValueError:
        return absolute
    return absolute if rel.startswith("..") else rel


# Re-exported for validators that want the same phrasing.
__all__ += ["allowed", "describe", "display_path", "field_path", "unknown"]
