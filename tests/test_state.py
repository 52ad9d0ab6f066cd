"""Where each Terraform root keeps its state (infra/state.py), the backends ``_global`` creates,
their names, the replication of the stack-wide state, and the runner's refusal to start afresh
in a backend a root's state is not in.

The stacks here are llm-train-like: several regions of one cloud and several clouds, with the
state region left to its default, named, and replicated.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from infra.catalog import default_catalog
from infra.clouds import CLOUDS
from infra.clouds.alicloud import naming as ali_naming
from infra.clouds.aws import naming as aws_naming
from infra.clouds.azure import naming as azure_naming
from infra.deploy import deploy_plan
from infra.model import Cluster, DisasterRecovery, Stack
from infra.output import MANIFEST
from infra.render import render_stacks
from infra.resolve import ResolvedStack
from infra.run import Run, run_roots
from infra.state import (
    DR_ROOT,
    GLOBAL_ROOT,
    state_backends,
    state_locations,
)
from infra.terraform.binary import terraform_command
from infra.terraform.emit import terraform_files
from infra.validate import validate_stacks
from infra.values import Block, Value

# moto_server: the local AWS API of tests/terraform (its conftest is not in scope here).
from tests.terraform.conftest import CREDENTIALS, MotoServer, moto_server  # noqa: F401
from tests.tfschema import Schemas, check_paths

CATALOG = default_catalog()
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
NAME, OWNER = "llm-train", "aml-infra"


def _stack(dr: DisasterRecovery | None, name: str = NAME) -> Stack:
    """Two AWS regions, two Azure regions and one Alibaba Cloud region, in that order."""
    return Stack(
        name=name,
        owner=OWNER,
        environment="prod",
        clusters=[
            Cluster(name="aws-use1", cloud="aws", region="us-east-1", cidr="10.10.0.0/16"),
            Cluster(name="aws-usw2", cloud="aws", region="us-west-2", cidr="10.11.0.0/16"),
            Cluster(name="az-eus", cloud="azure", region="eastus", cidr="10.20.0.0/16"),
            Cluster(name="az-wus2", cloud="azure", region="westus2", cidr="10.21.0.0/16"),
            Cluster(name="ali-bj", cloud="alicloud", region="cn-beijing", cidr="10.30.0.0/16"),
        ],
        dr=dr,
    )


def _dr(**fields: object) -> DisasterRecovery:
    return DisasterRecovery(
        rpo_minutes=15,
        rto_minutes=60,
        failover={"aws-use1": ["aws-usw2"], "az-eus": ["az-wus2"]},
        **fields,
    )


def _resolve(stack: Stack) -> ResolvedStack:
    resolved, problems = validate_stacks([("test_state.py", stack)], CATALOG)
    assert not problems, "\n".join(str(p) for p in problems)
    return resolved[0]


def _setting(block: Block, name: str) -> Value:
    return dict(item for item in block.body if isinstance(item, tuple))[name]


DEFAULT = _resolve(_stack(_dr()))
NAMED = _resolve(_stack(_dr(state_region="aws:us-east-2")))
REPLICATED = _resolve(_stack(_dr(state_region="aws:us-east-1", state_replica_region="us-west-2")))
AZURE_REPLICATED = _resolve(
    _stack(_dr(state_region="azure:westus2", state_replica_region="eastus"))
)
ALI_REPLICATED = _resolve(
    _stack(_dr(state_region="alicloud:cn-beijing", state_replica_region="cn-shanghai"))
)


# -- where each root keeps its state ----------------------------------------------------------


@pytest.mark.parametrize("stack", [DEFAULT, NAMED, REPLICATED], ids=["default", "named", "replica"])
def test_every_cluster_root_keeps_its_state_in_its_own_region(stack: ResolvedStack) -> None:
    locations = state_locations(stack)
    assert list(locations) == [GLOBAL_ROOT, DR_ROOT, *(c.name for c in stack.clusters)]
    for cluster in stack.clusters:
        location = locations[cluster.name]
        assert (location.cloud, location.region) == (cluster.cloud, cluster.region)
        assert location.key == f"{NAME}/{cluster.name}.tfstate"
        assert _setting(location.backend, "key") == location.key
        assert location.replica is None
    east, west = locations["aws-use1"], locations["aws-usw2"]
    assert _setting(east.backend, "region") == "us-east-1"
    assert _setting(west.backend, "region") == "us-west-2"
    assert _setting(east.backend, "bucket") != _setting(west.backend, "bucket")
    eus, wus2 = locations["az-eus"], locations["az-wus2"]
    assert _setting(eus.backend, "storage_account_name") != _setting(
        wus2.backend, "storage_account_name"
    )


def test_the_stack_wide_roots_default_to_the_first_clusters_region() -> None:
    locations = state_locations(DEFAULT)
    for root in (GLOBAL_ROOT, DR_ROOT):
        location = locations[root]
        assert (location.cloud, location.region) == ("aws", "us-east-1")
        # The home backend keeps the name it had when a stack had one backend per cloud.
        assert _setting(location.backend, "bucket") == aws_naming.state_bucket(NAME, OWNER)
        # By default replicated to the next region of that cloud with a cluster (us-west-2).
        assert location.replica is not None and location.replica.region == "us-west-2"
    assert state_backends(DEFAULT) == (
        ("aws", "us-east-1"),
        ("aws", "us-west-2"),
        ("azure", "eastus"),
        ("azure", "westus2"),
        ("alicloud", "cn-beijing"),
    )


def test_a_named_state_region_holds_the_stack_wide_roots_and_gets_a_backend() -> None:
    locations = state_locations(NAMED)
    for root in (GLOBAL_ROOT, DR_ROOT):
        assert (locations[root].cloud, locations[root].region) == ("aws", "us-east-2")
        assert _setting(locations[root].backend, "bucket") == aws_naming.state_bucket(
            NAME, OWNER, "us-east-2"
        )
    assert state_backends(NAMED)[-1] == ("aws", "us-east-2")  # after the clusters' regions
    # The clusters' backends do not move because the stack-wide roots did.
    assert _setting(locations["aws-use1"].backend, "bucket") == aws_naming.state_bucket(NAME, OWNER)


def test_a_replica_is_the_same_key_in_the_replica_regions_backend() -> None:
    locations = state_locations(REPLICATED)
    for root in (GLOBAL_ROOT, DR_ROOT):
        primary = locations[root]
        replica = primary.replica
        assert replica is not None
        assert (replica.cloud, replica.region, replica.key) == ("aws", "us-west-2", primary.key)
        # The replica region's backend is the one its cluster root uses.
        assert _setting(replica.backend, "bucket") == _setting(
            locations["aws-usw2"].backend, "bucket"
        )
        assert "llm-train-tfstate-us-west-2-" in replica.read_command
    assert state_backends(REPLICATED) == state_backends(DEFAULT)  # no region added


def test_an_azure_replica_has_a_container_of_its_own() -> None:
    locations = state_locations(AZURE_REPLICATED)
    primary = locations[DR_ROOT]
    replica = primary.replica
    assert replica is not None and replica.region == "eastus"
    assert _setting(primary.backend, "container_name") == azure_naming.STATE_CONTAINER
    # Object replication keeps its destination read-only: not the container eastus roots write.
    assert _setting(replica.backend, "container_name") == azure_naming.STATE_REPLICA_CONTAINER
    assert _setting(locations["az-eus"].backend, "container_name") == "tfstate"
    assert "--container-name tfstate-replica" in replica.read_command
    assert "--auth-mode login" in replica.read_command


def test_no_dr_root_without_failover_entries() -> None:
    stack = _resolve(_stack(None))
    assert list(state_locations(stack)) == [GLOBAL_ROOT, *(c.name for c in stack.clusters)]


def test_a_single_region_stack_keeps_its_state_names() -> None:
    """Existing single-region stacks: nothing moves (the names of before, one backend)."""
    stack = _resolve(
        Stack(
            name="research-sandbox",
            owner="ml-research",
            environment="dev",
            clusters=[Cluster(name="use1", cloud="aws", region="us-east-1", cidr="10.0.0.0/16")],
        )
    )
    locations = state_locations(stack)
    bucket = aws_naming.state_bucket("research-sandbox", "ml-research")
    assert re.fullmatch(r"research-sandbox-tfstate-[0-9a-f]{8}", bucket)
    assert {_setting(loc.backend, "bucket") for loc in locations.values()} == {bucket}
    assert state_backends(stack) == (("aws", "us-east-1"),)


# -- names ------------------------------------------------------------------------------------

LONG = "x" * 15 + "-" + "9" * 8  # 24 characters, the longest stack name


@pytest.mark.parametrize("name", [NAME, LONG, "ab"])
@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_backend_names_are_unique_and_valid_in_every_region(cloud: str, name: str) -> None:
    impl = CLOUDS[cloud]
    regions = CATALOG.regions(cloud)
    names: dict[str, list[str]] = {}
    for index, region in enumerate(regions):
        inputs = impl.state_backend_inputs(name, OWNER, region, home=index == 0)
        assert re.fullmatch(impl.state_name_pattern, str(inputs["name"])), inputs
        for key, value in inputs.items():
            if isinstance(value, str) and key != "container_name":
                names.setdefault(key, []).append(value)
    for key, values in names.items():
        assert len(set(values)) == len(values), (key, values)
    for region in regions:  # the home name is region-independent
        assert impl.state_backend_inputs(name, OWNER, region) == impl.state_backend_inputs(
            name, OWNER, regions[0]
        )


def test_cloud_name_limits_hold_for_long_names() -> None:
    for region in CATALOG.regions("aws"):
        assert len(aws_naming.state_bucket(LONG, OWNER, region)) <= 63
    for region in CATALOG.regions("alicloud"):
        assert len(ali_naming.state_bucket(LONG, OWNER, region)) <= 63
        assert re.fullmatch(
            r"[a-zA-Z][a-zA-Z0-9-]{1,14}[a-zA-Z0-9]", ali_naming.lock_instance(LONG, OWNER, region)
        )
    for region in CATALOG.regions("azure"):
        assert len(azure_naming.state_name(LONG, region)) <= 40
        assert re.fullmatch(r"[a-z0-9]{3,24}", azure_naming.state_account(LONG, OWNER, region))


def test_the_validator_checks_every_backends_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule only the westus2 backend's name breaks is reported, naming that region."""
    azure = type(CLOUDS["azure"])
    monkeypatch.setattr(azure, "state_name_pattern", r"[a-z-]{1,12}")
    _, problems = validate_stacks([("s.py", _stack(_dr()))], CATALOG)
    lines = [str(p) for p in problems]
    assert len(lines) == 1, lines
    assert "Azure state backend name 'llm-train-westus2-" in lines[0]
    assert " in westus2, which its module refuses" in lines[0]


