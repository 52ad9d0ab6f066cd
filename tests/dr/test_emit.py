"""DR artifacts: file layout, JSON document, runbook, determinism and golden files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from infra.catalog import Catalog
from infra.dr.emit import _environment, dr_files, emitted_outages, plan_document, plan_json, runbook
from infra.dr.outages import parse_outage
from infra.dr.plan import plan_outage
from infra.dr.timing import TimingModel
from infra.pipeline import resolve_paths
from infra.resolve import ResolvedStack
from tests.conftest import ROOT
from tests.dr.conftest import MakeStack, h100

GOLDEN = ROOT / "tests" / "golden"
SHIPPED = ROOT / "infra" / "catalog" / "data"


def two_clouds(make_stack: MakeStack) -> ResolvedStack:
    return make_stack(
        [
            ("train", "aws", "us-east-1", [h100(16, rdma=True)], {"H100": 16}),
            ("standby", "aws", "us-west-2", [], {"H100": 8}),
            ("az", "azure", "eastus", [], {"H100": 8}),
        ],
        {"train": ["standby", "az"]},
    )


def test_one_pair_per_region_outage_and_cloud_outages_when_multi_cloud(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    files = dr_files(two_clouds(make_stack), catalog, timing)
    assert sorted(files) == [
        f"dr/s/{slug}.{ext}"
        for slug in ("aws-us-east-1", "aws-us-west-2", "azure-eastus", "cloud-aws", "cloud-azure")
        for ext in ("json", "md")
    ]
    single = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("b", "aws", "us-west-2", [], {"H100": 8}),
        ],
        {"a": ["b"]},
    )
    assert [o.slug for o in emitted_outages(single)] == ["aws-us-east-1", "aws-us-west-2"]


def test_json_document(make_stack: MakeStack, catalog: Catalog, timing: TimingModel) -> None:
    stack = two_clouds(make_stack)
    plan = plan_outage(stack, parse_outage(stack, "aws:us-east-1"), catalog, timing)
    text = plan_json(plan)
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert document == plan_document(plan)
    assert document["schema_version"] == 1
    assert document["outage"] == {
        "kind": "region",
        "id": "aws:us-east-1",
        "slug": "aws-us-east-1",
        "title": "AWS us-east-1 (region)",
        "cloud": "aws",
        "region": "us-east-1",
        "clusters": ["train"],
    }
    assert document["feasible"] is True
    assert [p["target"] for p in document["placements"]] == ["standby", "az"]
    assert document["critical_path"][-1] == "verify-train"
    step = document["steps"][0]
    assert set(step) >= {"id", "phase", "commands", "verify", "rollback", "minutes", "depends_on"}
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no timestamps


def test_runbook_lists_every_step_with_commands(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = two_clouds(make_stack)
    plan = plan_outage(stack, parse_outage(stack, "aws"), catalog, timing)
    text = runbook(plan)
    assert text.startswith("# Failover runbook: s, outage aws\n")
    assert "**NOT feasible**" in text
    assert "- shortfall: train needs 8 more H100 GPUs on nodes of at least 8 GPUs with RDMA" in text
    for step in plan.steps:
        assert f"(`{step.id}`)" in text
        for command in step.commands:
            assert command in text
    assert text.endswith("\n") and not text.endswith("\n\n\n")


def test_template_environment_is_strict() -> None:
    env = _environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.trim_blocks and env.lstrip_blocks and env.keep_trailing_newline
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


# -- example stacks ------------------------------------------------------------------------


def example_files() -> dict[str, str]:
    catalog = Catalog.from_directory(SHIPPED)
    resolution = resolve_paths([str(ROOT / "stacks")], catalog)
    assert resolution.ok, [str(p) for p in resolution.problems]
    files: dict[str, str] = {}
    for stack in resolution.stacks:
        files.update(dr_files(stack, catalog))
    return files


_DIGEST = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.dr.test_emit import example_files
files = example_files()
print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest(), len(files))
"""


def test_emitted_files_do_not_depend_on_the_hash_seed() -> None:
    digests = set()
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env.pop("INFRA_CATALOG_DIR", None)
        result = subprocess.run(
            [sys.executable, "-c", _DIGEST.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path("/"),
            timeout=120,
            check=True,
        )
        digests.add(result.stdout.strip())
    in_process = example_files()
    local = hashlib.sha256(repr(sorted(in_process.items())).encode()).hexdigest()
    assert digests == {f"{local} {len(in_process)}"}


def test_example_stacks_are_feasible_in_every_region_outage() -> None:
    from infra.dr.plan import check_stack

    catalog = Catalog.from_directory(SHIPPED)
    resolution = resolve_paths([str(ROOT / "stacks")], catalog)
    for stack in resolution.stacks:
        check = check_stack(stack, catalog)
        assert all(p.feasible for p in check.plans), [
            (p.outage.id, p.problems()) for p in check.plans if not p.feasible
        ]
