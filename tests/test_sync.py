"""Checkpoint sync jobs: every failover pair no cloud replicates gets exactly one CronJob in its
target's add-ons root (``infra/terraform/addons.py``, ``modules/checkpoint-sync``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2
import pytest

from infra.catalog import default_catalog
from infra.clouds import CLOUDS, Cloud
from infra.clouds.base import CheckpointSync, sync_job, sync_remote_name, sync_schedule
from infra.clouds.dr_inputs import DrCluster
from infra.deploy import DeployedStack, deploy_plan
from infra.dr.data import CHECKPOINT_PREFIX, SYNC_NAMESPACE, data_paths, sync_job_name
from infra.model import Cluster, DisasterRecovery, NodePool, Stack
from infra.pipeline import resolve_paths
from infra.resolve import ResolvedStack
from infra.terraform.addons import (
    ADDONS_SUFFIX,
    CREDENTIALS_SECRET,
    KUBERNETES_PROVIDER,
    SYNC_MODULE,
    addons_files,
)
from infra.terraform.binary import terraform_env
from infra.validate import validate_stacks
from tests.conftest import ROOT
from tests.pulumi.inventory import hcl_plain
from tests.tfschema import Schemas, check_file, check_paths

MODULE = ROOT / "modules" / SYNC_MODULE
# Every rclone option a remote may carry in the render: none of them a credential.
REMOTE_OPTIONS = {
    "TYPE",
    "PROVIDER",
    "REGION",
    "ENDPOINT",
    "ACCOUNT",
    "ENV_AUTH",
    "NO_CHECK_BUCKET",
    "NO_CHECK_CONTAINER",
}
CREDENTIAL = re.compile(r"(ACCESS_KEY|SECRET|TOKEN|PASSWORD|SAS|CONNECTION_STRING)")
TERRAFORM = shutil.which("terraform")


def _parse(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl_plain(hcl2.loads(text))
    return parsed


@pytest.fixture(scope="module")
def examples() -> dict[str, ResolvedStack]:
    resolution = resolve_paths([str(ROOT / "stacks")])
    assert resolution.ok, resolution.problems
    return {s.name: s for s in resolution.stacks}


@pytest.fixture(scope="module")
def llm_train(examples: dict[str, ResolvedStack]) -> DeployedStack:
    return deploy_plan(examples["llm-train"], default_catalog())


@pytest.fixture(scope="module")
def rendered(llm_train: DeployedStack) -> tuple[dict[str, str], tuple[Any, ...]]:
    return addons_files(llm_train)


def _sync_roots(files: Mapping[str, str], roots: Any) -> list[Any]:
    """The add-ons roots that call the sync module (the others hold GPU software only)."""
    return [r for r in roots if f"{r.path}/main.tf" in files]


def _module_call(files: Mapping[str, str], root: str) -> dict[str, Any]:
    (call,) = _parse(files[f"{root}/main.tf"])["module"]
    body: dict[str, Any] = call["checkpoint_sync"]
    return body


def _store(cloud: Cloud, plan: DeployedStack, name: str) -> str:
    cluster = plan.cluster(name)
    store = DrCluster(cluster.name, cluster.resource, cluster.region, cluster.inputs)
    return cloud.checkpoint_sync().store_name(store)


def _rclone_store(path: str, env: Mapping[str, str]) -> str:
    remote, _, rest = path.partition(":")
    prefix = f"RCLONE_CONFIG_{remote.upper()}_"
    top = rest.split("/", 1)[0]
    return f"{env[prefix + 'ACCOUNT']}/{top}" if env[prefix + "TYPE"] == "azureblob" else top


def test_every_sync_path_of_llm_train_has_one_cron_job_in_its_target(
    llm_train: DeployedStack, rendered: tuple[dict[str, str], tuple[Any, ...]]
) -> None:
    files, roots = rendered
    paths = [p for p in data_paths(llm_train.stack) if p.kind == "sync"]
    assert {(p.source, p.target) for p in paths} == {
        ("aws-use1", "az-eus"),
        ("az-eus", "aws-use1"),
        ("az-eus", "aws-usw2"),
        ("ali-bj", "aws-usw2"),
    }
    jobs_by_target = {
        root.cluster: _module_call(files, root.path)["jobs"]
        for root in roots
        if root.cluster and f"{root.path}/main.tf" in files
    }
    assert sum(len(jobs) for jobs in jobs_by_target.values()) == len(paths)
    for path in paths:
        call = _module_call(files, f"terraform/llm-train/{path.target}{ADDONS_SUFFIX}")
        assert call["namespace"] == SYNC_NAMESPACE
        job = call["jobs"][sync_job_name(path.source)]
        assert job["source_cluster"] == path.source
        assert path.interval_minutes is not None
        assert job["schedule"] == sync_schedule(path.interval_minutes) == "*/5 * * * *"
        assert job["max_duration_seconds"] < path.interval_minutes * 60
        source_cloud = llm_train.cluster(path.source).cloud
        target_cloud = llm_train.cluster(path.target).cloud
        # The stores the cluster roots create, as rclone resolves the job's paths.
        assert _rclone_store(job["source"], job["remotes"]) == _store(
            source_cloud, llm_train, path.source
        )
        assert _rclone_store(job["destination"], job["remotes"]) == _store(
            target_cloud, llm_train, path.target
        )
        assert job["source"].endswith(f"/{CHECKPOINT_PREFIX}")
        assert job["destination"].endswith(f"/{CHECKPOINT_PREFIX}")


def test_the_stores_are_the_ones_the_cluster_modules_create(llm_train: DeployedStack) -> None:
    # S3 and OSS: the bucket input; Azure: account and the module's default container.
    expected = {
        "aws-use1": llm_train.cluster("aws-use1").inputs["checkpoint_bucket_name"],
        "az-eus": f"{llm_train.cluster('az-eus').inputs['storage_account_name']}/checkpoints",
        "ali-bj": llm_train.cluster("ali-bj").inputs["checkpoint_bucket_name"],
    }
    for name, store in expected.items():
        assert _store(llm_train.cluster(name).cloud, llm_train, name) == store


def test_no_credential_is_rendered(rendered: tuple[dict[str, str], tuple[Any, ...]]) -> None:
    files, roots = rendered
    for root in _sync_roots(files, roots):
        for job in _module_call(files, root.path)["jobs"].values():
            for key in job["remotes"]:
                remote = next(
                    r
                    for r in (job["source"], job["destination"])
                    if key.startswith(f"RCLONE_CONFIG_{r.split(':')[0].upper()}_")
                )
                option = key.removeprefix(f"RCLONE_CONFIG_{remote.split(':')[0].upper()}_")
                assert option in REMOTE_OPTIONS, key
        # Credential names appear in the comments that say what the Secret holds, nowhere else.
        code = [line for line in files[f"{root.path}/main.tf"].splitlines() if line[:1] != "#"]
        assert not [line for line in code if CREDENTIAL.search(line)], root.path
        assert (
            f"Secret {CREDENTIALS_SECRET} in namespace {SYNC_NAMESPACE}"
            in files[f"{root.path}/main.tf"]
        )


def test_each_add_ons_root_follows_its_cluster_and_keeps_state_beside_it(
    llm_train: DeployedStack, rendered: tuple[dict[str, str], tuple[Any, ...]]
) -> None:
    files, roots = rendered
    assert [r.path for r in _sync_roots(files, roots)] == [
        "terraform/llm-train/aws-use1_addons",
        "terraform/llm-train/aws-usw2_addons",
        "terraform/llm-train/az-eus_addons",
    ]
    for root in _sync_roots(files, roots):
        assert root.cluster is not None
        cluster = llm_train.cluster(root.cluster)
        assert (root.cloud, root.region) == (cluster.cloud.name, cluster.region)
        sources = {job["source_cluster"] for job in _module_call(files, root.path)["jobs"].values()}
        base = "terraform/llm-train"
        assert set(root.depends_on) == {
            f"{base}/_global",
            f"{base}/{root.cluster}",
            *(f"{base}/{s}" for s in sources),
        }
        # The cluster root's backend, with the add-ons root's own key.
        (backend_block,) = _parse(files[f"{root.path}/backend.tf"])["terraform"]
        ((kind, backend),) = backend_block["backend"][0].items()
        cluster_backend = dict(cluster.state.backend.body)  # type: ignore[arg-type]
        assert kind == cluster.state.backend.labels[0]
        assert backend["key"] == f"llm-train/{root.cluster}{ADDONS_SUFFIX}.tfstate"
        assert {k: v for k, v in backend.items() if k != "key"} == {
            k: v for k, v in cluster_backend.items() if k != "key"
        }
        providers = _parse(files[f"{root.path}/providers.tf"])
        local_names = {name for block in providers["provider"] for name in block}
        helm = {"helm"} if f"{root.path}/gpu.tf" in files else set()
        assert local_names == {cluster.cloud.terraform_provider.name, "kubernetes", *helm}
        assert providers["data"], "the kubernetes provider finds the cluster by name"


def test_the_root_and_the_module_pin_the_same_kubernetes_provider(
    rendered: tuple[dict[str, str], tuple[Any, ...]],
) -> None:
    files, roots = rendered
    (module_terraform,) = _parse((MODULE / "versions.tf").read_text())["terraform"]
    module_pin = module_terraform["required_providers"][0]["kubernetes"]
    for root in _sync_roots(files, roots):
        (root_terraform,) = _parse(files[f"{root.path}/versions.tf"])["terraform"]
        pin = root_terraform["required_providers"][0]["kubernetes"]
        assert (
            pin
            == module_pin
            == {
                "source": KUBERNETES_PROVIDER.source,
                "version": KUBERNETES_PROVIDER.version,
            }
        )


SYSTEM_TYPES = {"aws": "m7i.2xlarge", "azure": "Standard_D4s_v5", "alicloud": "ecs.g7.2xlarge"}


def _stack(failover: dict[str, list[str]], **clusters: tuple[str, str, bool]) -> ResolvedStack:
    stack = Stack(
        name="sync-test",
        owner="ml",
        environment="dev",
        clusters=[
            Cluster(
                name=name,
                cloud=cloud,
                region=region,
                cidr=f"10.{10 + i}.0.0/16",
                stateless=stateless,
                pools=[NodePool(name="system", instance_type=SYSTEM_TYPES[cloud], nodes=2)],
            )
            for i, (name, (cloud, region, stateless)) in enumerate(clusters.items())
        ],
        dr=DisasterRecovery(rpo_minutes=60, rto_minutes=120, failover=failover),
    )
    resolved, problems = validate_stacks([("test_sync.py", stack)], default_catalog())
    assert not problems, problems
    return resolved[0]


def test_native_replication_and_stateless_pairs_get_no_add_ons_root(
    examples: dict[str, ResolvedStack],
) -> None:
    replicated = _stack(
        {"east": ["west"]}, east=("aws", "us-east-1", False), west=("aws", "us-west-2", False)
    )
    stateless = _stack(
        {"east": ["az"]}, east=("aws", "us-east-1", True), az=("azure", "eastus", False)
    )
    for stack in (replicated, stateless, examples["research-sandbox"]):
        files, roots = addons_files(deploy_plan(stack, default_catalog()))
        assert _sync_roots(files, roots) == [], stack.name


def test_a_second_target_on_the_same_cloud_is_synced(examples: dict[str, ResolvedStack]) -> None:
    stack = _stack(
        {"east": ["west", "west2"]},
        east=("aws", "us-east-1", False),
        west=("aws", "us-west-2", False),
        west2=("aws", "us-east-2", False),
    )
    files, roots = addons_files(deploy_plan(stack, default_catalog()))
    assert [r.cluster for r in roots] == ["west2"]
    (job,) = _module_call(files, roots[0].path)["jobs"].values()
    assert job["remotes"]["RCLONE_CONFIG_EAST_REGION"] == "us-east-1"
    assert job["remotes"]["RCLONE_CONFIG_WEST2_REGION"] == "us-east-2"


def test_an_alibaba_target_reads_its_own_bucket_over_the_internal_endpoint(
    examples: dict[str, ResolvedStack],
) -> None:
    plan = deploy_plan(examples["embeddings"], default_catalog())
    files, roots = addons_files(plan)
    calls = {r.cluster: _module_call(files, r.path) for r in roots}
    (into_ali,) = calls["ali-sh"]["jobs"].values()
    (into_azure,) = calls["az-wus3"]["jobs"].values()
    region = plan.cluster("ali-sh").region
    assert (
        into_ali["remotes"]["RCLONE_CONFIG_ALI_SH_ENDPOINT"]
        == f"oss-{region}-internal.aliyuncs.com"
    )
    assert into_azure["remotes"]["RCLONE_CONFIG_ALI_SH_ENDPOINT"] == f"oss-{region}.aliyuncs.com"


def test_schedules_and_time_budgets() -> None:
    assert sync_schedule(5) == "*/5 * * * *"
    assert sync_schedule(1) == "*/1 * * * *"
    assert sync_schedule(60) == "0 * * * *"
    for bad in (0, 7, 90):
        with pytest.raises(ValueError, match="does not divide an hour"):
            sync_schedule(bad)
    aws = CLOUDS["aws"]
    a = DrCluster("a", "s-a", "us-east-1", aws.cluster_inputs("s", "o", "a", {}))
    b = DrCluster("b-2", "s-b-2", "us-west-2", aws.cluster_inputs("s", "o", "b-2", {}))
    for minutes in (1, 5, 60):
        job = sync_job("j", minutes, CHECKPOINT_PREFIX, (aws, a), (aws, b))
        assert 30 <= job.max_duration_seconds < minutes * 60
    assert sync_remote_name("b-2") == "B_2"
    assert job.source.startswith("a:") and job.destination.startswith("b_2:")


@pytest.mark.parametrize("cloud", sorted(CLOUDS.values(), key=str), ids=str)
def test_every_cloud_describes_its_store_and_its_api(cloud: Cloud) -> None:
    sync = cloud.checkpoint_sync()
    assert isinstance(sync, CheckpointSync) and cloud.checkpoint_sync() is sync
    inputs = cloud.cluster_inputs("llm", "ml", "use1", {})
    store = DrCluster("use1", cloud.resource_name("llm", "use1"), "r1", inputs)
    for in_region in (True, False):
        remote = sync.remote(store, in_region=in_region)
        assert remote["type"] and {k.upper() for k in remote} <= REMOTE_OPTIONS
    assert sync.bucket(store) in sync.store_name(store)
    assert sync.credential_keys("USE1")
    blocks = sync.kubernetes_provider(store)
    assert [b.type for b in blocks][-1] == "provider" and blocks[-1].labels == ("kubernetes",)
    assert all(b.type == "data" for b in blocks[:-1]) and blocks[:-1]


def test_the_module_matches_the_provider_schema(tmp_path: Path) -> None:
    schemas = Schemas.load()
    assert "kubernetes" in schemas.providers
    assert check_paths([MODULE], schemas) == []
    wrong = tmp_path / "main.tf"
    wrong.write_text(
        'resource "kubernetes_cron_job_v1" "x" {\n  metadata {\n    name = "x"\n  }\n'
        '  spec {\n    schedule = "* * * * *"\n    concurency_policy = "Forbid"\n'
        "    job_template {\n      metadata {}\n      spec {}\n    }\n  }\n}\n"
    )
    problems = check_file(wrong, schemas)
    assert any("concurency_policy" in p.message for p in problems), problems


def _write(files: Mapping[str, str], out: Path) -> None:
    for path, text in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)


def test_rendered_roots_parse_and_are_fmt_clean(
    rendered: tuple[dict[str, str], tuple[Any, ...]], tmp_path: Path
) -> None:
    files, _ = rendered
    for path, text in files.items():
        if path.endswith(".tf"):
            _parse(text)  # python-hcl2 raises on anything it cannot read
    if TERRAFORM is None:
        pytest.skip("no terraform on PATH for terraform fmt -check")
    _write(files, tmp_path)
    result = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-list=true", str(tmp_path)],
        capture_output=True,
        text=True,
        env=terraform_env(),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the module's rules, evaluated by real Terraform (no provider: variables.tf only) ----------

VALID_JOB: dict[str, Any] = {
    "source_cluster": "az-eus",
    "schedule": "*/5 * * * *",
    "max_duration_seconds": 270,
    "source": "az_eus:checkpoints/checkpoints/",
    "destination": "aws_usw2:bucket/checkpoints/",
    "remotes": {
        "RCLONE_CONFIG_AZ_EUS_TYPE": "azureblob",
        "RCLONE_CONFIG_AZ_EUS_ACCOUNT": "ckpt0123",
        "RCLONE_CONFIG_AWS_USW2_TYPE": "s3",
    },
}


def _validate(tmp_path: Path, **inputs: Any) -> str | None:
    """``terraform validate`` of a root calling the module with ``inputs``; its error or None."""
    assert TERRAFORM is not None
    (tmp_path / "module").mkdir()
    shutil.copy(MODULE / "variables.tf", tmp_path / "module" / "variables.tf")
    root = tmp_path / "root"
    root.mkdir()
    body = "\n".join(f"  {k} = {json.dumps(v)}" for k, v in inputs.items())
    (root / "main.tf").write_text(f'module "m" {{\n  source = "../module"\n{body}\n}}\n')
    env = terraform_env()
    for args in (("init", "-backend=false", "-input=false", "-no-color"), ("validate", "-json")):
        result = subprocess.run(
            [TERRAFORM, *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            if args[0] == "init":
                return result.stdout + result.stderr
            diagnostics = json.loads(result.stdout).get("diagnostics", [])
            return "; ".join(str(d.get("detail")) for d in diagnostics)
    return None


BAD_INPUTS = [
    ({"schedule": "*/7 * * * *"}, "schedule must be"),
    ({"max_duration_seconds": 300}, "shorter than the schedule's interval"),
    ({"destination": "az_eus:checkpoints/checkpoints/"}, "different rclone paths"),
    ({"source": "s3://bucket/checkpoints/"}, "different rclone paths"),
    (
        {"remotes": {**VALID_JOB["remotes"], "RCLONE_CONFIG_AZ_EUS_KEY": "c2VjcmV0"}},
        "must not hold credentials",
    ),
    (
        {"remotes": {"RCLONE_CONFIG_AWS_USW2_TYPE": "s3"}},
        "RCLONE_CONFIG_<REMOTE>_TYPE for the remote",
    ),
]


@pytest.mark.slow
@pytest.mark.skipif(TERRAFORM is None, reason="no terraform on PATH")
def test_the_module_accepts_what_infra_renders(
    rendered: tuple[dict[str, str], tuple[Any, ...]], tmp_path: Path
) -> None:
    files, roots = rendered
    jobs: dict[str, Any] = {}
    for root in _sync_roots(files, roots):
        jobs.update(_module_call(files, root.path)["jobs"])
    assert _validate(tmp_path, jobs=jobs) is None


@pytest.mark.slow
@pytest.mark.skipif(TERRAFORM is None, reason="no terraform on PATH")
@pytest.mark.parametrize(("change", "message"), BAD_INPUTS, ids=[m for _, m in BAD_INPUTS])
def test_the_module_refuses_bad_jobs(change: dict[str, Any], message: str, tmp_path: Path) -> None:
    problem = _validate(tmp_path, jobs={"checkpoint-sync-az-eus": {**VALID_JOB, **change}})
    assert problem is not None and message in problem, problem


@pytest.mark.slow
@pytest.mark.skipif(TERRAFORM is None, reason="no terraform on PATH")
@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"image": "rclone/rclone:latest"}, "image must be pinned"),
        ({"image": "rclone/rclone"}, "image must be pinned"),
        ({"namespace": "Infra_DR"}, "namespace must be a DNS label"),
        ({"run_as_user": 0}, "not root"),
    ],
)
def test_the_module_refuses_bad_settings(
    inputs: dict[str, Any], message: str, tmp_path: Path
) -> None:
    problem = _validate(tmp_path, jobs={"checkpoint-sync-az-eus": VALID_JOB}, **inputs)
    assert problem is not None and message in problem, problem


def test_the_cron_job_is_hardened_and_stays_off_gpu_nodes() -> None:
    resources = _parse((MODULE / "main.tf").read_text())["resource"]
    (cron,) = [
        r["kubernetes_cron_job_v1"]["sync"] for r in resources if "kubernetes_cron_job_v1" in r
    ]
    (spec,) = cron["spec"]
    assert spec["concurrency_policy"] == "Forbid"
    assert {"starting_deadline_seconds", "successful_jobs_history_limit"} <= set(spec)
    assert "failed_jobs_history_limit" in spec
    (template,) = spec["job_template"][0]["spec"][0]["template"]
    (pod,) = template["spec"]
    assert "toleration" not in pod and "node_selector" not in pod and "affinity" not in pod
    assert pod["automount_service_account_token"] == "${var.automount_service_account_token}"
    (pod_security,) = pod["security_context"]
    assert pod_security["run_as_non_root"] is True
    assert pod_security["seccomp_profile"][0]["type"] == "RuntimeDefault"
    (container,) = pod["container"]
    (security,) = container["security_context"]
    assert security["allow_privilege_escalation"] is False
    assert security["read_only_root_filesystem"] is True
    assert security["privileged"] is False
    assert security["capabilities"][0]["drop"] == ["ALL"]
    (limits,) = container["resources"]
    assert set(limits["requests"]) == set(limits["limits"]) == {"cpu", "memory"}
    # The Secret after the ConfigMap: a key of the Secret overrides a rendered setting.
    sources = [next(iter(e)) for e in container["env_from"]]
    assert sources == ["config_map_ref", "secret_ref"]
    args = _parse((MODULE / "main.tf").read_text())["locals"][0]["args"]
    assert '"copy"' in args and '"sync"' not in args and "--stats-one-line" in args


def test_the_module_and_the_pulumi_component_pass_rclone_the_same_flags() -> None:
    pytest.importorskip("pulumi_kubernetes", reason="the pulumi extra is not installed")
    from infra.clouds.checkpoint_sync import SyncJobArgs, rclone_args

    job = SyncJobArgs(**{**VALID_JOB, "remotes": dict(VALID_JOB["remotes"])})
    text = (MODULE / "main.tf").read_text()
    block = text[text.index("args = {") : text.index("] }")]
    module_flags = re.findall(r'^\s+"(--[^"]+)",$', block, re.MULTILINE)
    module_flags = [f.replace("${job.max_duration_seconds}", "270") for f in module_flags]
    assert rclone_args(job)[3:] == module_flags


def test_the_rendered_requirement_is_pyprojects_pulumi_extra() -> None:
    import tomllib

    from infra.pulumi.sync import PULUMI_KUBERNETES_REQUIREMENT

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["pulumi"]
    assert PULUMI_KUBERNETES_REQUIREMENT in extra
