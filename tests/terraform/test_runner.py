"""The Terraform runner on real Terraform: provider-free roots (``terraform_data``) whose state
lives in S3 on a moto server on 127.0.0.1 (over TLS: tests/terraform/conftest.py), reached
through ``--endpoint aws=URL`` exactly as users point infra at a local API. Native S3 locking
(``use_lockfile``) is on.

Skips, with the reason, when Terraform or moto is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from infra.run import ENDPOINT_OVERRIDE, Run, run_roots
from infra.terraform.binary import terraform_command
from tests.terraform.conftest import CREDENTIALS, MotoServer

pytestmark = pytest.mark.slow

BUCKET = "tfstate"


@pytest.fixture(scope="module")
def moto(moto_server: MotoServer) -> str:
    """The shared moto server (tests/terraform/conftest.py) with the state bucket."""
    if terraform_command() is None:
        pytest.skip("no Terraform: set $INFRA_TERRAFORM or put terraform on PATH")
    moto_server.client("s3").create_bucket(Bucket=BUCKET)
    return moto_server.url


def s3(boto3: Any, url: str) -> Any:
    # $AWS_CA_BUNDLE (set by moto_server) makes boto3 trust the server's certificate.
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", **_keys())


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def objects(url: str) -> list[str]:
    import boto3

    listed = s3(boto3, url).list_objects_v2(Bucket=BUCKET)
    return sorted(o["Key"] for o in listed.get("Contents", []))


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)


def root_text(stack: str, name: str, body: str, bucket: str = BUCKET) -> str:
    return (
        "terraform {\n"
        '  backend "s3" {\n'
        f'    bucket       = "{bucket}"\n'
        f'    key          = "{stack}/{name}.tfstate"\n'
        '    region       = "us-east-1"\n'
        "    encrypt      = true\n"
        "    use_lockfile = true\n"
        "  }\n"
        "}\n\n" + body
    )


def data(value: str) -> str:
    return f'resource "terraform_data" "x" {{\n  input = "{value}"\n}}\n'


def estate(
    out: Path,
    stack: str,
    roots: dict[str, str],
    depends: dict[str, list[str]],
    bucket: str = BUCKET,
) -> None:
    """A render directory as infra writes it: the roots and a manifest listing them."""
    files: dict[str, str] = {}
    for name, body in roots.items():
        path = out / "terraform" / stack / name / "main.tf"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = root_text(stack, name, body, bucket)
        path.write_text(text)
        files[path.relative_to(out).as_posix()] = hashlib.sha256(text.encode()).hexdigest()
    entries = [
        {
            "path": f"terraform/{stack}/{name}",
            "stack": stack,
            "cluster": None if name.startswith("_") else name,
            "cloud": "aws",
            "region": "us-east-1",
            "depends_on": [f"terraform/{stack}/{d}" for d in depends.get(name, [])],
        }
        for name in roots
    ]
    manifest = {
        "schema_version": 1,
        "generator": "infra 0.1.0",
        "targets": ["terraform"],
        "stacks": [stack],
        "files": files,
        "kept": [],
        "roots": entries,
        "apply_order": [e["path"] for e in entries],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


def run(out: Path, operation: str, url: str, **options: Any) -> dict[str, Any]:
    results = run_roots(Run(out, operation, endpoints={"aws": url}, timeout=120, **options))
    return {r.path.rsplit("/", 1)[1]: r for r in results}


def test_plan_apply_second_plan_and_destroy_in_order(tmp_path: Path, moto: str) -> None:
    roots = {"_global": data("backends"), "a": data("a1"), "b": data("b1"), "_dr": data("dr")}
    estate(tmp_path, "order", roots, {"a": ["_global"], "b": ["_global"], "_dr": ["a", "b"]})
    planned = run(tmp_path, "plan", moto, jobs=4)
    assert all(r.ok for r in planned.values()), planned
    assert list(planned) == ["_global", "a", "b", "_dr"]  # levels: backends, clusters, DR
    assert {r.changes.add for r in planned.values()} == {1}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    # The override is a generated file of the render: the next render removes it.
    assert f"terraform/order/a/{ENDPOINT_OVERRIDE}" in manifest["files"]

    applied = run(tmp_path, "apply", moto, jobs=4)
    assert all(r.ok for r in applied.values()), applied
    assert [k for k in objects(moto) if k.startswith("order/")] == [
        "order/_dr.tfstate",
        "order/_global.tfstate",
        "order/a.tfstate",
        "order/b.tfstate",
    ]
    again = run(tmp_path, "plan", moto, jobs=4)
    assert all(r.ok and r.changes.empty for r in again.values()), again
    drift = run(tmp_path, "drift", moto)
    assert all(r.ok and r.changes.empty for r in drift.values())

    destroyed = run(tmp_path, "destroy", moto, jobs=4)
    assert list(destroyed) == ["_dr", "a", "b", "_global"]  # reverse order
    assert all(r.ok and r.changes.destroy == 1 for r in destroyed.values()), destroyed
    after = run(tmp_path, "plan", moto)
    assert all(r.changes.add == 1 for r in after.values())  # nothing is left


def test_a_failing_root_is_reported_while_the_others_finish(tmp_path: Path, moto: str) -> None:
    broken = 'resource "terraform_data" "x" {\n  input = file("${path.module}/missing.txt")\n}\n'
    roots = {"_global": data("g"), "a": data("a"), "bad": broken, "c": data("c"), "_dr": data("d")}
    estate(tmp_path, "fails", roots, {n: ["_global"] for n in ("a", "bad", "c")} | {"_dr": ["bad"]})
    results = run(tmp_path, "plan", moto, jobs=3)
    assert results["a"].ok and results["c"].ok and results["_global"].ok
    bad = results["bad"]
    assert bad.status == "failed"
    assert "main.tf:" in bad.message and "missing.txt" in bad.message, bad.message
    assert "\n" not in bad.message
    assert results["_dr"].status == "skipped" and "terraform/fails/bad" in results["_dr"].message


def test_a_locked_root_is_refused_with_a_clear_line(tmp_path: Path, moto: str) -> None:
    import boto3

    estate(tmp_path, "locked", {"a": data("a"), "b": data("b")}, {})
    assert all(r.ok for r in run(tmp_path, "plan", moto).values())
    # Someone else holds the lock (S3 native locking: an object beside the state).
    s3(boto3, moto).put_object(Bucket=BUCKET, Key="locked/a.tfstate.tflock", Body=b'{"ID":"x"}')
    try:
        results = run(tmp_path, "apply", moto)
    finally:
        s3(boto3, moto).delete_object(Bucket=BUCKET, Key="locked/a.tfstate.tflock")
    assert results["b"].ok
    assert results["a"].status == "failed"
    assert "state lock" in results["a"].message.lower(), results["a"].message


def test_changed_takes_only_edited_roots_and_their_dependants(tmp_path: Path, moto: str) -> None:
    roots = {"_global": data("g"), "a": data("a"), "b": data("b"), "_dr": data("d")}
    estate(tmp_path, "changed", roots, {"a": ["_global"], "b": ["_global"], "_dr": ["a", "b"]})
    assert all(r.ok for r in run(tmp_path, "plan", moto).values())
    assert run(tmp_path, "plan", moto, changed=True) == {}
    (tmp_path / "terraform/changed/b/main.tf").write_text(root_text("changed", "b", data("b2")))
    assert sorted(run(tmp_path, "plan", moto, changed=True)) == ["_dr", "b"]
    # A file users add to a root (tfvars) counts as a change of that root.
    (tmp_path / "terraform/changed/a/terraform.tfvars").write_text("# nothing\n")
    assert sorted(run(tmp_path, "plan", moto, changed=True)) == ["_dr", "a"]


def test_a_stale_plan_is_refused(tmp_path: Path, moto: str) -> None:
    estate(tmp_path, "stale", {"a": data("a"), "b": data("b")}, {})
    assert all(r.ok for r in run(tmp_path, "plan", moto).values())
    (tmp_path / "terraform/stale/a/main.tf").write_text(root_text("stale", "a", data("a2")))
    results = run(tmp_path, "apply", moto)
    assert results["a"].status == "failed" and "stale" in results["a"].message
    assert results["b"].ok
    assert "stale/a.tfstate" not in objects(moto)  # nothing of the stale plan was applied
    again = run(tmp_path, "apply", moto)
    assert again["a"].status == "failed" and "no saved plan" not in again["a"].message
    assert "no saved plan" in again["b"].message  # applied plans are used up


def test_ctrl_c_during_apply_releases_the_lock(tmp_path: Path, moto: str) -> None:
    slow = (
        'resource "terraform_data" "x" {\n'
        '  provisioner "local-exec" {\n'
        '    command = "sleep 60"\n'
        "  }\n"
        "}\n"
    )
    estate(tmp_path, "interrupt", {"a": slow}, {})
    assert all(r.ok for r in run(tmp_path, "plan", moto).values())
    command = [
        sys.executable,
        "-m",
        "infra",
        "apply",
        "-o",
        str(tmp_path),
        "--endpoint",
        f"aws={moto}",
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **CREDENTIALS},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = "interrupt/a.tfstate.tflock"
    deadline = time.monotonic() + 60
    while lock not in objects(moto):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the apply never took the lock"
        time.sleep(0.2)
    time.sleep(1.0)  # the provisioner is running
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=90)
    assert process.returncode == 1, (out, err)
    assert "interrupted" in err and "released its lock" in err, err
    assert lock not in objects(moto)


# A stand-in for modules/state-backend-aws without the AWS provider: it creates the state bucket
# (boto3, from a local-exec provisioner) and reports a backend_config with a KMS key made by the
# test, which is what the runner reads.
STATE_MODULE = """\
variable "bucket" {
  type = string
}

