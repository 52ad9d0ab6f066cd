"""What the disaster-recovery components share: the ``_dr`` root's calls as ``stack.json`` holds
them, the root variables the program reads from Pulumi config, and typed nested inputs.

Pure Python (no Pulumi import): the emitter writes :func:`dr_document` into ``stack.json`` from
the same :class:`~infra.dr.terraform.DrModuleCall` list the Terraform ``_dr`` root renders, and the
program (``infra.pulumi.program``) reads it back with :func:`load_dr_calls`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from infra.clouds.base import DR_KEY_PATTERN, MODULE_NAME_PATTERN
from infra.dr.terraform import DrModuleCall, RootVariable
from infra.errors import InfraError
from infra.pulumi.args import ComponentInputError

__all__ = [
    "ConfigVariable",
    "DrCall",
    "check_key",
    "check_name_region_rpo",
    "check_records",
    "dr_document",
    "load_dr_calls",
    "nested_list",
    "nested_map",
    "nested_record",
]


@dataclass(frozen=True, slots=True)
class ConfigVariable:
    """A root variable of the ``_dr`` root, read by the program from Pulumi config (same name)."""

    name: str
    type: str  # the Terraform type expression; "string" is read raw, anything else as JSON
    description: str
    default: object = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class DrCall:
    """One DR component of the program: a ``module "<label>"`` block of the ``_dr`` root."""

    cloud: str
    label: str
    module: str
    region: str
    inputs: Mapping[str, object]
    variables: Mapping[str, ConfigVariable]  # module input -> the config key that feeds it

    @property
    def resource_name(self) -> str:
        """The component's logical name: the label with dashes ("dr-aws-us-east-1")."""
        return self.label.replace("_", "-")


def dr_document(calls: Sequence[DrModuleCall]) -> dict[str, object]:
    """The ``dr`` and ``config`` entries of ``stack.json`` for the calls of the ``_dr`` root."""
    variables: dict[str, RootVariable] = {}
    for call in calls:
        for variable in call.variables.values():
            variables[variable.name] = variable
    return {
        "dr": [
            {
                "cloud": call.cloud,
                "label": call.label,
                "module": call.module,
                "region": call.region,
                "inputs": dict(call.inputs),
                "variables": {key: v.name for key, v in call.variables.items()},
            }
            for call in calls
        ],
        "config": {
            name: {
                "type": v.type,
                "description": v.description,
                "default": v.default,
                "required": v.required,
            }
            for name, v in sorted(variables.items())
        },
    }


def load_dr_calls(data: Mapping[str, Any]) -> tuple[DrCall, ...]:
    """The DR calls of a ``stack.json`` document (``()`` when the stack has no DR)."""
    try:
        config = {
            name: ConfigVariable(
                name,
                str(v["type"]),
                str(v["description"]),
                v.get("default"),
                bool(v.get("required", False)),
            )
            for name, v in (data.get("config") or {}).items()
        }
        return tuple(
            DrCall(
                str(c["cloud"]),
                str(c["label"]),
                str(c["module"]),
                str(c["region"]),
                dict(c["inputs"]),
                {key: config[name] for key, name in (c.get("variables") or {}).items()},
            )
            for c in data.get("dr") or ()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(f"stack.json: malformed DR entry ({exc!r}); re-render the stack") from None


R = TypeVar("R")


def nested_record(cls: type[R], where: str, value: object) -> R:
    """One ``object({...})`` input as its dataclass: unknown attributes are refused like
    Terraform does, null attributes take the ``optional(...)`` default, lists become tuples."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise ComponentInputError(f"{where} must be an object")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ComponentInputError(
            f"{where}: unknown attribute(s) {', '.join(unknown)} (allowed: {', '.join(sorted(known))})"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items() if v is not None}
    try:
        return cls(**values)
    except TypeError as exc:  # a required attribute is missing
        raise ComponentInputError(f"{where}: {exc}") from None


def nested_map(cls: type[R], where: str, value: object) -> dict[str, R]:
    """A ``map(object({...}))`` input: key -> dataclass."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ComponentInputError(f"{where} must be a map")
    return {str(k): nested_record(cls, f"{where}[{k!r}]", v) for k, v in value.items()}


def nested_list(cls: type[R], where: str, value: object) -> tuple[R, ...]:
    """A ``list(object({...}))`` input."""
    if value is None:
        return ()
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise ComponentInputError(f"{where} must be a list")
    return tuple(nested_record(cls, f"{where}[{i}]", v) for i, v in enumerate(value))


# -- validations every DR module shares ----------------------------------------------------

# Used with fullmatch (a `$` alone accepts a trailing newline); defined in infra/clouds/base.py.
_NAME = re.compile(f"^{MODULE_NAME_PATTERN}$")
_KEY = re.compile(f"^{DR_KEY_PATTERN}$")
_RELATIVE_NAME = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_HOSTNAME = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)


class FailoverRecord(Protocol):
    """What every module's ``dns_records`` entry has."""

    @property
    def name(self) -> str: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def ttl(self) -> int: ...


def check_name_region_rpo(name: str, region: str, pattern: re.Pattern[str], rpo: object) -> None:
    """The ``name``, ``region`` and ``rpo_minutes`` validations."""
    if not _NAME.fullmatch(name):
        raise ComponentInputError(f"name {name!r} must match {_NAME.pattern}")
    if not pattern.fullmatch(region):
        raise ComponentInputError(f"region {region!r} must match {pattern.pattern}")
    if isinstance(rpo, bool) or not isinstance(rpo, int) or not 1 <= rpo <= 1440:
        raise ComponentInputError(f"rpo_minutes {rpo!r} must be a whole number from 1 to 1440")


def check_key(where: str, key: str) -> None:
    """Keys of ``replication_pairs`` and ``dns_records`` name resources."""
    if not _KEY.fullmatch(key):
        raise ComponentInputError(f"{where}: key must be 1-40 lowercase letters, digits and '-'")


def check_records(
    records: Mapping[str, FailoverRecord],
    endpoints: Mapping[str, str],
    *,
    min_ttl: int,
    max_ttl: int,
    max_targets: int | None = None,
) -> None:
    """``dns_records`` and ``endpoints`` validations and the every-target-has-a-host
    precondition."""
    for key, record in records.items():
        where = f"dns_records[{key!r}]"
        check_key(where, key)
        if not _RELATIVE_NAME.fullmatch(record.name):
            raise ComponentInputError(f"{where}: name {record.name!r} must be a relative DNS name")
        count = len(record.targets)
        if count < 2 or len(set(record.targets)) != count or count > (max_targets or count):
            raise ComponentInputError(f"{where}: needs at least two distinct targets")
        if not min_ttl <= record.ttl <= max_ttl:
            raise ComponentInputError(f"{where}: ttl must be {min_ttl}-{max_ttl} seconds")
        missing = [t for t in record.targets if t not in endpoints]
        if missing:
            raise ComponentInputError(
                f"record {key}: every target needs a hostname in endpoints (missing: "
                f"{', '.join(missing)})."
            )
    for host in endpoints.values():
        if not _HOSTNAME.fullmatch(host):
            raise ComponentInputError(f"endpoints: {host!r} must be a fully qualified hostname")
