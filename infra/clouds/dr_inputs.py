"""What a cloud's DR module (``modules/dr-<cloud>``) takes, as neutral data.

:func:`infra.dr.terraform.dr_module_calls` groups a stack's replication pairs, failover records
and standby pools by the call that owns them and asks the cloud's :class:`DrInputs` for the
inputs only that cloud's module has (bucket or storage-account names, DNS zone and alarm
variables). Nothing here knows a stack: the clusters arrive as :class:`DrCluster`, with the
inputs their own cluster roots pass their modules, so a pair names exactly the stores those
roots create.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from infra.errors import InfraError
from infra.values import Value

__all__ = ["DnsRecord", "DrCluster", "DrInputs", "RootVariable", "StandbyPools"]


@dataclass(frozen=True, slots=True)
class RootVariable:
    """A variable the root declares and passes to a module input as ``var.<name>``."""

    name: str
    type: str  # HCL type expression, e.g. "map(string)"
    description: str
    default: Value = None
    required: bool = False  # True: no default, users must set it (tfvars, -var, TF_VAR_)


@dataclass(frozen=True, slots=True)
class DrCluster:
    """A cluster as the DR module sees it: where it runs and what its cluster root passes."""

    name: str  # the cluster's name in the stack
    resource: str  # its cloud resource name, the cluster module's ``name`` input
    region: str
    inputs: Mapping[str, Value]  # the inputs its cluster root passes its module

    def store(self, key: str) -> str:
        """The checkpoint store input ``key`` (bucket or storage account name)."""
        value = self.inputs.get(key)
        if not isinstance(value, str):
            raise InfraError(f"{self.resource}: the cluster module has no {key!r} input")
        return value


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A failover name: the protected cluster first, then its targets in failover order."""

    cluster: str
    name: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StandbyPools:
    """A cluster's standby pools: their keys in ``node_pools`` and their provider names."""

    cluster: DrCluster
    pools: tuple[str, ...]
    node_pools: tuple[str, ...]  # the same pools as the cloud's API names them


@dataclass(frozen=True, slots=True)
class ReplicationLag:
    """How far behind the cloud's native replication of checkpoints may be, and how to watch it."""

    mechanism: str  # what replicates, for people
    minutes: int | None  # the documented bound; None: the cloud documents none
    basis: str  # the bound (or its absence) as documented
    metric: str | None  # the lag metric the DR alarms watch; None: there is none
    metric_note: str  # what the alarms watch instead, when there is no metric


class DrInputs(ABC):
    """The inputs of one cloud's DR module beyond ``name``, ``region``, ``tags``, ``rpo_minutes``."""

    # The provider is bound to one region (AWS, Alibaba Cloud): one call per region, since
    # replication is set on the source bucket and alarms live where the metrics are.
    regional: ClassVar[bool]

    @abstractmethod
    def pair_input(self, source: DrCluster, target: DrCluster) -> dict[str, Value]:
        """One entry of the module's ``replication_pairs``."""

    def record_input(self, owner: str, stack: str, record: DnsRecord) -> dict[str, Value]:
        """One entry of the module's ``dns_records``."""
        return {"name": record.name, "targets": list(record.targets)}

    @abstractmethod
    def standby_inputs(self, standby: Sequence[StandbyPools]) -> dict[str, Value]:
        """Inputs naming the standby pools of the call's clusters."""

    @abstractmethod
    def zone_variables(self) -> dict[str, RootVariable]:
        """Module input -> root variable for the DNS zone users provide."""

    @abstractmethod
    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        """Module input -> root variable for where alarms notify."""

    @abstractmethod
    def replication_lag(
        self, rpo_minutes: int, source_region: str, target_region: str
    ) -> ReplicationLag:
        """The lag of the module's checkpoint replication from one region to another, as the
        module renders it for ``rpo_minutes``."""
