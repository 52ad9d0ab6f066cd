"""The rendered Terraform roots use only what their providers' schemas have.

``tests/test_modules_schema.py`` checks ``modules/``; the roots the renderer writes beside them
(cluster roots, ``_global``, ``_dr`` and the ``<cluster>_addons`` roots with ``helm_release``,
``kubernetes_*`` and ``alicloud_cs_kubernetes_addon``) declare resources and provider blocks of
their own. They are rendered fresh from ``stacks/`` (not read from the goldens, which lag the
renderer until regenerated) and checked against tests/schemas, provider blocks included for the
snapshots that record them (kubernetes, helm).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.tfschema import Problem, Schemas, check_file, check_paths, tf_files
from tools.extract_schemas import SCAN_DIRS, used_resource_types
from tools.update_golden import render_example

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
EXAMPLES = sorted((REPO_ROOT / "stacks").glob("*.py"))
_RESOURCE = re.compile(r'^resource\s+"([a-z0-9_]+)"', re.MULTILINE)
_PROVIDER = re.compile(r'^provider\s+"([a-z0-9_]+)"', re.MULTILINE)


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.load(SCHEMA_DIR)


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The ``terraform/`` trees of the example stacks, rendered now."""
    base = tmp_path_factory.mktemp("roots")
    trees = []
    for example in EXAMPLES:
        render_example(example, base / example.stem)
        trees.append(base / example.stem / "terraform")
    return trees


def _root_files(roots: list[Path]) -> list[Path]:
    return [f for f in tf_files(roots) if "modules" not in f.relative_to(f.parents[2]).parts]


def _check(tmp_path: Path, schemas: Schemas, text: str) -> list[Problem]:
    path = tmp_path / "gpu.tf"
    path.write_text(text)
    return check_file(path, schemas)


def test_rendered_roots_match_provider_schemas(roots: list[Path], schemas: Schemas) -> None:
    problems = check_paths(roots, schemas)
    assert not problems, "\n".join(str(p) for p in problems)


def test_the_check_sees_the_addons_resources_and_provider_blocks(roots: list[Path]) -> None:
    """Guard against checking nothing: the add-ons roots' types and providers are there."""
    texts = [f.read_text() for f in _root_files(roots)]
    types = {t for text in texts for t in _RESOURCE.findall(text)}
    providers = {p for text in texts for p in _PROVIDER.findall(text)}
    assert {
        "helm_release",
        "kubernetes_namespace_v1",
        "kubernetes_config_map_v1",
        "alicloud_cs_kubernetes_addon",
    } <= types
    assert {"helm", "kubernetes", "aws", "azurerm", "alicloud"} <= providers


def test_every_type_the_roots_use_is_in_a_snapshot(roots: list[Path], schemas: Schemas) -> None:
    used = {t for f in _root_files(roots) for t in _RESOURCE.findall(f.read_text())}
    assert sorted(used - set(schemas.resources)) == []


def test_extraction_keeps_the_types_the_committed_renders_use() -> None:
    """``make schemas`` scans tests/golden/render too, so the snapshots keep these types."""
    assert "alicloud_cs_kubernetes_addon" in used_resource_types(SCAN_DIRS, "alicloud_")
    assert used_resource_types(SCAN_DIRS, "helm_") == ["helm_release"]


def test_helm_snapshot_is_the_3x_the_roots_require() -> None:
    document = json.loads((SCHEMA_DIR / "helm.json").read_text())
    assert document["provider"] == "registry.terraform.io/hashicorp/helm"
    assert document["version"].startswith("3.")
    assert document["source"]["package"] == "cdktn-provider-helm"
    release = document["resources"]["helm_release"]
    assert release["blocks"] == {}, "helm 3.x has no blocks: set, postrender are attributes"
    assert {"set", "postrender", "timeouts"} <= set(release["nested"])
    assert set(document["provider_config"]["nested"]["kubernetes"]["nested"]) == {"exec"}


def test_unknown_helm_release_argument_is_reported(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "helm_release" "dcgm_exporter" {
  name       = "dcgm-exporter"
  chart      = "dcgm-exporter"
  namespaces = "gpu-monitoring"
}
"""
    problems = _check(tmp_path, schemas, text)
    assert [(p.line, p.address) for p in problems] == [(4, "helm_release.dcgm_exporter")]
    assert "unknown argument 'namespaces' (did you mean 'namespace'?)" in problems[0].message


def test_helm_set_as_a_block_is_reported(tmp_path: Path, schemas: Schemas) -> None:
    """helm 2.x wrote ``set { }``; 3.x takes ``set = [{ ... }]`` only."""
    text = """resource "helm_release" "r" {
  name  = "r"
  chart = "c"

  set {
    name  = "a"
    value = "b"
  }
}
"""
    problems = _check(tmp_path, schemas, text)
    assert [(p.line, p.message) for p in problems] == [
        (5, "'set' is a nested attribute, not a block: write set = { ... }")
    ]


def test_nested_attribute_objects_are_checked(tmp_path: Path, schemas: Schemas) -> None:
    text = """resource "helm_release" "r" {
  name  = "r"
  chart = "c"
  set = [
    { name = "a", value = "b" },
    { value = "c", kind = "string" },
  ]
  set_list = var.lists
}
"""
    messages = sorted(p.message for p in _check(tmp_path, schemas, text))
    assert messages == [
        "missing required argument 'name'",
        "unknown argument 'kind'",
    ]


def test_provider_blocks_are_checked(tmp_path: Path, schemas: Schemas) -> None:
    text = """provider "aws" {
  region = "us-east-1"
}

provider "kubernetes" {
  host = "https://k"
  exec = {
    api_version = "client.authentication.k8s.io/v1"
    command     = "aws"
  }
}

provider "helm" {
  alias = "second"
  kubernetes {
    host = "https://k"
  }
}

provider "helm" {
  kubernetes = {
    host     = "https://k"
    hostname = "k"
    exec = {
      command = "aws"
    }
  }
}
"""
    problems = _check(tmp_path, schemas, text)
    assert [(p.line, p.address, p.message) for p in problems] == [
        (7, "provider.kubernetes", "'exec' is a block, not an argument"),
        (
            15,
            "provider.helm",
            "'kubernetes' is a nested attribute, not a block: write kubernetes = { ... }",
        ),
        (23, "provider.helm.kubernetes", "unknown argument 'hostname' (did you mean 'host'?)"),
        (24, "provider.helm.kubernetes.exec", "missing required argument 'api_version'"),
    ]