# -- the cloud's runbook commands -------------------------------------------------------------


def test_state_read_commands_name_the_real_object() -> None:
    key = f"{NAME}/{DR_ROOT}.tfstate"
    aws = CLOUDS["aws"].state_read_command(NAME, OWNER, "us-west-2", key, home=False)
    assert aws == (
        f"aws s3api head-object --region us-west-2 --bucket "
        f"{aws_naming.state_bucket(NAME, OWNER, 'us-west-2')} --key {key}"
    )
    azure = CLOUDS["azure"].state_read_command(NAME, OWNER, "eastus", key)
    assert azure.startswith(
        f"az storage blob show --auth-mode login --account-name "
        f"{azure_naming.state_account(NAME, OWNER)} --container-name tfstate --name {key}"
    )
    ali = CLOUDS["alicloud"].state_read_command(NAME, OWNER, "cn-shanghai", key, home=False)
    bucket = ali_naming.state_bucket(NAME, OWNER, "cn-shanghai")
    # backend "oss" keeps the default workspace's state at "<prefix>/<key>".
    assert ali == f"aliyun oss stat oss://{bucket}/infra/{key} --region cn-shanghai"


def test_only_azure_needs_a_step_to_make_its_replica_writable() -> None:
    assert CLOUDS["aws"].state_replica_switch_commands(NAME, OWNER, "us-west-2") == ()
    assert CLOUDS["alicloud"].state_replica_switch_commands(NAME, OWNER, "cn-shanghai") == ()
    commands = CLOUDS["azure"].state_replica_switch_commands(NAME, OWNER, "eastus", home=False)
    account = azure_naming.state_account(NAME, OWNER, "eastus")
    assert all(f"--account-name {account}" in c for c in commands)
    assert "or-policy delete" in commands[-1]


