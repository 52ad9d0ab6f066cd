"""The Terraform modules use only resource types, arguments and blocks their providers have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tfschema import Problem, Schemas, check_file, check_paths

REPO_ROOT = Path(__file__).resolve().parent.parent
MODULES = REPO_ROOT / "modules"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.load(SCHEMA_DIR)


def _check(tmp_path: Path, schemas: Schemas, text: str) -> list[Problem]:
    path = tmp_path / "main.tf"
    path.write_text(text)
    return check_file(path, schemas)


def test_modules_match_provider_schemas(schemas: Schemas) -> None:
    problems = check_paths([MODULES], schemas)
    assert not problems, "\n".join(str(p) for p in problems)


def test_every_module_is_checked(schemas: Schemas) -> None:
    modules = sorted(p.parent.name for p in MODULES.glob("*/main.tf"))
    assert modules == [
        "alicloud-gpu-cluster",
        "aws-gpu-cluster",
        "azure-gpu-cluster",
        "checkpoint-sync",
        "dr-alicloud",
        "dr-aws",
        "dr-azure",
        "state-backend-alicloud",
        "state-backend-aws",
        "state-backend-azure",
    ]
    assert {"aws", "azurerm", "alicloud", "kubernetes", "helm"} <= schemas.providers


@pytest.mark.parametrize("name", ["aws", "azurerm", "alicloud", "kubernetes", "helm"])
def test_schema_snapshots_record_their_source(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.json"
    document = json.loads(path.read_text())
    assert document["provider"].endswith(f"/{name}")
    assert document["version"].count(".") == 2
    assert document["source"]["kind"] in {"npm", "git", "pypi"}
    assert document["resources"], "snapshot trimmed to nothing"
    assert path.stat().st_size < 100_000, "snapshot should stay small (trimmed to used types)"


def test_reports_unknown_argument_with_line(tmp_path: Path, schemas: Schemas) -> None:
    problems = _check(
        tmp_path,
        schemas,
        'resource "aws_s3_bucket" "this" {\n  bucket      = "x"\n  bucket_acll = "private"\n}\n',
    )
    assert [(p.line, p.address) for p in problems] == [(3, "aws_s3_bucket.this")]
    assert "unknown argument 'bucket_acll'" in problems[0].message


def test_reports_unknown_nested_block(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "aws_eks_node_group" "pool" {
  cluster_name  = "c"
  node_role_arn = "arn"
  subnet_ids    = ["s"]

  scaling_config {
    min_size     = 0
    desired_size = 1
    max_size     = 2
  }

  scaling {
    min_size = 0
  }
}
"""
    problems = _check(tmp_path, schemas, text)
    assert len(problems) == 1
    assert problems[0].line == 12
    assert "unknown block 'scaling'" in problems[0].message


def test_reports_missing_required_argument_and_block(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "aws_eks_node_group" "pool" {
  node_role_arn = "arn"
  subnet_ids    = ["s"]
}
"""
    messages = sorted(p.message for p in _check(tmp_path, schemas, text))
    assert messages == [
        "missing required argument 'cluster_name'",
        "missing required block 'scaling_config'",
    ]


def test_reports_missing_required_argument_in_nested_block(
    tmp_path: Path, schemas: Schemas
) -> None:
    text = """resource "aws_eks_node_group" "pool" {
  cluster_name  = "c"
  node_role_arn = "arn"
  subnet_ids    = ["s"]

  scaling_config {
    min_size = 0
    max_size = 2
  }
}
"""
    problems = _check(tmp_path, schemas, text)
    assert [(p.address, p.message) for p in problems] == [
        ("aws_eks_node_group.pool.scaling_config", "missing required argument 'desired_size'")
    ]


def test_checks_dynamic_block_content(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "aws_eks_node_group" "pool" {
  cluster_name  = "c"
  node_role_arn = "arn"
  subnet_ids    = ["s"]

  scaling_config {
    min_size     = 0
    desired_size = 1
    max_size     = 2
  }

  dynamic "taint" {
    for_each = var.taints
    content {
      key      = taint.value.key
      effect   = taint.value.effect
      severity = "high"
    }
  }

  dynamic "taints" {
    for_each = var.taints
    content {}
  }
}
"""
    messages = [p.message for p in _check(tmp_path, schemas, text)]
    assert len(messages) == 2
    assert "unknown argument 'severity'" in messages[0]
    assert "unknown block 'taints' (dynamic) (did you mean 'taint'?)" in messages[1]


def test_reports_unknown_resource_type(tmp_path: Path, schemas: Schemas) -> None:
    problems = _check(tmp_path, schemas, 'resource "aws_eks_nodegroup" "x" {}\n')
    assert len(problems) == 1
    assert "unknown resource type 'aws_eks_nodegroup'" in problems[0].message
    assert "did you mean 'aws_eks_node_group'" in problems[0].message


def test_meta_arguments_are_allowed(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "aws_kms_key" "this" {
  count      = 1
  provider   = aws.other
  depends_on = [aws_vpc.this]

  lifecycle {
    prevent_destroy = true
    precondition {
      condition     = true
      error_message = "never"
    }
  }
}
"""
    assert _check(tmp_path, schemas, text) == []


def test_block_written_as_argument_is_reported(tmp_path: Path, schemas: Schemas) -> None:
    text = 'resource "aws_s3_bucket_versioning" "v" {\n  bucket = "b"\n'
    text += '  versioning_configuration = { status = "Enabled" }\n}\n'
    problems = _check(tmp_path, schemas, text)
    assert [p.message for p in problems] == [
        "'versioning_configuration' is a block, not an argument"
    ]
