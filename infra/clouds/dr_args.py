"""What the disaster-recovery components' Args share: typed nested inputs and the validations
every DR module writes (name, region, RPO, record keys, failover records and endpoints).

Pure Python (no Pulumi import), so the tests can check the Args without the Pulumi packages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from infra.clouds.args import ComponentInputError
from infra.clouds.base import DR_KEY_PATTERN, MODULE_NAME_PATTERN

__all__ = [
    "FailoverRecord",
    "check_key",
    "check_name_region_rpo",
    "check_records",
    "nested_list",
    "nested_map",
    "nested_record",
]

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