# -- the rendered roots -----------------------------------------------------------------------


def _files(stack: ResolvedStack) -> dict[str, str]:
    return terraform_files(deploy_plan(stack, CATALOG))[0]


def _module_blocks(text: str) -> dict[str, str]:
    """module label -> its body, from a rendered main.tf."""
    return dict(re.findall(r'^module "([^"]+)" \{\n(.*?)^\}\n', text, re.M | re.S))


def test_global_creates_every_backend_with_the_right_provider() -> None:
    files = _files(NAMED)
    base = f"terraform/{NAME}/{GLOBAL_ROOT}"
    modules = _module_blocks(files[f"{base}/main.tf"])
    assert list(modules) == [
        "state_backend_aws",  # the home labels: a new one would destroy the state bucket
        "state_backend_aws_us_west_2",
        "state_backend_azure",
        "state_backend_azure_westus2",
        "state_backend_alicloud",
        "state_backend_aws_us_east_2",
    ]
    assert "providers" not in modules["state_backend_aws"]
    assert "aws = aws.us_west_2" in modules["state_backend_aws_us_west_2"]
    assert "aws = aws.us_east_2" in modules["state_backend_aws_us_east_2"]
    # Azure's provider is not bound to a region: no alias.
    assert "providers" not in modules["state_backend_azure_westus2"]
    assert 'region               = "westus2"' in modules["state_backend_azure_westus2"]
    providers = files[f"{base}/providers.tf"]
    assert providers.count('provider "aws"') == 3
    assert 'alias  = "us_west_2"' in providers and 'alias  = "us_east_2"' in providers
    assert providers.count('provider "azurerm"') == 1
    outputs = files[f"{base}/outputs.tf"]
    assert all(f'output "{label}"' in outputs for label in modules)
    # The stack-wide state is replicated to us-west-2 by default, with the documented switch.
    assert f"{base}/backend_replica.tf.example" in files


