"""Layer b: the real AWS roots of the examples, applied with the real ``hashicorp/aws``
provider against moto (tests/terraform/conftest.py), through the infra CLI as users run it.

``stacks/minimal.py`` end to end, and with it the RDMA cluster of ``stacks/llm_train.py``
(``aws-use1``: EFA pools in cluster placement groups, a standby pool, a system pool), in the
same runs: before the bootstrap ``infra apply`` says to bootstrap; ``infra bootstrap`` creates
the state backend with local state and moves that state into it (a second bootstrap does
nothing); ``infra plan`` + ``infra apply`` create every resource of the cluster roots, their
state in the backend, encrypted with the backend's KMS key; a second ``infra plan`` changes
nothing but what moto leaves out (:data:`MOTO_OMITS`); ``infra destroy`` leaves nothing but
the access-log buckets it keeps (checked, then deleted here) and the state backend.

The other AWS cluster roots of the examples (llm-train's aws-usw2, chat-serving's use2 and
usw2) use nothing these two do not, and their stacks' ``_global`` and ``_dr`` roots hold Azure
and Alibaba Cloud resources, which moto cannot: llm-train's state bucket is made here instead.

Time: the provider waits at least 55 s for every S3 lifecycle configuration it creates (10 s,
then ten consistent reads 5 s apart: aws_s3_bucket_lifecycle_configuration's waiter, on real
AWS too), once in the bootstrap and once in the apply; the roots of a level run in parallel.
``--delete-logs`` is tested on a small module with the cluster module's log bucket, which
needs no lifecycle configuration.

Skips, with the reason, without Terraform, the provider mirror ($INFRA_TF_PLUGIN_DIR) or moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.terraform.binary import terraform_command
from infra.terraform.runner import PLAN_FILE, PLUGIN_DIR_ENV
from tests.conftest import ROOT
from tests.terraform.conftest import MotoServer, run_terraform

pytestmark = pytest.mark.slow

STACK = "research-sandbox"
GLOBAL = f"terraform/{STACK}/_global"
CLUSTER = f"terraform/{STACK}/use1"
RDMA_STACK = "llm-train"
RDMA = f"terraform/{RDMA_STACK}/aws-use1"
RDMA_STATE_BUCKET = "llm-train-tfstate-fcf094de"

# What moto 5.2.5 leaves out of (or adds to) what it answers, so that a second plan wants to
# change it although nothing changed: resource type -> top-level attribute -> why. Any other
# difference in a second plan is a real perpetual diff of the modules, and fails the test.
MOTO_OMITS: dict[str, dict[str, str]] = {
    "aws_eks_cluster": {
        # CreateCluster drops accessConfig and DescribeCluster has none: the plan wants to
        # set authentication_mode and bootstrap_cluster_creator_admin_permissions (ForceNew).
        "access_config": "moto's DescribeCluster has no accessConfig",
    },
    "aws_eks_node_group": {
        # moto fills remoteAccess with {ec2SshKey: "eksKeypair"} for a node group created
        # without one, even with a launch template (where EKS refuses remoteAccess): ForceNew.
        "remote_access": "moto invents a default remoteAccess",
        # CreateNodegroup ignores updateConfig, DescribeNodegroup answers without it.
        "update_config": "moto's DescribeNodegroup has no updateConfig",
    },
    "aws_launch_template": {
        # moto echoes the template's own tags as one more tag specification, of resource
        # type "launch-template".
        "tag_specifications": "moto adds a launch-template tag specification",
    },
    "aws_s3_bucket_logging": {
        # GetBucketLogging answers without TargetObjectKeyFormat.
        "target_object_key_format": "moto's GetBucketLogging has no TargetObjectKeyFormat",
    },
    "aws_vpc_security_group_ingress_rule": {
        # DescribeSecurityGroupRules answers without the rule's description.
        "description": "moto drops security group rule descriptions",
    },
    "aws_vpc_security_group_egress_rule": {
        "description": "moto drops security group rule descriptions",
    },
}


@pytest.fixture(scope="module")
def aws(request: pytest.FixtureRequest) -> MotoServer:
    """The moto server, once Terraform and the AWS provider mirror are known to be here."""
    if terraform_command() is None:
        pytest.skip("no Terraform: set $INFRA_TERRAFORM or put terraform on PATH")
    mirror = os.environ.get(PLUGIN_DIR_ENV, "")
    if not mirror or not (Path(mirror) / "registry.terraform.io/hashicorp/aws").is_dir():
        pytest.skip(
            f"no local mirror of the hashicorp/aws provider: set ${PLUGIN_DIR_ENV} "
            "(make test finds /opt/tf-plugins)"
        )
    server: MotoServer = request.getfixturevalue("moto_server")
    return server


def infra(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m infra ARGS``, as users run it (the environment carries moto's CA bundle)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "infra", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=600,
        check=False,
    )
    took = time.monotonic() - started
    print(f"$ infra {' '.join(args)}  # {took:.1f} s\n{done.stdout}{done.stderr}")  # on failure
    if check and done.returncode != 0:
        raise AssertionError(f"infra {args[0]} failed ({done.returncode}):\n{done.stderr}")
    return done


def roots(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in json.loads(done.stdout)["roots"]}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """minimal's roots and llm-train's aws-use1: the manifest lists only those (the runner
    runs what the manifest lists). aws-use1 follows minimal's _global instead of its own, so
    that it runs beside minimal's cluster root, as it would after its own stack's _global."""
    out = tmp_path_factory.mktemp("aws") / "out"
    stacks = [str(ROOT / "stacks" / f"{name}.py") for name in ("minimal", "llm_train")]
    infra("render", *stacks, "-o", str(out), "--target", "terraform")
    manifest = json.loads((out / "manifest.json").read_text())
    kept = {GLOBAL, CLUSTER, RDMA}
    manifest["roots"] = [r for r in manifest["roots"] if r["path"] in kept]
    for root in manifest["roots"]:
        if root["path"] == RDMA:
            root["depends_on"] = [GLOBAL]
    manifest["apply_order"] = [p for p in manifest["apply_order"] if p in kept]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    yield out


def test_bootstrap_apply_and_destroy_the_aws_roots(aws: MotoServer, rendered: Path) -> None:
    out, endpoint = str(rendered), f"aws={aws.url}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=RDMA_STATE_BUCKET)  # its _global root is not for moto

    # Before the bootstrap: apply says what to do.
    early = infra("apply", "-o", out, "--endpoint", endpoint, check=False)
    assert early.returncode == 1
    assert f"run infra bootstrap -o {out} first" in early.stderr, early.stderr

    # Bootstrap: the state backend, then _global's state in it; a second one does nothing.
    boot = roots(infra("bootstrap", "-o", out, "--endpoint", endpoint, "--json"))
    assert list(boot) == [GLOBAL] and boot[GLOBAL]["status"] == "ok"
    assert boot[GLOBAL]["add"] > 0
    assert not (rendered / GLOBAL / "terraform.tfstate").exists()  # moved, local copy removed
    assert not list((rendered / GLOBAL).glob("infra_local_backend_override.tf"))
    backend = json.loads(terraform(rendered / GLOBAL, "output", "-json", "state_backend_aws"))
    bucket, key_arn = backend["bucket"], backend["kms_key_arn"]
    again = roots(infra("bootstrap", "-o", out, "--endpoint", endpoint, "--json"))
    assert again[GLOBAL]["add"] is None and "nothing to do" in again[GLOBAL]["message"]

    # Plan and apply: _global has nothing to do, the cluster roots create everything.
    planned = roots(infra("plan", "-o", out, "--endpoint", endpoint, "--json"))
    assert planned[GLOBAL]["add"] == 0 and not perpetual_diff(rendered / GLOBAL)
    assert planned[CLUSTER]["add"] > 50 and planned[RDMA]["add"] > 60, planned
    applied = roots(infra("apply", "-o", out, "--endpoint", endpoint, "--json"))
    for path in (CLUSTER, RDMA):
        assert applied[path]["add"] == planned[path]["add"]
        managed = [a for a in state_addresses(rendered / path) if ".data." not in f".{a}"]
        assert len(managed) == planned[path]["add"], path  # every planned resource exists
    eks = aws.client("eks")
    assert eks.describe_cluster(name=f"{STACK}-use1")["cluster"]["status"] == "ACTIVE"
    assert eks.list_nodegroups(clusterName=f"{STACK}-use1")["nodegroups"] == [f"{STACK}-use1-l40s"]
    pools = eks.list_nodegroups(clusterName="llm-train-aws-use1")["nodegroups"]
    assert sorted(pools) == [f"llm-train-aws-use1-{p}" for p in ("h100", "standby-h100", "system")]
    ec2 = aws.client("ec2")
    groups = ec2.describe_placement_groups()["PlacementGroups"]
    # The EFA standby pool gets a cluster placement group; the reserved h100 pool none (EC2
    # launches it into its capacity reservation instead), in the reservation's zone only.
    assert sorted(g["Strategy"] for g in groups) == ["cluster"]
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    reserved = [t for t in templates if "h100" in t["LaunchTemplateName"]]
    data = [
        ec2.describe_launch_template_versions(LaunchTemplateId=t["LaunchTemplateId"])[
            "LaunchTemplateVersions"
        ][0]["LaunchTemplateData"]
        for t in reserved
    ]
    targets = [
        d.get("CapacityReservationSpecification", {}).get("CapacityReservationTarget", {})
        for d in data
    ]
    assert {"CapacityReservationId": "cr-0a1b2c3d4e5f60718"} in targets, targets
    group = eks.describe_nodegroup(
        clusterName="llm-train-aws-use1", nodegroupName="llm-train-aws-use1-h100"
    )
    subnets = ec2.describe_subnets(SubnetIds=group["nodegroup"]["subnets"])["Subnets"]
    assert [s["AvailabilityZone"] for s in subnets] == ["us-east-1a"]

    # The state of both roots is in the backend's bucket, encrypted with the backend's key.
    for name in ("_global", "use1"):
        head = s3.head_object(Bucket=bucket, Key=f"{STACK}/{name}.tfstate")
        assert head["ServerSideEncryption"] == "aws:kms", (name, head)
        assert head["SSEKMSKeyId"] == key_arn, (name, head)

    # A second plan: nothing to do, but for what moto omits.
    second = roots(infra("plan", "-o", out, "--endpoint", endpoint, "--json"))
    assert all(r["status"] == "ok" for r in second.values()), second
    for path in second:
        unexplained = perpetual_diff(rendered / path)
        assert not unexplained, f"{path}: a second plan changes {unexplained}"

    # A drill acts on what Terraform created: the AWS part of losing llm-train's Azure eastus
    # (its H100 work moves to the standby pool of aws-use1) through the drill's own adapter.
    _drill_on_terraforms_node_group(aws, s3)

    # Destroy: the cluster root but its access-log bucket, which is kept and named; the state
    # backend is kept whole.
    destroyed = infra("destroy", "-o", out, "--endpoint", endpoint, "--json")
    result = roots(destroyed)
    logs = {
        CLUSTER: f"{STACK}-use1-ckpt-9cab04b0-logs",
        RDMA: "llm-train-aws-use1-ckpt-8fa50729-logs",
    }
    for path, kept in logs.items():
        assert result[path]["status"] == "ok" and result[path]["destroy"] > 50, result[path]
        assert f"kept access-log bucket {kept} (holds logs)" in result[path]["message"]
        assert state_addresses(rendered / path) == []
    assert (result[GLOBAL]["status"], result[GLOBAL]["destroy"]) == ("ok", 0)
    assert f"kept the state backend {bucket}, {bucket}-logs" in result[GLOBAL]["message"]
    assert eks.list_clusters()["clusters"] == []
    assert ec2.describe_placement_groups()["PlacementGroups"] == []
    for stack in (STACK, RDMA_STACK):
        mine = [{"Name": "tag:infra-stack", "Values": [stack]}]
        assert ec2.describe_vpcs(Filters=mine)["Vpcs"] == []
        assert ec2.describe_subnets(Filters=mine)["Subnets"] == []
        assert ec2.describe_launch_templates(Filters=mine)["LaunchTemplates"] == []
        nat = ec2.describe_nat_gateways(Filter=mine)["NatGateways"]
        assert all(g["State"] == "deleted" for g in nat)
        assert ec2.describe_addresses(Filters=mine)["Addresses"] == []
        roles = aws.client("iam").list_roles()["Roles"]
        assert [r["RoleName"] for r in roles if r["RoleName"].startswith(stack)] == []
    groups = aws.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == []  # control-plane and flow logs
    kms = aws.client("kms")
    live = [
        k["KeyId"]
        for k in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    ]
    assert live == [key_arn.rsplit("/", 1)[1]]  # the clusters' keys are scheduled for deletion
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    assert buckets == sorted([bucket, f"{bucket}-logs", RDMA_STATE_BUCKET, *logs.values()])

    # The kept log buckets are whole (versioned, expiring logs), and deleted here.
    for kept in logs.values():
        assert s3.get_bucket_versioning(Bucket=kept)["Status"] == "Enabled"
        assert s3.get_bucket_lifecycle_configuration(Bucket=kept)["Rules"]
        delete_bucket(s3, kept)


def terraform(directory: Path, *args: str) -> str:
    command = terraform_command()
    assert command is not None
    return run_terraform(command, directory, *args).stdout


def state_addresses(directory: Path) -> list[str]:
    values = json.loads(terraform(directory, "show", "-json")).get("values", {})
    found: list[str] = []
    modules = [values.get("root_module", {})]
    while modules:
        module = modules.pop()
        found += [r["address"] for r in module.get("resources", ())]
        modules += module.get("child_modules", ())
    return sorted(found)


def delete_bucket(s3: Any, bucket: str) -> None:
    listed = s3.list_object_versions(Bucket=bucket)
    for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)


# -- the second plan ---------------------------------------------------------------------------


def perpetual_diff(directory: Path) -> list[str]:
    """What the saved plan in ``directory`` changes that :data:`MOTO_OMITS` does not explain:
    "<address>: <attribute>" for every known attribute value that differs. Values the plan only
    knows after apply follow from an explained change (a replaced cluster's ARN, say)."""
    plan = json.loads(terraform(directory, "show", "-json", PLAN_FILE))
    unexplained: list[str] = []
    for change in plan.get("resource_changes", ()):
        body = change["change"]
        if body["actions"] in (["no-op"], ["read"]):
            continue
        if "delete" in body["actions"] and "create" not in body["actions"]:
            unexplained.append(f"{change['address']}: deleted")
            continue
        allowed = MOTO_OMITS.get(change["type"], {})
        before, after = body.get("before") or {}, body.get("after") or {}
        unknown = body.get("after_unknown") or {}
        changed = [
            name
            for name in sorted(set(before) | set(after))
            if unknown.get(name) is not True
            and _known(after.get(name), unknown.get(name))
            != _known(before.get(name), unknown.get(name))
        ]
        unexplained += [f"{change['address']}: {name}" for name in changed if name not in allowed]
        if not changed and not _any_unknown(unknown):
            unexplained.append(f"{change['address']}: {body['actions']} without a known change")
        # An update whose only differences are values known after apply follows from another
        # change of the plan (moto's replaced node groups make the Auto Scaling group names the
        # node-health alarms read unknown); that change is checked on its own.
    for name, output in (plan.get("output_changes") or {}).items():
        if output["actions"] != ["no-op"] and not output.get("after_unknown"):
            unexplained.append(f"output {name}")
    return unexplained


def _any_unknown(unknown: Any) -> bool:
    """Whether a plan's ``after_unknown`` marks any value unknown."""
    if unknown is True:
        return True
    if isinstance(unknown, dict):
        return any(_any_unknown(v) for v in unknown.values())
    if isinstance(unknown, list):
        return any(_any_unknown(v) for v in unknown)
    return False


def _known(value: Any, unknown: Any) -> Any:
    """``value`` without the parts the plan marks unknown (those follow from other changes);
    an empty list or map is null (the new object of a replacement has null where the state has
    ``[]``: no difference to Terraform)."""
    if unknown is True:
        return "<unknown>"
    if value in ([], {}):
        return None
    if isinstance(value, dict):
        marks = unknown if isinstance(unknown, dict) else {}
        return {k: _known(v, marks.get(k)) for k, v in value.items() if marks.get(k) is not True}
    if isinstance(value, list):
        marks = unknown if isinstance(unknown, list) else []
        return [
            _known(v, marks[i] if i < len(marks) else None)
            for i, v in enumerate(value)
            if not (i < len(marks) and marks[i] is True)
        ]
    return value


# -- destroy --delete-logs -------------------------------------------------------------------------

# The access-log bucket of modules/aws-gpu-cluster as far as a destroy sees it: versioned, with
# force_destroy from the same input. (The whole module pays the provider's 55 s wait for S3
# lifecycle configurations; this takes seconds.)
LOG_MODULE = """\
variable "name" {
  type = string
}

variable "access_log_force_destroy" {
  type    = bool
  default = false
}

resource "aws_s3_bucket" "access_logs" {
  bucket        = "${var.name}-logs"
  force_destroy = var.access_log_force_destroy
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
"""

LOG_ROOT = """\
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
  backend "s3" {
    bucket       = "tfstate-logs"
    key          = "logs/a.tfstate"
    region       = "us-east-1"
    use_lockfile = true
  }
}

provider "aws" {
  region = "us-east-1"
}

module "cluster" {
  source = "../../../modules/logs"
  name   = "logs-a"
}
"""


def test_destroy_delete_logs_empties_and_deletes_the_log_bucket(
    aws: MotoServer, tmp_path: Path
) -> None:
    import hashlib

    from infra.run import DELETE_LOGS_OVERRIDE, Run, run_roots

    s3 = aws.client("s3")
    s3.create_bucket(Bucket="tfstate-logs")
    files = {"modules/logs/main.tf": LOG_MODULE, "terraform/logs/a/main.tf": LOG_ROOT}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    root = {
        "path": "terraform/logs/a",
        "stack": "logs",
        "cluster": "a",
        "cloud": "aws",
        "region": "us-east-1",
        "depends_on": [],
    }
    manifest = {
        "schema_version": 1,
        "generator": "infra 0.1.0",
        "targets": ["terraform"],
        "stacks": ["logs"],
        "files": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()},
        "kept": [],
        "roots": [root],
        "apply_order": [root["path"]],
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    def run(operation: str, **options: Any) -> Any:
        (result,) = run_roots(
            Run(tmp_path, operation, endpoints={"aws": aws.url}, timeout=300, **options)
        )
        assert result.ok, result
        return result

    run("plan")
    run("apply")
    for body in (b"first", b"second"):  # two versions of a log, then a delete marker
        s3.put_object(Bucket="logs-a-logs", Key="s3-access/log", Body=body)
    s3.delete_object(Bucket="logs-a-logs", Key="s3-access/log")

    destroyed = run("destroy", delete_logs=True)
    assert (
        destroyed.message == "deleted access-log bucket logs-a-logs with its logs (--delete-logs)"
    )
    assert "logs-a-logs" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert not (tmp_path / "terraform/logs/a" / DELETE_LOGS_OVERRIDE).exists()
    assert state_addresses(tmp_path / "terraform/logs/a") == []


def _drill_on_terraforms_node_group(aws: MotoServer, s3: Any) -> None:
    """The replica read and the scaling of ``infra drill ... --fail azure:eastus`` on the bucket
    and node group Terraform created, then back (as --failback does). moto serves no EC2
    quotas, so the pre-checks are tests/drill's (on tools/endpoints/aws.py)."""
    from infra.drill.run import prepare
    from infra.pipeline import resolve_paths

    stack = resolve_paths([str(ROOT / "stacks" / "llm_train.py")]).stacks[0]
    prepared = prepare(stack, "azure:eastus", {"aws": aws.url})
    try:
        steps = {s.id: s for s in prepared.steps}
        adapter = prepared.adapters["aws"]
        check, scale, wait = (
            steps[i] for i in ("check-replication-az-eus", "scale-aws-use1", "wait-aws-use1")
        )
        (read,) = check.ops
        bucket = read.call.params["Bucket"]
        put = s3.put_object(Bucket=bucket, Key="checkpoints/step-1000/model.pt", Body=b"weights")
        found = adapter.evaluate(read, adapter.invoke(adapter.resolve(read.call), "k"))
        assert found.ok and found.value, found

        (size,) = scale.sizes
        before = adapter.evaluate(size, adapter.invoke(size.call, "k")).value
        assert before == {"min": 0, "desired": 0, "max": 8}  # the rendered pilot-light pool
        (change,) = scale.pools
        for n, op in enumerate(scale.ops):
            adapter.invoke(adapter.resolve(op.call), f"drill-{n}")
        for op in wait.ops:
            assert adapter.done(op, adapter.invoke(op.call, "k"))
        group = aws.client("eks").describe_nodegroup(
            clusterName=change.pool.resource, nodegroupName=change.pool.node_pool
        )["nodegroup"]
        assert group["scalingConfig"] == {"minSize": 8, "maxSize": 8, "desiredSize": 8}
        for n, op in enumerate(
            adapter.scale(change.pool, before["min"], before["desired"], before["max"])
        ):
            adapter.invoke(adapter.resolve(op.call), f"back-{n}")
        after = adapter.evaluate(size, adapter.invoke(size.call, "k")).value
        assert after == before
        # The bucket is versioned: delete the version itself, so the destroy finds it empty.
        s3.delete_object(
            Bucket=bucket, Key="checkpoints/step-1000/model.pt", VersionId=put["VersionId"]
        )
    finally:
        prepared.close()
