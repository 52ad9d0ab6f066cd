"""The command line as users and CI run it: a subprocess, exit codes, --json documents."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TEST_CATALOG, run_cli


def test_validate_examples_exits_0() -> None:
    result = run_cli("validate", "stacks/")
    assert result.returncode == 0, result.stderr
    assert "ok: 4 stacks" in result.stdout


def test_validate_defaults_to_stacks_dir() -> None:
    assert run_cli("validate").returncode == 0


def test_validate_json_shape() -> None:
    result = run_cli("validate", "stacks/minimal.py", "--json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["problems"] == []
    (stack,) = document["stacks"]
    pool = stack["clusters"][0]["pools"][0]
    assert stack["name"] == "research-sandbox"
    assert pool == {
        "name": "l40s",
        "instance_type": "g6e.12xlarge",
        "gpu": "L40S",
        "gpus": 4,
        "min_nodes": 1,
        "desired_nodes": 1,
        "max_nodes": 1,
    }


def test_invalid_stack_json_and_exit_1() -> None:
    result = run_cli(
        "validate", "tests/bad_stacks/many_errors_at_once.py", "--json", catalog_dir=TEST_CATALOG
    )
    assert result.returncode == 1
    document = json.loads(result.stdout)  # stdout holds exactly one JSON document
    assert document["ok"] is False
    assert [p["path"] for p in document["problems"]] == [
        "clusters[0].pools[0].gpu",
        "clusters[1].pools[0].name",
        "clusters[1].cidr",
        "dr.failover.c[0]",
    ]
    assert {p["stack"] for p in document["problems"]} == {"s"}
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("4 problems found")


def test_python_m_infra_help_and_usage_errors() -> None:
    assert run_cli("--help").returncode == 0
    for command in ("validate", "catalog", "cost", "render", "schema"):
        help_result = run_cli(command, "--help")
        assert help_result.returncode == 0, command
        assert "usage: infra" in help_result.stdout
    assert run_cli().returncode == 2
    unknown = run_cli("frobnicate")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    assert run_cli("render", "--target", "cdk").returncode == 2


def test_catalog_filters_and_json() -> None:
    result = run_cli("catalog", "--gpu", "H100", "--cloud", "aws", "--json")
    assert result.returncode == 0
    offers = json.loads(result.stdout)["offers"]
    assert offers and {o["gpu"] for o in offers} == {"H100"}
    assert {o["cloud"] for o in offers} == {"aws"}
    assert set(offers[0]) == {
        "cloud",
        "region",
        "instance_type",
        "gpu",
        "gpus",
        "gpu_memory_gib",
        "vcpus",
        "memory_gib",
        "rdma",
        "rdma_gbps",
        "price_usd_hour",
        "price_usd_gpu_hour",
        "spot_price_usd_hour",
        "spot_min_usd_hour",
        "spot_max_usd_hour",
        "spot_price_date",
        "price_date",
        "price_source",
        "boot_minutes_estimate",
    }
    table = run_cli("catalog", "--gpu", "H100", "--region", "eastus")
    assert "Standard_ND96isr_H100_v5" in table.stdout


def test_catalog_bad_filter_is_usage_error_with_suggestion() -> None:
    result = run_cli("catalog", "--gpu", "H10")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "infra: error: --gpu: unknown GPU 'H10' (did you mean 'H100'? allowed: A10, A100-40GB, "
        "A100-80GB, A10G, B200, B300, H100, H100-NVL, H20, H200, L20, L4, ... (3 more))"
    ]
    assert run_cli("catalog", "--cloud", "gcp").returncode == 2


def test_catalog_sources() -> None:
    result = run_cli("catalog", "--sources")
    assert result.returncode == 0
    assert result.stdout.count("sources:") == 3


def test_cost_json_shape_and_totals() -> None:
    result = run_cli("cost", "stacks/", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["hours_per_month"] == 730 and document["currency"] == "USD"
    names = [s["name"] for s in document["stacks"]]
    assert names == ["chat-serving", "embeddings", "llm-train", "research-sandbox"]
    total = sum(s["hourly"] for s in document["stacks"])
    assert abs(document["total"]["hourly"] - total) < 0.01
    sandbox = document["stacks"][-1]
    (pool,) = sandbox["pools"]
    assert pool["estimate"] is True  # a spot pool: priced at its spot snapshot, an estimate
    assert abs(pool["monthly"] - pool["hourly"] * 730) < 0.01


def test_cost_table_shows_totals() -> None:
    result = run_cli("cost", "stacks/minimal.py")
    assert result.returncode == 0
    assert "(total)" in result.stdout and "spot: estimate" in result.stdout


def test_schema_is_json() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "Stack"


def test_nothing_written_by_validate_or_cost(tmp_path: Path) -> None:
    for command in ("validate", "cost"):
        run_cli(command, str(Path.cwd() / "stacks"), cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []
