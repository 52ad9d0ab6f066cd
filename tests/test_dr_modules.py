"""DR module calls of the ``_global`` root (infra/dr/terraform.py) and the modules they call.

Unit tests run ``dr_module_calls`` on the example stacks and on small hand-made stacks. The
integration test at the end renders the AWS calls into a throwaway root and runs the real
``terraform plan`` against a moto server; it skips, with the reason, when Terraform, the AWS
provider mirror (/opt/tf-plugins) or ``moto_server`` is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import hcl2
import pytest

from infra.catalog import Catalog, default_catalog
from infra.clouds import CLOUDS
from infra.deploy import deployed
from infra.dr.terraform import (
    ENDPOINTS_VARIABLE,
    CheckpointPair,
    DrModuleCall,
    checkpoint_pairs,
    dr_module_calls,
)
from infra.inputs import cluster_module_inputs
from infra.pipeline import resolve_paths
from infra.resolve import ResolvedStack
from infra.terraform.hcl import Block, Raw, document

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "modules"
PLUGIN_DIR = Path("/opt/tf-plugins")


def _resolve(path: Path | str) -> ResolvedStack:
    resolution = resolve_paths([str(path)])
    assert resolution.ok, resolution.problems
    (stack,) = resolution.stacks
    return stack


def _stack_file(tmp_path: Path, body: str, name: str = "stack.py") -> Path:
    path = tmp_path / name
    path.write_text(
        "from infra import Cluster, DisasterRecovery, NodePool, Stack\n\n" + textwrap.dedent(body)
    )
    return path


def _aws(name: str, region: str, cidr: str) -> str:
    return (
        f'Cluster(name="{name}", cloud="aws", region="{region}", cidr="{cidr}", '
        'pools=[NodePool(name="system", instance_type="m7i.2xlarge", nodes=2)])'
    )


def _azure(name: str, region: str, cidr: str) -> str:
    return (
        f'Cluster(name="{name}", cloud="azure", region="{region}", cidr="{cidr}", '
        'pools=[NodePool(name="system", instance_type="Standard_D4s_v5", nodes=2)])'
    )


def _two_region_aws(tmp_path: Path, rpo: int, name: str = "stack.py") -> ResolvedStack:
    return _resolve(
        _stack_file(
            tmp_path,
            f"""
            stack = Stack(
                name="mini-dr", owner="team", environment="dev",
                clusters=[
                    {_aws("east", "us-east-1", "10.1.0.0/16")},
                    {_aws("west", "us-west-2", "10.2.0.0/16")},
                ],
                dr=DisasterRecovery(rpo_minutes={rpo}, rto_minutes=60,
                                    failover={{"east": ["west"]}}),
            )
            """,
            name,
        )
    )


@pytest.fixture(scope="module")
def llm_train() -> ResolvedStack:
    return _resolve(ROOT / "stacks" / "llm_train.py")


@pytest.fixture(scope="module")
def catalog_default() -> Catalog:
    return default_catalog()


def deployed_calls(stack: ResolvedStack, catalog: Catalog) -> list[DrModuleCall]:
    """The calls the renderers make: from the stack as deployed, standby pools included."""
    return dr_module_calls(deployed(stack, catalog))


def _by_label(calls: Sequence[DrModuleCall]) -> dict[str, DrModuleCall]:
    return {c.label: c for c in calls}


# -- the example stack ------------------------------------------------------------------------


def test_llm_train_calls_one_per_regional_provider(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    calls = deployed_calls(llm_train, catalog_default)
    assert [(c.label, c.cloud, c.module, c.region) for c in calls] == [
        ("dr_aws_us_east_1", "aws", "dr-aws", "us-east-1"),
        ("dr_aws_us_west_2", "aws", "dr-aws", "us-west-2"),
        ("dr_azure", "azure", "dr-azure", "eastus"),
        ("dr_alicloud_cn_beijing", "alicloud", "dr-alicloud", "cn-beijing"),
    ]
    for call in calls:
        assert call.inputs["rpo_minutes"] == 15
        assert (MODULES / call.module / "main.tf").is_file()


def test_llm_train_replication_names_the_buckets_the_cluster_roots_create(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    calls = _by_label(deployed_calls(llm_train, catalog_default))
    bucket = {
        c.name: cluster_module_inputs(llm_train, c)["checkpoint_bucket_name"]
        for c in llm_train.clusters
        if c.cloud == "aws"
    }
    assert calls["dr_aws_us_east_1"].inputs["replication_pairs"] == {
        "aws-use1": {
            "source_bucket": bucket["aws-use1"],
            "destination_bucket": bucket["aws-usw2"],
            "destination_region": "us-west-2",
            "destination_kms_key": "alias/llm-train-aws-usw2-checkpoint",
        }
    }
    assert calls["dr_aws_us_west_2"].inputs["replication_pairs"] == {
        "aws-usw2": {
            "source_bucket": bucket["aws-usw2"],
            "destination_bucket": bucket["aws-use1"],
            "destination_region": "us-east-1",
            "destination_kms_key": "alias/llm-train-aws-use1-checkpoint",
        }
    }


def test_llm_train_cross_cloud_pairs_are_not_native_replication(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    assert checkpoint_pairs(llm_train) == (
        CheckpointPair("aws-use1", "aws-usw2", True),  # first target: AWS, another region
        CheckpointPair("aws-use1", "az-eus", False),  # another cloud: the sync job
        CheckpointPair("aws-usw2", "aws-use1", True),
        CheckpointPair("az-eus", "aws-use1", False),  # only AWS targets
        CheckpointPair("az-eus", "aws-usw2", False),
        CheckpointPair("ali-bj", "aws-usw2", False),
    )
    calls = _by_label(deployed_calls(llm_train, catalog_default))
    assert calls["dr_azure"].inputs["replication_pairs"] == {}
    assert calls["dr_alicloud_cn_beijing"].inputs["replication_pairs"] == {}


def test_llm_train_dns_records_in_failover_order(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    calls = _by_label(deployed_calls(llm_train, catalog_default))
    assert calls["dr_aws_us_east_1"].inputs["dns_records"] == {
        "aws-use1": {"name": "llm-train-aws-use1", "targets": ["aws-use1", "aws-usw2", "az-eus"]}
    }
    azure = calls["dr_azure"].inputs["dns_records"]
    assert isinstance(azure, dict)
    assert azure["az-eus"]["targets"] == ["az-eus", "aws-use1", "aws-usw2"]
    assert azure["az-eus"]["traffic_manager_name"].startswith("llm-train-az-eus-")
    assert calls["dr_alicloud_cn_beijing"].inputs["dns_records"] == {
        "ali-bj": {"name": "llm-train-ali-bj", "targets": ["ali-bj", "aws-usw2"]}
    }


def test_llm_train_standby_alarms_name_the_node_groups(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    calls = _by_label(deployed_calls(llm_train, catalog_default))
    assert calls["dr_aws_us_east_1"].inputs["standby_node_groups"] == [
        {"cluster_name": "llm-train-aws-use1", "node_group_name": "llm-train-aws-use1-standby-h100"}
    ]
    assert calls["dr_aws_us_west_2"].inputs["standby_node_groups"] == [
        {"cluster_name": "llm-train-aws-usw2", "node_group_name": "llm-train-aws-usw2-standby-h100"}
    ]


def test_llm_train_user_values_are_root_variables(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    calls = _by_label(deployed_calls(llm_train, catalog_default))
    east = calls["dr_aws_us_east_1"].variables
    assert east["dns_zone_id"].name == "dr_aws_dns_zone_id" and east["dns_zone_id"].required
    assert east["alarm_topic_arns"].name == "dr_aws_alarm_topic_arns_us_east_1"
    assert calls["dr_aws_us_west_2"].variables["alarm_topic_arns"].name.endswith("us_west_2")
    # One stack-wide endpoints variable, declared identically by every call that uses it.
    endpoints = [c.variables["endpoints"] for c in calls.values()]
    assert all(e == endpoints[0] for e in endpoints)
    variable = endpoints[0]
    assert variable.name == ENDPOINTS_VARIABLE
    assert variable.default == {
        name: f"llm-train-{name}.ingress.example.com"
        for name in ("ali-bj", "aws-use1", "aws-usw2", "az-eus")
    }


def test_calls_are_deterministic(llm_train: ResolvedStack, catalog_default: Catalog) -> None:
    assert deployed_calls(llm_train, catalog_default) == deployed_calls(llm_train, catalog_default)


def test_inputs_are_plain_values(llm_train: ResolvedStack, catalog_default: Catalog) -> None:
    for call in deployed_calls(llm_train, catalog_default):
        json.dumps(call.inputs)  # no Raw, no objects: plain literals only


def test_every_input_is_a_module_variable(
    llm_train: ResolvedStack, catalog_default: Catalog
) -> None:
    for call in deployed_calls(llm_train, catalog_default):
        with (MODULES / call.module / "variables.tf").open() as handle:
            declared = {next(iter(v)) for v in hcl2.load(handle)["variable"]}
        assert set(call.inputs) | set(call.variables) <= {name.strip('"') for name in declared}, (
            call.label
        )


# -- hand-made stacks ---------------------------------------------------------------------------


def test_no_dr_section_no_calls(tmp_path: Path, catalog_default: Catalog) -> None:
    stack = _resolve(
        _stack_file(
            tmp_path,
            f"""
            stack = Stack(name="no-dr", owner="team", environment="dev",
                          clusters=[{_aws("east", "us-east-1", "10.1.0.0/16")}])
            """,
        )
    )
    assert deployed_calls(stack, catalog_default) == []
    assert checkpoint_pairs(stack) == ()


@pytest.mark.parametrize("rpo", [5, 15, 16, 60])
def test_rpo_reaches_the_module(tmp_path: Path, catalog_default: Catalog, rpo: int) -> None:
    (call,) = deployed_calls(_two_region_aws(tmp_path, rpo), catalog_default)
    assert call.inputs["rpo_minutes"] == rpo
    assert call.label == "dr_aws_us_east_1"


def test_rtc_is_enabled_by_the_module_only_when_rpo_is_15_or_less() -> None:
    # The module derives RTC from the RPO; the plan test below exercises it with Terraform.
    # The module is split into files by part (main.tf, replication.tf, ...): read every *.tf.
    parts = [hcl2.loads(p.read_text()) for p in sorted((MODULES / "dr-aws").glob("*.tf"))]
    main = {k: [b for part in parts for b in part.get(k, [])] for k in ("locals", "resource")}
    locals_ = {k: v for block in main["locals"] for k, v in block.items()}
    assert "var.rpo_minutes <= 15" in str(locals_["rtc_enabled"])
    # python-hcl2 quotes labels since v8; accept both spellings.
    resources = {k.strip('"'): v for r in main["resource"] for k, v in r.items()}
    config = {
        k.strip('"'): v for k, v in resources["aws_s3_bucket_replication_configuration"].items()
    }
    destination = config["this"]["rule"][0]["destination"][0]
    dynamic = {k.strip('"'): v for d in destination["dynamic"] for k, v in d.items()}
    assert "local.rtc_enabled" in str(dynamic["replication_time"]["for_each"])


def test_cross_cloud_only_targets_get_dns_but_no_replication(
    tmp_path: Path, catalog_default: Catalog
) -> None:
    stack = _resolve(
        _stack_file(
            tmp_path,
            f"""
            stack = Stack(
                name="xcloud", owner="team", environment="dev",
                clusters=[
                    {_aws("east", "us-east-1", "10.1.0.0/16")},
                    {_azure("eus", "eastus", "10.2.0.0/16")},
                    {_azure("weu", "westeurope", "10.3.0.0/16")},
                ],
                dr=DisasterRecovery(rpo_minutes=30, rto_minutes=60,
                                    failover={{"east": ["eus", "weu"], "eus": ["east", "weu"]}}),
            )
            """,
        )
    )
    assert checkpoint_pairs(stack) == (
        CheckpointPair("east", "eus", False),
        CheckpointPair("east", "weu", False),
        CheckpointPair("eus", "east", False),
        CheckpointPair("eus", "weu", True),  # first same-cloud target in another region
    )
    calls = _by_label(deployed_calls(stack, catalog_default))
    assert list(calls) == ["dr_aws_us_east_1", "dr_azure"]
    assert calls["dr_aws_us_east_1"].inputs["replication_pairs"] == {}
    assert calls["dr_aws_us_east_1"].inputs["dns_records"] == {
        "east": {"name": "xcloud-east", "targets": ["east", "eus", "weu"]}
    }
    account = {
        c.name: cluster_module_inputs(stack, c)["storage_account_name"]
        for c in stack.clusters
        if c.cloud == "azure"
    }
    assert calls["dr_azure"].inputs["replication_pairs"] == {
        "eus": {
            "source_resource_group": "xcloud-eus-rg",
            "source_storage_account": account["eus"],
            "destination_resource_group": "xcloud-weu-rg",
            "destination_storage_account": account["weu"],
        }
    }


def test_same_region_target_is_not_a_replication_destination(
    tmp_path: Path, catalog_default: Catalog
) -> None:
    stack = _resolve(
        _stack_file(
            tmp_path,
            f"""
            stack = Stack(
                name="sameregion", owner="team", environment="dev",
                clusters=[
                    {_aws("a", "us-east-1", "10.1.0.0/16")},
                    {_aws("b", "us-east-1", "10.2.0.0/16")},
                    {_aws("c", "us-west-2", "10.3.0.0/16")},
                ],
                dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={{"a": ["b", "c"]}}),
            )
            """,
        )
    )
    # b shares a's region: a sync job carries a's checkpoints there, not replication
    assert checkpoint_pairs(stack) == (
        CheckpointPair("a", "b", False),
        CheckpointPair("a", "c", True),
    )
    (call,) = deployed_calls(stack, catalog_default)
    pairs = call.inputs["replication_pairs"]
    assert isinstance(pairs, dict) and pairs["a"]["destination_region"] == "us-west-2"
    # DNS keeps the stack's order: the same-region cluster is still the first fallback.
    assert call.inputs["dns_records"] == {"a": {"name": "sameregion-a", "targets": ["a", "b", "c"]}}


def test_every_cloud_has_a_dr_module() -> None:
    from infra.clouds.dr_inputs import DrInputs

    for cloud in CLOUDS.values():
        assert isinstance(cloud.dr_inputs, DrInputs)
        assert (MODULES / cloud.dr_module / "versions.tf").is_file()


# -- real Terraform: plan the rendered AWS calls against a moto server --------------------------


def _terraform() -> str | None:
    return os.environ.get("INFRA_TERRAFORM") or shutil.which("terraform")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    server = shutil.which("moto_server")
    if server is None:
        pytest.skip("moto_server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.skip("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _render_aws_root(calls: Sequence[DrModuleCall], root: Path) -> None:
    """What the _global renderer does for these calls: providers per region, variables, modules."""
    shutil.copytree(MODULES / "dr-aws", root / "modules" / "dr-aws")
    provider = CLOUDS["aws"].terraform_provider
    home = calls[0].region
    blocks: list[Block] = [
        Block(
            "terraform",
            (),
            (
                Block(
                    "required_providers",
                    (),
                    ((provider.name, {"source": provider.source, "version": provider.version}),),
                ),
            ),
        )
    ]
    for call in calls:
        alias = () if call.region == home else (("alias", call.region.replace("-", "_")),)
        blocks.append(Block("provider", ("aws",), (*alias, ("region", call.region))))
    variables = {v.name: v for call in calls for v in call.variables.values()}
    for variable in sorted(variables.values(), key=lambda v: v.name):
        body: list[tuple[str, object]] = [("type", Raw(variable.type))]
        if not variable.required:
            body.append(("default", variable.default))
        blocks.append(Block("variable", (variable.name,), tuple(body)))  # type: ignore[arg-type]
    for call in calls:
        body = [("source", "./modules/dr-aws")]
        if call.region != home:
            body.append(("providers", {"aws": Raw(f"aws.{call.region.replace('-', '_')}")}))
        body += sorted(call.inputs.items())
        body += sorted((k, Raw(f"var.{v.name}")) for k, v in call.variables.items())
        blocks.append(Block("module", (call.label,), tuple(body)))  # type: ignore[arg-type]
    (root / "main.tf").write_text(document(blocks))


def _planned_rtc(stack: ResolvedStack, root: Path, endpoint: str, catalog: Catalog) -> list[bool]:
    terraform = _terraform()
    if terraform is None:
        pytest.skip("terraform is not installed")
    if not PLUGIN_DIR.is_dir():
        pytest.skip(f"no provider mirror at {PLUGIN_DIR}")
    calls = [c for c in deployed_calls(stack, catalog) if c.cloud == "aws"]
    root.mkdir()
    _render_aws_root(calls, root)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": endpoint,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_VAR_dr_aws_dns_zone_id": "Z0123456789ABC",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [terraform, *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("init", "-backend=false", f"-plugin-dir={PLUGIN_DIR}", "-input=false")
    run("plan", "-input=false", "-out=plan.bin")
    plan = json.loads(run("show", "-json", "plan.bin"))
    configs = [
        rc["change"]["after"]
        for rc in plan["resource_changes"]
        if rc["type"] == "aws_s3_bucket_replication_configuration"
    ]
    assert configs, "no replication configuration planned"
    return [bool(c["rule"][0]["destination"][0]["replication_time"]) for c in configs]


@pytest.mark.parametrize(("rpo", "rtc"), [(15, True), (60, False)])
def test_terraform_plans_rtc_only_when_rpo_is_15_or_less(
    tmp_path: Path, catalog_default: Catalog, moto_endpoint: str, rpo: int, rtc: bool
) -> None:
    stack = _two_region_aws(tmp_path, rpo)
    assert _planned_rtc(stack, tmp_path / "root", moto_endpoint, catalog_default) == [rtc]