def test_each_root_names_its_own_state_backend() -> None:
    files = _files(NAMED)
    locations = state_locations(NAMED)
    for root, location in locations.items():
        backend = files[f"terraform/{NAME}/{root}/backend.tf"]
        for name, value in location.backend.body:  # type: ignore[misc]
            if isinstance(value, str):
                assert f'"{value}"' in backend, (root, name, value)
    assert "us-east-2" in files[f"terraform/{NAME}/{DR_ROOT}/backend.tf"]
    assert "llm-train-tfstate-us-west-2-" in files[f"terraform/{NAME}/aws-usw2/backend.tf"]


def test_the_manifest_places_global_in_the_state_region(tmp_path: Path) -> None:
    roots = terraform_files(deploy_plan(NAMED, CATALOG))[1]
    first = roots[0]
    assert first.path.endswith(f"/{GLOBAL_ROOT}")
    assert (first.cloud, first.region) == ("aws", "us-east-2")


def test_replication_is_rendered_in_the_state_regions_backend() -> None:
    files = _files(REPLICATED)
    modules = _module_blocks(files[f"terraform/{NAME}/{GLOBAL_ROOT}/main.tf"])
    source = modules["state_backend_aws"]
    assert "destination_bucket_arn  = module.state_backend_aws_us_west_2.bucket_arn" in source
    assert "destination_kms_key_arn = module.state_backend_aws_us_west_2.kms_key_arn" in source
    assert f'prefixes                = ["{NAME}/_global.tfstate", "{NAME}/_dr.tfstate"]' in source
    assert all(
        "replication" not in body for label, body in modules.items() if label != "state_backend_aws"
    )


def test_azure_and_alibaba_replication_inputs() -> None:
    azure = _module_blocks(_files(AZURE_REPLICATED)[f"terraform/{NAME}/{GLOBAL_ROOT}/main.tf"])
    source = azure["state_backend_azure_westus2"]
    assert (
        "destination_storage_account_id = module.state_backend_azure.storage_account_id" in source
    )
    assert 'destination_container_name     = "tfstate-replica"' in source
    ali = _module_blocks(_files(ALI_REPLICATED)[f"terraform/{NAME}/{GLOBAL_ROOT}/main.tf"])
    source = ali["state_backend_alicloud"]
    assert "destination_bucket = module.state_backend_alicloud_cn_shanghai.bucket" in source
    assert (
        f'prefixes           = ["infra/{NAME}/_global.tfstate", "infra/{NAME}/_dr.tfstate"]'
        in source
    )
    assert "alicloud = alicloud.cn_shanghai" in ali["state_backend_alicloud_cn_shanghai"]


