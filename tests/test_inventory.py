"""``infra inventory``: one row per node pool as deployed, in a stable shape (docs/inventory.md).

In-process through ``infra.inventory_cli.register`` (as tests/dr/test_cli.py runs the dr
commands) and, once ``infra/cli.py`` registers it, as users run it (``python -m infra``)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import default_catalog
from infra.cli import main as infra_main
from infra.cost import cost_of
from infra.deploy import deploy_plan, deployed
from infra.errors import InfraError, UsageError
from infra.inventory import COLUMNS, ROLES, SCHEMA, csv_text, inventory
from infra.inventory_cli import register
from infra.pipeline import resolve_paths
from tests.conftest import ROOT, TEST_CATALOG, run_cli

STACKS = str(ROOT / "stacks")
LLM = str(ROOT / "stacks" / "llm_train.py")
FLEET = str(ROOT / "stacks" / "inference_fleet.py")
MINIMAL = str(ROOT / "stacks" / "minimal.py")
BAD = str(ROOT / "tests" / "bad_stacks" / "gpu_unknown.py")

# The documented columns, in their documented order (docs/inventory.md): a change here is a
# new schema version, not an edit.
DOCUMENTED = (
    "stack",
    "cluster",
    "pool",
    "environment",
    "owner",
    "cloud",
    "region",
    "zones",
    "kubernetes_version",
    "cluster_resource",
    "node_pool_resource",
    "role",
    "standby_for",
    "standby_for_pools",
    "instance_type",
    "gpu",
    "gpus_per_node",
    "nodes_min",
    "nodes_desired",
    "nodes_max",
    "gpus",
    "gpus_max",
    "rdma",
    "spot",
    "workload",
    "hourly_usd",
    "price_estimate",
    "tags",
    "price_source",
    "reservation_kind",
    "reservation_id",
    "reservation_instances",
    "reservation_ends",
)
RESERVATION = ("reservation_kind", "reservation_id", "reservation_ends")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_inventory(*args: str) -> Run:
    """Parse and dispatch like infra.cli.main, with only the inventory command registered."""
    parser = argparse.ArgumentParser(prog="infra")
    register(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed = parser.parse_args(["inventory", *args])
            code = parsed.handler(parsed)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        except UsageError as exc:
            print(f"infra: error: {exc}", file=err)
            code = 2
        except InfraError as exc:
            print(f"infra: {exc}", file=err)
            code = 1
    return Run(code, out.getvalue(), err.getvalue())


def rows_json(*args: str) -> list[dict[str, Any]]:
    run = run_inventory(*args, "--json")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    rows: list[dict[str, Any]] = document["rows"]
    return rows


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["stack"], r["cluster"], r["pool"]): r for r in rows}


def cost_json(*paths: str) -> dict[str, Any]:
    """``infra cost --json`` in-process (infra/cli.py's own command)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert infra_main(["cost", "--json", *paths]) == 0
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


# -- the example stacks ---------------------------------------------------------------------


def test_one_row_per_pool_as_deployed_standby_pools_included() -> None:
    rows = rows_json(STACKS)
    resolution = resolve_paths([STACKS])
    catalog = default_catalog()
    # The pools the Terraform roots and the Pulumi program create: the deploy plan's inputs.
    rendered = {
        (plan.name, cluster.name, pool)
        for stack in resolution.stacks
        for plan in [deploy_plan(stack, catalog)]
        for cluster in plan.clusters
        for pool in cluster.inputs["node_pools"]  # type: ignore[union-attr]
    }
    keys = [(r["stack"], r["cluster"], r["pool"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(rendered) == 26
    assert set(keys) == rendered
    roles = {key: r["role"] for key, r in by_key(rows).items()}
    assert set(roles.values()) == set(ROLES)
    assert roles[("llm-train", "aws-usw2", "standby-h100")] == "standby"
    assert roles[("embeddings", "ali-sh", "system")] == "standby-system"
    assert roles[("llm-train", "aws-use1", "h100")] == "primary"
    # Standby pools are exactly the pools infra adds; the user's own are primary.
    user_pools = {
        (s.name, c.name, p.name) for s in resolution.stacks for c in s.clusters for p in c.pools
    }
    assert {k for k, role in roles.items() if role == "primary"} == user_pools


def test_standby_pools_name_the_pools_they_stand_in_for() -> None:
    rows = by_key(rows_json(LLM, FLEET))
    usw2 = rows[("llm-train", "aws-usw2", "standby-h100")]
    # aws-use1 fails over to aws-usw2 first; ali-bj's A100 work may land on H100s there.
    assert usw2["standby_for_pools"] == ["ali-bj/a100", "aws-use1/h100"]
    assert usw2["standby_for"] == ["ali-bj", "aws-use1"]
    assert usw2["nodes_desired"] == 0 and usw2["hourly_usd"] == 0  # pilot-light
    # The automatic system pool of a failover target serves the clusters that fail over to it.
    system = rows[("embeddings", "ali-sh", "system")]
    assert system["standby_for"] == ["az-wus3"] and system["standby_for_pools"] == []
    assert system["gpu"] is None and system["workload"] == "system"
    # Every source is a primary GPU pool of a cluster whose failover list names the target.
    resolution = resolve_paths([LLM, FLEET])
    failover = {s.name: s.dr.failover for s in resolution.stacks if s.dr}
    for (stack, cluster, _pool), row in rows.items():
        if row["role"] != "standby":
            assert row["role"] == "standby-system" or row["standby_for_pools"] == []
            continue
        assert row["standby_for_pools"], row
        for source in row["standby_for_pools"]:
            source_cluster, source_pool = source.split("/")
            assert cluster in failover[stack][source_cluster]
            source_row = rows[(stack, source_cluster, source_pool)]
            assert source_row["role"] == "primary" and source_row["gpu"] is not None


def test_hourly_cost_matches_infra_cost() -> None:
    rows = rows_json(STACKS)
    cost = cost_json(STACKS)
    assert sum(r["hourly_usd"] or 0.0 for r in rows) == pytest.approx(
        cost["total"]["hourly"], abs=0.01
    )
    inventoried = {k: r["hourly_usd"] for k, r in by_key(rows).items()}
    costed = {
        (s["name"], p["cluster"], p["pool"]): p["hourly"]
        for s in cost["stacks"]
        for p in s["pools"]
    }
    assert inventoried == costed
    nodes = {k: r["nodes_desired"] for k, r in by_key(rows).items()}
    assert nodes == {
        (s["name"], p["cluster"], p["pool"]): p["nodes"] for s in cost["stacks"] for p in s["pools"]
    }
    # and the table's summary line carries the same total
    table = run_inventory(STACKS)
    assert f"${cost['total']['hourly']:,.2f} per hour" in table.stdout


def test_counts_zones_owner_and_tags_of_a_pool() -> None:
    rows = by_key(rows_json(LLM))
    h100 = rows[("llm-train", "aws-use1", "h100")]
    (p5,) = [
        o
        for o in default_catalog().find(cloud="aws", region="us-east-1")
        if o.instance_type == "p5.48xlarge"
    ]
    assert p5.price_usd_hour is not None
    assert h100 | {"tags": None} == {
        "stack": "llm-train",
        "cluster": "aws-use1",
        "pool": "h100",
        "environment": "prod",
        "owner": "aml-infra",
        "cloud": "aws",
        "region": "us-east-1",
        "zones": ["us-east-1a"],  # its reservation's zone (also the first: an RDMA pool)
        "kubernetes_version": resolve_paths([LLM]).stacks[0].cluster("aws-use1").kubernetes_version,
        "cluster_resource": "llm-train-aws-use1",
        "node_pool_resource": "llm-train-aws-use1-h100",
        "role": "primary",
        "standby_for": [],
        "standby_for_pools": [],
        "instance_type": "p5.48xlarge",
        "gpu": "H100",
        "gpus_per_node": 8,
        "nodes_min": 32,
        "nodes_desired": 32,
        "nodes_max": 32,
        "gpus": 256,
        "gpus_max": 256,
        "rdma": True,
        "spot": False,
        "workload": "training",
        # An On-Demand Capacity Reservation of 32: billed at the On-Demand rate.
        "hourly_usd": round(32 * p5.price_usd_hour, 4),
        "price_estimate": False,
        "tags": None,
        "price_source": h100["price_source"],
        "reservation_kind": "capacity-reservation",
        "reservation_id": "cr-0a1b2c3d4e5f60718",
        "reservation_instances": 32,
        "reservation_ends": None,
    }
    assert h100["tags"] == {
        "cost-center": "ml-1234",
        "team": "foundation-models",
        "environment": "prod",
        "managed-by": "infra",
        "owner": "aml-infra",
        "infra-stack": "llm-train",
        "infra-cluster": "aws-use1",
    }
    assert rows[("llm-train", "aws-use1", "system")]["zones"] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    # AKS names a pool by its key alone (12 characters at most)
    assert rows[("llm-train", "az-eus", "h100")]["node_pool_resource"] == "h100"
    spot = by_key(rows_json(MINIMAL))[("research-sandbox", "use1", "l40s")]
    assert spot["spot"] and spot["price_estimate"]


# -- formats --------------------------------------------------------------------------------


def test_json_document_shape() -> None:
    run = run_inventory(STACKS, "--json")
    document = json.loads(run.stdout)
    assert list(document) == ["schema", "ok", "problems", "columns", "rows"]
    assert document["schema"] == SCHEMA == "infra.inventory/v2"
    assert document["ok"] is True and document["problems"] == []
    assert tuple(document["columns"]) == COLUMNS == DOCUMENTED
    lists = {"zones", "standby_for", "standby_for_pools"}
    ints = {"nodes_min", "nodes_desired", "nodes_max"}
    numbers = {"gpus_per_node", "gpus", "gpus_max"}
    flags = {"rdma", "spot", "price_estimate"}
    for row in document["rows"]:
        assert tuple(row) == COLUMNS
        for name, value in row.items():
            if name in lists:
                assert isinstance(value, list) and all(isinstance(v, str) for v in value)
            elif name in ints:
                assert isinstance(value, int) and not isinstance(value, bool)
            elif name in numbers:
                assert isinstance(value, int | float) and not isinstance(value, bool)
            elif name in flags:
                assert isinstance(value, bool)
            elif name == "hourly_usd":
                assert value is None or isinstance(value, int | float)
            elif name in {"gpu", *RESERVATION}:
                assert value is None or isinstance(value, str)
            elif name == "reservation_instances":
                assert value is None or (isinstance(value, int) and value > 0)
            elif name == "tags":
                assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            else:
                assert isinstance(value, str) and value, name
        assert row["role"] in ROLES


def _from_csv(record: dict[str, str]) -> dict[str, Any]:
    """A CSV record back into the JSON row, by the documented cell rules."""
    row: dict[str, Any] = {}
    for name, cell in record.items():
        if name in {"zones", "standby_for", "standby_for_pools"}:
            row[name] = cell.split(" ") if cell else []
        elif name in {"rdma", "spot", "price_estimate"}:
            assert cell in {"true", "false"}
            row[name] = cell == "true"
        elif name == "tags":
            row[name] = json.loads(cell)
        elif name in {"gpu", "hourly_usd", "reservation_instances", *RESERVATION} and cell == "":
            row[name] = None
        elif name in {"nodes_min", "nodes_desired", "nodes_max", "reservation_instances"}:
            row[name] = int(cell)
        elif name in {"gpus_per_node", "gpus", "gpus_max", "hourly_usd"}:
            number = float(cell)
            row[name] = int(number) if number.is_integer() and "." not in cell else number
        else:
            row[name] = cell
    return row


def test_csv_round_trips_to_the_json_rows() -> None:
    run = run_inventory(STACKS, "--csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("\r\n") and "\n" not in run.stdout.replace("\r\n", "")
    reader = csv.DictReader(io.StringIO(run.stdout, newline=""))
    assert tuple(reader.fieldnames or ()) == DOCUMENTED
    records = list(reader)
    assert [_from_csv(r) for r in records] == rows_json(STACKS)


def test_csv_quotes_tags_with_commas_and_quotes(tmp_path: Path) -> None:
    stack = tmp_path / "quoted.py"
    stack.write_text(
        "from infra import Cluster, NodePool, Stack\n"
        "stack = Stack(name='quoted', owner='ml, \"core\"', environment='dev',\n"
        "    tags={'note': 'a \"b\", c'},\n"
        "    clusters=[Cluster(name='az', cloud='azure', region='eastus', cidr='10.0.0.0/16',\n"
        "        pools=[NodePool(name='system', instance_type='Standard_D4s_v5', nodes=2)])])\n"
    )
    run = run_inventory(str(stack), "--csv")
    assert run.returncode == 0, run.stderr
    assert '"ml, ""core"""' in run.stdout  # RFC 4180: quoted, quotes doubled
    (record,) = csv.DictReader(io.StringIO(run.stdout, newline=""))
    assert record["owner"] == 'ml, "core"'
    assert json.loads(record["tags"])["note"] == 'a "b", c'


def test_unpriced_types(tmp_path: Path, test_catalog_env: None) -> None:
    # The test catalog has no price for ecs.ebmgn7ex.32xlarge in cn-beijing.
    stack = tmp_path / "unpriced.py"
    stack.write_text(
        "from infra import Cluster, NodePool, Stack\n"
        "stack = Stack(name='unpriced', owner='ml', environment='dev', clusters=[\n"
        "    Cluster(name='bj', cloud='alicloud', region='cn-beijing', cidr='10.0.0.0/16',\n"
        "        pools=[NodePool(name='a100', gpu='A100-80GB', gpus=8),\n"
        "               NodePool(name='system', instance_type='ecs.g7.2xlarge', nodes=2)])])\n"
    )
    run = run_inventory(str(stack), "--csv")
    assert run.returncode == 0, run.stderr
    a100, system = csv.DictReader(io.StringIO(run.stdout, newline=""))
    assert a100["pool"] == "a100" and a100["hourly_usd"] == "" and a100["price_estimate"] == "false"
    assert system["gpu"] == "" and system["gpus"] == "0"
    table = run_inventory(str(stack))
    assert "n/a" in table.stdout and "(1 pools have no price in the catalog)" in table.stdout


def test_partial_gpu_pool_counts(tmp_path: Path) -> None:
    stack = tmp_path / "partial.py"
    stack.write_text(
        "from infra import Cluster, NodePool, Stack\n"
        "stack = Stack(name='viz', owner='ml', environment='dev', clusters=[\n"
        "    Cluster(name='az', cloud='azure', region='eastus', cidr='10.0.0.0/16',\n"
        "        pools=[NodePool(name='viz', instance_type='Standard_NV12ads_A10_v5', nodes=3),\n"
        "               NodePool(name='system', instance_type='Standard_D4s_v5', nodes=2)])])\n"
    )
    rows = by_key(rows_json(str(stack)))
    viz = rows[("viz", "az", "viz")]
    # A third of an A10 per node (catalog: 1/3): three nodes hold one GPU.
    assert viz["gpu"] == "A10" and viz["gpus_per_node"] == 0.3333 and viz["gpus"] == 1


# -- order and stability --------------------------------------------------------------------


def test_rows_sorted_by_stack_cluster_pool_whatever_the_path_order() -> None:
    rows = rows_json(STACKS)
    keys = [(r["stack"], r["cluster"], r["pool"]) for r in rows]
    assert keys == sorted(keys)
    forward = run_inventory(LLM, FLEET, MINIMAL, "--csv").stdout
    backward = run_inventory(MINIMAL, FLEET, LLM, "--csv").stdout
    assert forward == backward == run_inventory(STACKS, "--csv").stdout


def test_rows_are_the_same_from_the_library() -> None:
    # What the command prints is what infra.inventory builds: the CSV of the rows themselves.
    resolution = resolve_paths([STACKS])
    rows = inventory(resolution.stacks, default_catalog())
    assert csv_text(rows) == run_inventory(STACKS, "--csv").stdout
    assert len(rows) == sum(
        len(c.pools) for s in resolution.stacks for c in deployed(s, default_catalog()).clusters
    )
    assert len(rows) == sum(
        len(c.lines) for c in cost_of([deployed(s, default_catalog()) for s in resolution.stacks])
    )


def test_default_is_an_aligned_table() -> None:
    run = run_inventory(LLM)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["stack", "cluster", "pool"]
    assert set(lines[1]) == {"-", " "}
    standby = next(line for line in lines if "aws-usw2" in line and "standby-h100" in line)
    assert "standby for ali-bj/a100, aws-use1/h100" in standby
    assert lines[-1].startswith("9 pools in 4 clusters of 1 stacks; 352 GPUs")


# -- bad input ------------------------------------------------------------------------------


def test_invalid_stacks_are_reported_like_validate() -> None:
    for form in ((), ("--csv",)):
        run = run_inventory(BAD, *form)
        assert run.returncode == 1
        assert run.stdout == ""  # nothing printed but the problems
        assert "unknown GPU 'H10'" in run.stderr
        assert run.stderr.splitlines()[-1] == "infra: 1 problem found"
        assert "Traceback" not in run.stderr
    as_json = run_inventory(BAD, "--json")
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["ok"] is False and document["rows"] == []
    assert document["schema"] == SCHEMA
    assert [p["path"] for p in document["problems"]] == ["clusters[0].pools[0].gpu"]


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    run = run_inventory(str(tmp_path / "nowhere.py"))
    assert run.returncode == 1 and run.stdout == ""
    assert "no such file or directory" in run.stderr


def test_bad_flags_are_usage_errors() -> None:
    both = run_inventory(LLM, "--json", "--csv")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    assert both.stdout == ""
    assert run_inventory(LLM, "--xml").returncode == 2
    assert run_inventory(LLM, "--load-timeout", "soon").returncode == 2


def test_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_inventory(STACKS, "--csv").returncode == 0
    assert run_inventory(BAD).returncode == 1
    assert list(tmp_path.iterdir()) == []


# -- through `python -m infra`, once infra/cli.py calls register() ----------------------------


@pytest.fixture(scope="module")
def wired() -> Iterator[None]:
    """Skip until infra/cli.py registers the command (``infra inventory --help`` works)."""
    if run_cli("inventory", "--help").returncode != 0:
        pytest.skip("infra/cli.py does not register `infra inventory` yet")
    yield


def test_subprocess_formats_and_exit_codes(wired: None) -> None:
    as_json = run_cli("inventory", "stacks/", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["rows"] == rows_json(STACKS)
    as_csv = run_cli("inventory", "stacks/", "--csv")
    # (text mode reads the CRLF record ends as newlines: compare the records)
    records = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [_from_csv(r) for r in records] == rows_json(STACKS)
    bad = run_cli("inventory", "tests/bad_stacks/gpu_unknown.py", catalog_dir=TEST_CATALOG)
    assert bad.returncode == 1 and bad.stdout == "" and "Traceback" not in bad.stderr
    usage = run_cli("inventory", "--json", "--csv")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_a_reserved_pool_names_its_reservation_zone_and_rate_source() -> None:
    # stacks/llm_train.py: aws-use1's H100 pool runs in an On-Demand Capacity Reservation.
    run = run_inventory(str(ROOT / "stacks" / "llm_train.py"), "--json")
    rows = {(r["cluster"], r["pool"]): r for r in json.loads(run.stdout)["rows"]}
    h100 = rows[("aws-use1", "h100")]
    assert (h100["reservation_kind"], h100["reservation_id"]) == (
        "capacity-reservation",
        "cr-0a1b2c3d4e5f60718",
    )
    assert h100["reservation_instances"] == 32 and h100["reservation_ends"] is None
    assert h100["zones"] == ["us-east-1a"]  # the reservation's zone, where its node group runs
    assert h100["price_source"].startswith("On-Demand rate: docs.aws.amazon.com/")
    system = rows[("aws-use1", "system")]
    assert system["reservation_kind"] is None and system["reservation_instances"] is None
    assert "SkyPilot" in system["price_source"]