variable "kms_key_id" {
  type = string
}

resource "terraform_data" "bucket" {
  input = var.bucket
  provisioner "local-exec" {
    command = "%(python)s -c \\"import boto3; boto3.client('s3', endpoint_url='%(url)s', region_name='us-east-1').create_bucket(Bucket='${var.bucket}')\\""
  }
}

output "backend_config" {
  value = {
    bucket       = terraform_data.bucket.output
    region       = "us-east-1"
    encrypt      = true
    kms_key_id   = var.kms_key_id
    use_lockfile = true
  }
}
"""


def backend_estate(out: Path, stack: str, moto: str, moto_server: MotoServer) -> str:
    """A stack whose _global root creates its state bucket, "<stack>-tfstate", and a root "a"
    that keeps its state there; the KMS key ARN the backend reports."""
    key = str(moto_server.client("kms").create_key()["KeyMetadata"]["Arn"])
    module = out / "modules" / "state-backend-aws" / "main.tf"
    module.parent.mkdir(parents=True)
    module.write_text(STATE_MODULE % {"python": sys.executable, "url": moto})
    backend = (
        'module "state_backend_aws" {\n'
        '  source     = "../../../modules/state-backend-aws"\n'
        f'  bucket     = "{stack}-tfstate"\n'
        f'  kms_key_id = "{key}"\n'
        "}\n\n"
        'output "state_backend_aws" {\n  value = module.state_backend_aws\n}\n'
    )
    roots = {"_global": backend, "a": data("a")}
    estate(out, stack, roots, {"a": ["_global"]}, bucket=f"{stack}-tfstate")
    return key


def test_bootstrap_creates_the_backend_once_and_every_root_uses_its_key(
    tmp_path: Path, moto: str, moto_server: MotoServer
) -> None:
    key = backend_estate(tmp_path, "boot", moto, moto_server)

    early = run(tmp_path, "plan", moto)
    assert "run infra bootstrap -o" in early["_global"].message, early["_global"]
    assert early["a"].status == "skipped"

    booted = run(tmp_path, "bootstrap", moto)
    assert list(booted) == ["_global"] and booted["_global"].ok, booted
    assert booted["_global"].changes is not None and booted["_global"].changes.add == 1
    assert not (tmp_path / "terraform/boot/_global/terraform.tfstate").exists()
    again = run(tmp_path, "bootstrap", moto)
    assert again["_global"].changes is None and "nothing to do" in again["_global"].message

    assert all(r.ok for r in run(tmp_path, "plan", moto).values())
    assert all(r.ok for r in run(tmp_path, "apply", moto).values())
    client = moto_server.client("s3")
    for name in ("_global", "a"):
        head = client.head_object(Bucket="boot-tfstate", Key=f"boot/{name}.tfstate")
        assert (head["ServerSideEncryption"], head.get("SSEKMSKeyId")) == ("aws:kms", key), name

    destroyed = run(tmp_path, "destroy", moto)
    assert destroyed["a"].ok and destroyed["a"].changes.destroy == 1
    kept = destroyed["_global"]
    assert kept.ok and kept.changes.destroy == 0
    assert kept.message.startswith("kept the state backend boot-tfstate: it holds the state")


def test_an_interrupted_bootstrap_is_picked_up_again(
    tmp_path: Path, moto: str, moto_server: MotoServer
) -> None:
    from infra.run import LOCAL_BACKEND_OVERRIDE, _write_overrides, load_roots
    from infra.terraform.runner import Terraform

    backend_estate(tmp_path, "halfway", moto, moto_server)
    # A bootstrap stopped after its apply with local state, before the state moved.
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    _write_overrides(tmp_path, manifest, load_roots(tmp_path), {"aws": moto})
    directory = tmp_path / "terraform/halfway/_global"
    (directory / LOCAL_BACKEND_OVERRIDE).write_text('terraform {\n  backend "local" {}\n}\n')
    local = Terraform(directory)
    local.init()
    local.plan()
    local.apply()
    assert (directory / "terraform.tfstate").exists()

    refused = run(tmp_path, "plan", moto)
    assert "interrupted infra bootstrap" in refused["_global"].message, refused["_global"]
    assert not (directory / LOCAL_BACKEND_OVERRIDE).exists()  # leftovers are cleared

    resumed = run(tmp_path, "bootstrap", moto)["_global"]
    assert resumed.ok and resumed.changes is not None and resumed.changes.add == 0, resumed
    assert not (directory / "terraform.tfstate").exists()
    assert "halfway/_global.tfstate" in [
        o["Key"]
        for o in moto_server.client("s3").list_objects_v2(Bucket="halfway-tfstate")["Contents"]
    ]
    assert all(r.ok for r in run(tmp_path, "plan", moto).values())


def test_root_runs_just_that_root(tmp_path: Path, moto: str) -> None:
    from infra.errors import UsageError

    roots = {"_global": data("g"), "a": data("a"), "b": data("b")}
    estate(tmp_path, "only", roots, {"a": ["_global"], "b": ["_global"]})
    assert sorted(run(tmp_path, "plan", moto, only=("terraform/only/b",))) == ["b"]
    with pytest.raises(UsageError, match="not a root of"):
        run(tmp_path, "plan", moto, only=("terraform/only/nope",))