@pytest.mark.parametrize("root", [GLOBAL_ROOT, DR_ROOT])
def test_the_replica_switch_is_documented_in_the_root(root: str) -> None:
    files = _files(AZURE_REPLICATED)
    text = files[f"terraform/{NAME}/{root}/backend_replica.tf.example"]
    account = azure_naming.state_account(NAME, OWNER)  # eastus: Azure's home backend here
    assert f'storage_account_name = "{account}"' in text
    assert f"--account-name {account}" in text
    assert 'container_name       = "tfstate-replica"' in text
    for step in (
        "cp backend_replica.tf.example backend_override.tf",
        "terraform init -reconfigure",
        "terraform state pull > failover.tfstate",
        "terraform state push failover.tfstate",
        "or-policy delete",  # Azure: the replica is read-only until the policy goes
        f"--name {NAME}/{root}.tfstate",
    ):
        assert step in text, step
    aws_text = _files(REPLICATED)[f"terraform/{NAME}/{root}/backend_replica.tf.example"]
    assert "or-policy" not in aws_text and "aws s3api head-object --region us-west-2" in aws_text


def test_rendered_modules_match_the_provider_schemas(tmp_path: Path) -> None:
    files = {}
    for stack in (REPLICATED, AZURE_REPLICATED, ALI_REPLICATED):
        files.update(_files(stack))
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    problems = check_paths([tmp_path / "modules"], Schemas.load(SCHEMA_DIR))
    assert not problems, "\n".join(str(p) for p in problems)


AWS_REPLICATED = Stack(
    name="state-aws",
    owner="team",
    environment="prod",
    clusters=[
        Cluster(name="use1", cloud="aws", region="us-east-1", cidr="10.10.0.0/16"),
        Cluster(name="usw2", cloud="aws", region="us-west-2", cidr="10.11.0.0/16"),
    ],
    dr=DisasterRecovery(
        rpo_minutes=15,
        rto_minutes=60,
        failover={"use1": ["usw2"]},
        state_region="aws:us-east-2",
        state_replica_region="us-west-2",
    ),
)


@pytest.mark.slow
@pytest.mark.parametrize("root", [GLOBAL_ROOT, DR_ROOT])
def test_rendered_aws_roots_pass_terraform_validate(
    root: str, tmp_path: Path, terraform: tuple[str, ...]
) -> None:
    """The replication resources and the aliased providers, through real Terraform."""
    mirror = os.environ.get("INFRA_TF_PLUGIN_DIR", "")
    if not (mirror and (Path(mirror) / "registry.terraform.io/hashicorp/aws").is_dir()):
        pytest.skip("INFRA_TF_PLUGIN_DIR does not name a provider mirror holding hashicorp/aws")
    from tests.terraform.conftest import run_terraform

    files, _ = terraform_files(deploy_plan(_resolve(AWS_REPLICATED), CATALOG))
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    directory = tmp_path / "terraform" / "state-aws" / root
    run_terraform(
        terraform,
        directory,
        "init",
        "-backend=false",
        f"-plugin-dir={mirror}",
        "-input=false",
        "-no-color",
    )
    result = run_terraform(terraform, directory, "validate", "-no-color")
    assert "Success! The configuration is valid." in result.stdout


# -- the runner refuses to start afresh in another backend ------------------------------------


