"""Data paths: how a protected cluster's checkpoints reach each of its failover targets.

A failover is recoverable only if the work finds its data where it lands. Every pair of a
protected cluster and one of its ``failover`` targets therefore has a data path, and the planner
compares its lag with ``rpo_minutes``:

* **replication**: the cloud's own replication of the checkpoint store, rendered by the ``_dr``
  root, from the source to its *native target* (the first target on the same cloud in another
  region: S3 replication, Azure object replication, OSS cross-region replication). Its lag is
  what the cloud documents for the mechanism as rendered (:meth:`DrInputs.replication_lag`);
  ``None`` when the cloud documents no bound.
* **sync**: every other pair (another cloud, or a second target on the same cloud): no cloud
  replicates into another. Such a pair gets a checkpoint sync job, rendered in the *target*
  cluster (the side that must be healthy for the failover) on its system pool: a Kubernetes
  CronJob running ``rclone copy`` from the source's store to the target's every
  ``DisasterRecovery.sync_interval_minutes`` (``infra/terraform/addons.py``,
  ``modules/checkpoint-sync``, docs/data-sync.md). A checkpoint written just after a run began is
  picked up by the next run, at most one interval later, and that run starts its transfers within
  its time budget, shorter than one interval: the lag is at most two intervals.
* **none**: the source is declared ``stateless`` (``Cluster(stateless=True)``): nothing to carry.

Everything here is pure: the ``_dr`` root, the planner and the runbook read the same paths.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from infra.clouds import CLOUDS
from infra.dr.timing import TimingModel, default_timing
from infra.resolve import ResolvedStack

__all__ = [
    "CHECKPOINT_PREFIX",
    "SYNC_NAMESPACE",
    "DataPath",
    "data_path",
    "data_paths",
    "native_target",
    "sync_job_name",
]

DataKind = Literal["replication", "sync", "none"]

# Where training writes checkpoints in a cluster's store (the drills read the same prefix), and
# the namespace of the sync jobs in each target cluster.
CHECKPOINT_PREFIX = "checkpoints/"
SYNC_NAMESPACE = "infra-dr"
# A CronJob's name may have at most 52 characters: its Jobs append an 11-character suffix to a
# 63-character limit (kubernetes.io/docs/concepts/workloads/controllers/cron-jobs, "Writing a
# CronJob spec").
_JOB_NAME_MAX = 52
_JOB_PREFIX = "checkpoint-sync-"


def sync_job_name(source: str) -> str:
    """The CronJob in the target that copies ``source``'s checkpoints: ``checkpoint-sync-<source>``,
    shortened with a hash of the source past 52 characters (so two sources never share one)."""
    name = f"{_JOB_PREFIX}{source}"
    if len(name) <= _JOB_NAME_MAX:
        return name
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]
    return f"{name[: _JOB_NAME_MAX - 9].rstrip('-')}-{digest}"


@dataclass(frozen=True, slots=True)
class DataPath:
    """How the checkpoints of ``source`` reach ``target``."""

    source: str  # cluster name
    target: str  # cluster name
    kind: DataKind
    mechanism: str  # what copies the data, for people
    interval_minutes: int | None  # sync: the job's schedule
    lag_minutes: (
        int | None
    )  # the newest checkpoint on the target is at most this old; None: no bound
    basis: str  # where the lag comes from
    metric: str | None  # the lag metric the DR alarms watch; None: there is none
    metric_note: str  # what to watch instead when there is no metric

    def problem(self, rpo_minutes: int | None) -> str | None:
        """Why this path cannot meet ``rpo_minutes``, or None."""
        if self.kind == "none" or rpo_minutes is None or self.lag_minutes is None:
            return None
        if self.lag_minutes > rpo_minutes:
            return (
                f"data: {self.source} -> {self.target} may lag {self.lag_minutes} min "
                f"({self.basis}), over the RPO of {rpo_minutes} min"
            )
        return None

    def warning(self) -> str | None:
        """A lag with no documented bound: the RPO cannot be promised."""
        if self.kind != "none" and self.lag_minutes is None:
            return f"data: {self.source} -> {self.target} has no lag bound ({self.basis})"
        return None


def native_target(stack: ResolvedStack, source: str) -> str | None:
    """The target the cloud replicates ``source``'s checkpoints to: its first failover target on
    the same cloud in another region, or None."""
    if stack.dr is None:
        return None
    cluster = stack.cluster(source)
    for name in stack.dr.failover.get(source, ()):
        target = stack.cluster(name)
        if target.cloud == cluster.cloud and target.region != cluster.region:
            return name
    return None


def data_path(
    stack: ResolvedStack, source: str, target: str, timing: TimingModel | None = None
) -> DataPath:
    """The data path from ``source`` to one of its failover targets."""
    dr = stack.dr
    if dr is None:
        raise ValueError(f"stack {stack.name!r} has no disaster recovery")
    src, dst = stack.cluster(source), stack.cluster(target)
    if src.stateless:
        return DataPath(
            source, target, "none", "none: declared stateless", None, None,
            "Cluster(stateless=True)", None, "",
        )  # fmt: skip
    if target == native_target(stack, source):
        lag = CLOUDS[src.cloud].dr_inputs.replication_lag(dr.rpo_minutes, src.region, dst.region)
        return DataPath(
            source, target, "replication", lag.mechanism, None, lag.minutes,
            lag.basis, lag.metric, lag.metric_note,
        )  # fmt: skip
    # No cloud replicates into another (nor to a second target): the target's sync job copies.
    interval = dr.sync_interval_minutes
    return DataPath(
        source=source,
        target=target,
        kind="sync",
        mechanism=f"sync job {sync_job_name(source)} in {target} (rclone copy every {interval} min)",
        interval_minutes=interval,
        lag_minutes=2 * interval,
        basis=(
            f"one {interval}-min interval until the next run, plus its time budget of under one "
            "interval to start every transfer (dr.sync_interval_minutes)"
        ),
        metric=None,
        metric_note=(
            "no cloud metric for a sync job: alert on kube-state-metrics "
            f'time() - kube_cronjob_status_last_successful_time{{namespace="{SYNC_NAMESPACE}",'
            f'cronjob="{sync_job_name(source)}"}} in {target}'
        ),
    )


def data_paths(stack: ResolvedStack, timing: TimingModel | None = None) -> tuple[DataPath, ...]:
    """Every failover pair's data path: sources in stack order, targets in failover order."""
    if stack.dr is None:
        return ()
    timing = timing or default_timing()
    return tuple(
        data_path(stack, cluster.name, target, timing)
        for cluster in stack.clusters
        for target in stack.dr.failover.get(cluster.name, ())
    )
