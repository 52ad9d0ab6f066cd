"""``infra:dr:CheckpointSync``: the module's rules in its Args, and the objects it creates."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pulumi_kubernetes", reason="pulumi_kubernetes is not installed")

import pulumi
import pulumi_kubernetes as k8s

from infra.clouds.args import ComponentInputError
from infra.clouds.checkpoint_sync import (
    TYPE,
    CheckpointSyncArgs,
    CheckpointSyncComponent,
    kubeconfig,
)
from tests.pulumi.mocks import run_under_mocks
from tests.test_sync import VALID_JOB

JOB = VALID_JOB


def _args(**job: Any) -> CheckpointSyncArgs:
    return CheckpointSyncArgs.from_document("infra-dr", {"checkpoint-sync-az-eus": {**JOB, **job}})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schedule": "*/7 * * * *"}, "schedule"),
        ({"max_duration_seconds": 300}, "max_duration_seconds"),
        ({"destination": JOB["source"]}, "different rclone paths"),
        (
            {"remotes": {**JOB["remotes"], "RCLONE_CONFIG_AZ_EUS_SAS_URL": "https://x"}},
            "non-secret",
        ),
        ({"remotes": {"RCLONE_CONFIG_AWS_USW2_TYPE": "s3"}}, "TYPE"),
    ],
)
def test_the_args_refuse_what_the_module_refuses(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ComponentInputError, match=message):
        _args(**change)


def test_the_args_refuse_an_unpinned_image() -> None:
    jobs = _args().jobs
    for image in ("rclone/rclone", "rclone/rclone:latest"):
        with pytest.raises(ComponentInputError, match="pinned"):
            CheckpointSyncArgs(jobs=jobs, image=image)


def test_the_component_creates_the_module_objects_hardened() -> None:
    def program() -> None:
        entries = pulumi.Output.from_input(
            {"cluster": {"server": "https://api", "certificate-authority-data": "LS0t"}, "user": {}}
        )
        provider = k8s.Provider(
            "t-kubernetes", kubeconfig=entries.apply(lambda e: kubeconfig("t", e))
        )
        CheckpointSyncComponent("t", _args(), pulumi.ResourceOptions(providers=[provider]))

    recorder = run_under_mocks(program, "p", "s")
    types = {r.type for r in recorder.resources}
    assert TYPE in types
    (namespace,) = recorder.of_type("kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["name"] == "infra-dr"
    assert (
        namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    )
    (account,) = recorder.of_type("kubernetes:core/v1:ServiceAccount")
    assert account.inputs["automountServiceAccountToken"] is False
    (config_map,) = recorder.of_type("kubernetes:core/v1:ConfigMap")
    assert config_map.inputs["data"] == JOB["remotes"]
    (cron,) = recorder.of_type("kubernetes:batch/v1:CronJob")
    assert cron.inputs["metadata"]["name"] == "checkpoint-sync-az-eus"
    spec = cron.inputs["spec"]
    assert spec["concurrencyPolicy"] == "Forbid" and spec["schedule"] == "*/5 * * * *"
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert "tolerations" not in pod and "nodeSelector" not in pod
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"]["drop"] == ["ALL"] and security["runAsNonRoot"]
    assert container["args"][:3] == ["copy", JOB["source"], JOB["destination"]]
    assert [next(iter(e)) for e in container["envFrom"]] == ["configMapRef", "secretRef"]
    assert container["envFrom"][1]["secretRef"]["name"] == "infra-checkpoint-sync"
    # Every object goes to the target's API through the explicit provider.
    assert all(
        recorder.provider_of(r).name == "t-kubernetes"
        for r in recorder.resources
        if r.type.startswith("kubernetes:")
    )