def _render(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    render_stacks([_resolve(AWS_REPLICATED)], out, ["terraform"], CATALOG)
    return out


def _initialized(directory: Path, backend: dict[str, object], kind: str = "s3") -> None:
    """What `terraform init` records of the backend it initialized."""
    (directory / ".terraform").mkdir(exist_ok=True)
    record = {"version": 3, "backend": {"type": kind, "config": backend, "hash": 1}}
    (directory / ".terraform" / "terraform.tfstate").write_text(json.dumps(record))


def _plan(out: Path, root: str) -> str:
    if terraform_command() is None:
        pytest.skip("no Terraform: the runner needs one to start")
    results = run_roots(Run(out, "plan", only=(root,)))
    assert [r.status for r in results] == ["failed"]
    return results[0].message


def test_a_root_whose_state_moved_is_not_initialized_afresh(tmp_path: Path) -> None:
    out = _render(tmp_path)
    root = "terraform/state-aws/usw2"
    old = aws_naming.state_bucket("state-aws", "team")  # where it was before: the home bucket
    _initialized(
        out / root, {"bucket": old, "key": "state-aws/usw2.tfstate", "region": "us-east-1"}
    )
    message = _plan(out, root)
    assert "\n" not in message
    assert message.startswith(f"{root}: its state backend changed since it was initialized (")
    assert f"s3 bucket={old} key=state-aws/usw2.tfstate region=us-east-1 -> s3 bucket=" in message
    assert "terraform init -migrate-state" in message
    # Nothing was re-initialized: the record of the old backend is still there.
    recorded = json.loads((out / root / ".terraform" / "terraform.tfstate").read_text())
    assert recorded["backend"]["config"]["bucket"] == old


def test_a_root_switched_to_its_replica_is_not_a_move(tmp_path: Path) -> None:
    from infra.run import _moved_backend

    out = _render(tmp_path)
    directory = out / "terraform/state-aws" / DR_ROOT
    replica_bucket = aws_naming.state_bucket("state-aws", "team", "us-west-2")
    primary_bucket = aws_naming.state_bucket("state-aws", "team", "us-east-2")
    key = "state-aws/_dr.tfstate"
    _initialized(directory, {"bucket": primary_bucket, "key": key, "region": "us-east-2"})
    assert _moved_backend(directory) is None  # as rendered: same backend
    # Switched by hand (backend_override.tf) but not re-initialized: refused, with what to do.
    (directory / "backend_override.tf").write_text(
        (directory / "backend_replica.tf.example").read_text()
    )
    moved = _moved_backend(directory)
    assert moved is not None and f"bucket={replica_bucket}" in moved.split(" -> ")[1]
    # Re-initialized against the replica as the example says: the runner goes along.
    _initialized(directory, {"bucket": replica_bucket, "key": key, "region": "us-west-2"})
    assert _moved_backend(directory) is None
    # Local state of an interrupted bootstrap is the bootstrap's to handle.
    _initialized(directory, {"path": None}, kind="local")
    assert _moved_backend(directory) is None
    assert (out / MANIFEST).is_file()


@pytest.mark.slow
def test_bootstrap_creates_the_replicated_backends(
    tmp_path: Path,
    moto_server: MotoServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real provider against moto: `infra bootstrap` creates the three backends of the AWS
    stack, the replication of the stack-wide keys from the state region to the replica
    region, and keeps _global's state in the state region's bucket."""
    mirror = os.environ.get("INFRA_TF_PLUGIN_DIR", "")
    if terraform_command() is None or not (
        mirror and (Path(mirror) / "registry.terraform.io/hashicorp/aws").is_dir()
    ):
        pytest.skip("needs Terraform and INFRA_TF_PLUGIN_DIR with hashicorp/aws")
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    out = _render(tmp_path)
    results = run_roots(Run(out, "bootstrap", endpoints={"aws": moto_server.url}))
    assert [r.status for r in results] == ["ok"], [r.message for r in results]
    state = aws_naming.state_bucket("state-aws", "team", "us-east-2")
    replica = aws_naming.state_bucket("state-aws", "team", "us-west-2")
    s3 = moto_server.client("s3", "us-east-2")
    assert s3.get_bucket_replication(Bucket=state)["ReplicationConfiguration"]["Role"]
    # moto answers GetBucketReplication with a fixed filter: read what the provider sent (moto
    # runs in this process) from its backend.
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    sent = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket_replication(state)
    assert sent is not None
    rules = sent["Rule"] if isinstance(sent["Rule"], list) else [sent["Rule"]]
    assert sorted(r["Filter"]["Prefix"] for r in rules) == [
        "state-aws/_dr.tfstate",
        "state-aws/_global.tfstate",
    ]
    for rule in rules:
        assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{replica}"
        replica_key = rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"]
        assert ":us-west-2:" in replica_key
        assert rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"]["Status"] == "Enabled"
        assert rule["DeleteMarkerReplication"]["Status"] == "Enabled"
    # The role may read and write the stack-wide keys only, and use the two keys only.
    iam = moto_server.client("iam")
    (role,) = [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(state[:25])]
    policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="state-replication")
    statements = {st["Sid"]: st for st in policy["PolicyDocument"]["Statement"]}
    assert sorted(statements["WriteReplicas"]["Resource"]) == [
        f"arn:aws:s3:::{replica}/state-aws/_dr.tfstate*",
        f"arn:aws:s3:::{replica}/state-aws/_global.tfstate*",
    ]
    assert ":us-west-2:" in statements["EncryptReplicas"]["Resource"]
    assert ":us-east-2:" in statements["DecryptSource"]["Resource"]
    s3.head_object(Bucket=state, Key="state-aws/_global.tfstate")
    # Every backend exists, each in its own region.
    for region, bucket in (
        ("us-east-1", aws_naming.state_bucket("state-aws", "team")),
        ("us-west-2", replica),
        ("us-east-2", state),
    ):
        location = moto_server.client("s3", region).get_bucket_location(Bucket=bucket)
        assert (location["LocationConstraint"] or "us-east-1") == region
