"""The Terraform runner on real Terraform: provider-free roots (``terraform_data``) whose state
lives in S3 on a moto server on 127.0.0.1, reached through ``--endpoint aws=URL`` exactly as
users point infra at a local API. Native S3 locking (``use_lockfile``) is on.

Skips, with the reason, when Terraform or moto is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.run import ENDPOINT_OVERRIDE, Run, run_roots
from infra.terraform.binary import terraform_command

pytestmark = pytest.mark.slow

BUCKET = "tfstate"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """A moto server on 127.0.0.1 with the state bucket; stopped after the module."""
    if terraform_command() is None:
        pytest.skip("no Terraform: set $INFRA_TERRAFORM or put terraform on PATH")
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    boto3 = pytest.importorskip("boto3")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3(boto3, url).create_bucket(Bucket=BUCKET)
    try:
        yield url
    finally:
        server.stop()


def s3(boto3: Any, url: str) -> Any:
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


def root_text(stack: str, name: str, body: str) -> str:
    return (
        "terraform {\n"
        '  backend "s3" {\n'
        f'    bucket       = "{BUCKET}"\n'
        f'    key          = "{stack}/{name}.tfstate"\n'
        '    region       = "us-east-1"\n'
        "    use_lockfile = true\n"
        "  }\n"
        "}\n\n" + body
    )


def data(value: str) -> str:
    return f'resource "terraform_data" "x" {{\n  input = "{value}"\n}}\n'


def estate(out: Path, stack: str, roots: dict[str, str], depends: dict[str, list[str]]) -> None:
    """A render directory as infra writes it: the roots and a manifest listing them."""
    files: dict[str, str] = {}
    for name, body in roots.items():
        path = out / "terraform" / stack / name / "main.tf"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = root_text(stack, name, body)
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
