"""Alibaba Cloud: ACK, eRDMA.

- ``cloud``: the :class:`~infra.clouds.base.Cloud` (rules, provider and backend data, module
  inputs, runbook commands) the registry lists;
- ``naming``: the names of resources infra must know before they exist;
- ``dr_inputs``: what the DR module takes;
- ``cluster`` and ``disaster_recovery``: the Pulumi components mirroring the cluster and DR
  modules (they import the provider package, so only the Pulumi program imports them, by name),
  built from parts that mirror the modules' files: ``network``, ``control_plane``, ``node_pools``,
  ``storage`` (cluster) and ``replication``, ``failover_dns``, ``dr_alarms`` (DR).
"""

from infra.clouds.alicloud.cloud import Alicloud

__all__ = ["Alicloud"]
