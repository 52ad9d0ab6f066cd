"""``infra:dr:CheckpointSync``: the Pulumi twin of ``modules/checkpoint-sync`` on
pulumi-kubernetes, for one target cluster.

Same inputs (the module's variables, :class:`CheckpointSyncArgs`), same objects with the same
names: the namespace (Pod Security restricted), the service account, and per job a ConfigMap of
the two rclone remotes and the CronJob running ``rclone copy``. The program gives it a
``pulumi_kubernetes.Provider`` built by :func:`kubernetes_provider` from what the target's cloud
says of its cluster component (``Cloud.checkpoint_sync().pulumi_kubeconfig``). Cloud-neutral:
what differs per cloud is in the remotes (``infra/clouds/<cloud>/sync.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.clouds.args import ComponentInputError

__all__ = [
    "TYPE",
    "CheckpointSyncArgs",
    "CheckpointSyncComponent",
    "Resources",
    "SyncJobArgs",
    "kubeconfig",
    "kubernetes_provider",
    "rclone_args",
]

TYPE = "infra:dr:CheckpointSync"
_LABELS = {"app.kubernetes.io/name": "checkpoint-sync", "app.kubernetes.io/managed-by": "infra"}
_PSA = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")}
# The module's validation blocks (modules/checkpoint-sync/variables.tf), used with fullmatch.
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?"
_JOB_NAME = r"[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?"
_SCHEDULE = re.compile(r"(0|\*/(1|2|3|4|5|6|10|12|15|20|30)) \* \* \* \*")
_PATH = re.compile(r"[a-z0-9_]+:[^/\s]+/(\S+/)?")
_REMOTE_KEY = re.compile(r"RCLONE_CONFIG_[A-Z0-9_]+")
_CREDENTIAL_KEY = re.compile(
    r".*_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|KEY|SAS_URL|CONNECTION_STRING|"
    r"CLIENT_SECRET|PASSWORD|TOKEN)"
)
_IMAGE = re.compile(
    r"[a-z0-9][a-z0-9./_:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})"
)
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")
_CPU = re.compile(r"[0-9]+m|[0-9]+(\.[0-9]+)?")
_MEMORY = re.compile(r"[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?")


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncJobArgs:
    """One entry of the module's ``jobs`` (``SyncJob.module_input``)."""

    source_cluster: str
    schedule: str
    max_duration_seconds: int
    source: str
    destination: str
    remotes: Mapping[str, str]

    def check(self, name: str) -> None:
        """The module's rules for one job."""
        if not re.fullmatch(_JOB_NAME, name):
            raise ComponentInputError(f"job {name!r}: names must be 1-52 of [a-z0-9-]")
        if not re.fullmatch(_DNS_LABEL, self.source_cluster):
            raise ComponentInputError(f"job {name}: source_cluster must be a cluster name")
        if not _SCHEDULE.fullmatch(self.schedule):
            raise ComponentInputError(
                f"job {name}: schedule must be */N * * * * (N dividing 60) or 0 * * * *"
            )
        interval = int(self.schedule.split()[0].removeprefix("*/")) if "/" in self.schedule else 60
        if not 30 <= self.max_duration_seconds < interval * 60:
            raise ComponentInputError(
                f"job {name}: max_duration_seconds must be at least 30 and shorter than the "
                "schedule's interval"
            )
        paths = (self.source, self.destination)
        if not all(_PATH.fullmatch(p) for p in paths) or self.source == self.destination:
            raise ComponentInputError(
                f"job {name}: source and destination must be different rclone paths"
            )
        for path in paths:
            if f"RCLONE_CONFIG_{path.split(':')[0].upper()}_TYPE" not in self.remotes:
                raise ComponentInputError(f"job {name}: remotes must set the TYPE of {path}")
        for key in self.remotes:
            if not _REMOTE_KEY.fullmatch(key) or _CREDENTIAL_KEY.fullmatch(key):
                raise ComponentInputError(
                    f"job {name}: remotes key {key!r} is not a non-secret RCLONE_CONFIG_ option"
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class Resources:
    """The module's ``resources``."""

    cpu_request: str = "250m"
    memory_request: str = "256Mi"
    cpu_limit: str = "1"
    memory_limit: str = "1Gi"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointSyncArgs:
    """The variables of ``modules/checkpoint-sync`` (see its variables.tf for each one)."""

    namespace: str = "infra-dr"
    jobs: Mapping[str, SyncJobArgs]
    credentials_secret_name: str = "infra-checkpoint-sync"
    image: str = "rclone/rclone:1.75.0"
    service_account_name: str = "checkpoint-sync"
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    automount_service_account_token: bool = False
    run_as_user: int = 65532
    resources: Resources = field(default_factory=Resources)
    starting_deadline_seconds: int = 120
    run_deadline_seconds: int = 21600

    def __post_init__(self) -> None:
        if not re.fullmatch(_DNS_LABEL, self.namespace):
            raise ComponentInputError("namespace must be a DNS label")
        for name in (self.credentials_secret_name, self.service_account_name):
            if not re.fullmatch(_DNS_SUBDOMAIN, name):
                raise ComponentInputError(f"{name!r} must be a DNS subdomain")
        if not _IMAGE.fullmatch(self.image) or self.image.endswith((":latest", ":beta")):
            raise ComponentInputError("image must be pinned by a release tag or a digest")
        if not all(_LABEL_VALUE.fullmatch(v) for v in self.pod_labels.values()):
            raise ComponentInputError("pod_labels values must be Kubernetes label values")
        if self.run_as_user < 1:
            raise ComponentInputError("run_as_user must be at least 1 (not root)")
        r = self.resources
        if not (_CPU.fullmatch(r.cpu_request) and _CPU.fullmatch(r.cpu_limit)):
            raise ComponentInputError("cpu_request and cpu_limit must be CPU quantities")
        if not (_MEMORY.fullmatch(r.memory_request) and _MEMORY.fullmatch(r.memory_limit)):
            raise ComponentInputError("memory_request and memory_limit must be memory quantities")
        if self.starting_deadline_seconds < 10 or self.run_deadline_seconds < 60:
            raise ComponentInputError(
                "starting_deadline_seconds must be at least 10, run_deadline_seconds at least 60"
            )
        for name, job in self.jobs.items():
            job.check(name)

    @classmethod
    def from_document(
        cls, namespace: str, jobs: Mapping[str, Mapping[str, Any]]
    ) -> CheckpointSyncArgs:
        """The args of one ``sync`` entry of ``stack.json`` (the module call's inputs)."""
        try:
            parsed = {
                name: SyncJobArgs(
                    source_cluster=str(job["source_cluster"]),
                    schedule=str(job["schedule"]),
                    max_duration_seconds=int(job["max_duration_seconds"]),
                    source=str(job["source"]),
                    destination=str(job["destination"]),
                    remotes={str(k): str(v) for k, v in dict(job["remotes"]).items()},
                )
                for name, job in jobs.items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ComponentInputError(f"malformed sync job ({exc!r})") from None
        return cls(namespace=namespace, jobs=parsed)


def rclone_args(job: SyncJobArgs) -> list[str]:
    """The container's arguments, as the module's ``local.args`` (see its main.tf for why)."""
    return [
        "copy",
        job.source,
        job.destination,
        "--config=/dev/null",
        "--cache-dir=/tmp/rclone",
        f"--max-duration={job.max_duration_seconds}s",
        "--cutoff-mode=soft",
        "--stats=1m",
        "--stats-one-line",
        "--stats-log-level=NOTICE",
    ]


def kubeconfig(name: str, entries: Mapping[str, object]) -> str:
    """A kubeconfig (JSON is YAML) with one cluster, user and context, all named ``name``,
    from a cloud's ``{"cluster": ..., "user": ...}`` entries."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": entries["cluster"]}],
            "users": [{"name": name, "user": entries["user"]}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "preferences": {},
        },
        sort_keys=True,
    )


def kubernetes_provider(name: str, resource: str, entries: pulumi.Output[Any]) -> k8s.Provider:
    """The explicit provider of one target cluster's API (never the ambient kubeconfig)."""
    return k8s.Provider(name, kubeconfig=entries.apply(lambda e: kubeconfig(resource, e)))


class CheckpointSyncComponent(pulumi.ComponentResource):
    """The sync jobs of one target cluster; give it the cluster's kubernetes provider."""

    def __init__(
        self, name: str, args: CheckpointSyncArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = self._args = args
        child = pulumi.ResourceOptions(parent=self)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=a.namespace, labels={**_LABELS, **_PSA}),
            opts=child,
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=a.service_account_name,
                namespace=namespace.metadata.name,
                labels=_LABELS,
                annotations=dict(a.service_account_annotations),
            ),
            automount_service_account_token=False,
            opts=child,
        )
        self.cron_jobs: dict[str, k8s.batch.v1.CronJob] = {}
        for job_name, job in a.jobs.items():
            self.cron_jobs[job_name] = self._job(name, job_name, job, namespace, account)
        self.namespace = namespace.metadata.name
        self.service_account_name = account.metadata.name
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, Any]:
        """The module's outputs, by the same names."""
        a = self._args
        return {
            "namespace": self.namespace,
            "service_account_name": self.service_account_name,
            "cron_jobs": {
                n: {"source_cluster": j.source_cluster, "schedule": j.schedule}
                for n, j in a.jobs.items()
            },
            "credentials_secret_name": a.credentials_secret_name,
        }

    def _job(
        self,
        name: str,
        job_name: str,
        job: SyncJobArgs,
        namespace: k8s.core.v1.Namespace,
        account: k8s.core.v1.ServiceAccount,
    ) -> k8s.batch.v1.CronJob:
        a = self._args
        child = pulumi.ResourceOptions(parent=self)
        labels = {**_LABELS, "infra/source": job.source_cluster}
        remotes = k8s.core.v1.ConfigMap(
            f"{name}-{job_name}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=job_name, namespace=namespace.metadata.name, labels=labels
            ),
            data=dict(job.remotes),
            opts=child,
        )
        user = a.run_as_user
        container = k8s.core.v1.ContainerArgs(
            name="rclone",
            image=a.image,
            image_pull_policy="Always",
            command=["rclone"],
            args=rclone_args(job),
            # The ConfigMap first, the Secret last: a key of the Secret wins (EnvFromSource).
            env_from=[
                k8s.core.v1.EnvFromSourceArgs(
                    config_map_ref=k8s.core.v1.ConfigMapEnvSourceArgs(name=remotes.metadata.name)
                ),
                k8s.core.v1.EnvFromSourceArgs(
                    secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=a.credentials_secret_name)
                ),
            ],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": a.resources.cpu_request, "memory": a.resources.memory_request},
                limits={"cpu": a.resources.cpu_limit, "memory": a.resources.memory_limit},
            ),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False,
                privileged=False,
                read_only_root_filesystem=True,
                run_as_non_root=True,
                run_as_user=user,
                run_as_group=user,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            ),
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
        )
        pod = k8s.core.v1.PodSpecArgs(
            # No node selector and no tolerations: the untainted system pool, never GPU nodes.
            service_account_name=account.metadata.name,
            automount_service_account_token=a.automount_service_account_token,
            restart_policy="Never",
            security_context=k8s.core.v1.PodSecurityContextArgs(
                run_as_non_root=True,
                run_as_user=user,
                run_as_group=user,
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            containers=[container],
            volumes=[
                k8s.core.v1.VolumeArgs(
                    name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="1Gi")
                )
            ],
        )
        return k8s.batch.v1.CronJob(
            f"{name}-{job_name}-cron",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=job_name, namespace=namespace.metadata.name, labels=labels
            ),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=job.schedule,
                concurrency_policy="Forbid",
                starting_deadline_seconds=a.starting_deadline_seconds,
                successful_jobs_history_limit=3,
                failed_jobs_history_limit=3,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=0,
                        active_deadline_seconds=a.run_deadline_seconds,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels={**a.pod_labels, **labels}),
                            spec=pod,
                        ),
                    ),
                ),
            ),
            opts=child,
        )
