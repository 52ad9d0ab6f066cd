"""``infra dr check`` / ``infra dr plan``: in-process through ``infra.dr.cli.register`` and, once
``infra/cli.py`` registers them, as users run them (``python -m infra`` in a subprocess)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.dr.cli import register
from infra.errors import InfraError, UsageError
from tests.conftest import ROOT, run_cli

STACKS = str(ROOT / "stacks")
LLM = str(ROOT / "stacks" / "llm_train.py")
FLEET = str(ROOT / "stacks" / "inference_fleet.py")
GOLDEN = ROOT / "tests" / "golden" / "render" / "llm_train" / "dr"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_dr(*args: str) -> Run:
    """Parse and dispatch like infra.cli.main, with only the dr commands registered."""
    parser = argparse.ArgumentParser(prog="infra")
    register(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed = parser.parse_args(["dr", *args])
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


def test_check_examples_feasible_with_warnings() -> None:
    run = run_dr("check", STACKS)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "stack" in run.stdout and "est. RTO / target" in run.stdout
    assert re.search(r"llm-train +aws:us-east-1 +aws-use1 +yes +- +24 / 60 min", run.stdout)
    assert "ok: 10 outages of 4 stacks feasible (1 cluster unprotected)" in run.stdout
    assert (
        "warning: research-sandbox: cluster 'use1' has no failover entry (unprotected)"
        in run.stderr
    )


def test_check_strict_fails_on_unprotected_clusters() -> None:
    run = run_dr("check", "--strict", STACKS)
    assert run.returncode == 1
    assert "error: research-sandbox: cluster 'use1' has no failover entry" in run.stderr


def test_check_cloud_scope_reports_shortfalls() -> None:
    run = run_dr("check", "--scope", "cloud", LLM)
    assert run.returncode == 1
    assert (
        "llm-train aws: shortfall: aws-use1 needs 64 more H100 GPUs on nodes of at least 8 GPUs "
        "with RDMA" in run.stdout
    )
    assert "infra: 1 of 7 outages infeasible" in run.stdout


def test_check_json() -> None:
    run = run_dr("check", "--json", LLM)
    assert run.returncode == 0
    document = json.loads(run.stdout)
    (stack,) = document["stacks"]
    assert document["ok"] and stack["name"] == "llm-train"
    assert stack["unprotected"] == []
    assert [o["id"] for o in stack["outages"]] == [
        "alicloud:cn-beijing",
        "aws:us-east-1",
        "aws:us-west-2",
        "azure:eastus",
    ]
    assert all(o["feasible"] for o in stack["outages"])


def test_plan_table_and_json_match_the_rendered_file() -> None:
    run = run_dr("plan", LLM, "--fail", "aws:us-east-1")
    assert run.returncode == 0, run.stderr
    assert "critical path: scale-aws-usw2 -> wait-aws-usw2 -> traffic-aws-use1" in run.stdout
    assert "feasible" in run.stdout.splitlines()[-1]
    as_json = json.loads(run_dr("plan", LLM, "--fail", "aws:us-east-1", "--json").stdout)
    assert as_json["ok"] is True and as_json["problems"] == []
    golden = (GOLDEN / "llm-train" / "aws-us-east-1.json").read_text()
    assert json.dumps(as_json["plan"], indent=2, sort_keys=True) + "\n" == golden


def test_plan_of_an_infeasible_outage_exits_1() -> None:
    run = run_dr("plan", LLM, "--fail", "aws")
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "NOT feasible"


def test_bad_fail_value_is_one_line_and_exit_2() -> None:
    run = run_dr("plan", LLM, "--fail", "aws:us-east-2")
    assert run.returncode == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith("infra: error: llm-train: unknown outage 'aws:us-east-2' (did you mean")


def test_plan_picks_the_stack_an_outage_belongs_to() -> None:
    # inference_fleet.py defines two stacks; azure:westus3 is only in embeddings
    run = run_dr("plan", FLEET, "--fail", "azure:westus3")
    assert run.returncode == 0 and run.stdout.startswith("embeddings: outage azure:westus3")
    # an outage that hits both stacks is planned for both, reported together
    both = run_dr("plan", FLEET, "--fail", "azure")
    # (the whole-Azure outage takes embeddings' stack-wide state: infeasible, exit 1)
    assert both.returncode == 1, both.stderr
    assert both.stdout.startswith("chat-serving: outage azure")
    assert "\n\nembeddings: outage azure" in both.stdout
    assert "Outages that hit several stacks" in both.stdout
    as_json = json.loads(run_dr("plan", FLEET, "--fail", "azure", "--json").stdout)
    assert [p["stack"] for p in as_json["plans"]] == ["chat-serving", "embeddings"]
    assert as_json["shared_outages"][0]["stacks"] == ["chat-serving", "embeddings"]
    chosen = run_dr("plan", FLEET, "--fail", "azure", "--stack", "chat-serving")
    assert chosen.stdout.startswith("chat-serving: outage azure")
    unknown = run_dr("plan", FLEET, "--fail", "azure", "--stack", "embedding")
    assert unknown.returncode == 2 and "did you mean 'embeddings'?" in unknown.stderr


def test_invalid_stacks_are_reported_like_validate() -> None:
    bad = str(ROOT / "tests" / "bad_stacks" / "gpu_unknown.py")
    for args in (("check", bad), ("plan", bad, "--fail", "x")):
        run = run_dr(*args)
        assert run.returncode == 1
        assert "unknown GPU" in run.stderr and "problem" in run.stderr.splitlines()[-1]


def test_missing_fail_is_a_usage_error() -> None:
    assert run_dr("plan", LLM).returncode == 2
    assert run_dr().returncode == 2  # `infra dr` alone prints help


# -- through `python -m infra`, once infra/cli.py calls register() ----------------------------


def _wired() -> bool:
    from infra.cli import _parser

    with contextlib.redirect_stderr(io.StringIO()):
        try:
            _parser().parse_args(["dr", "check"])
        except SystemExit:
            return False
    return True


wired = pytest.mark.skipif(
    not _wired(), reason="infra/cli.py does not register the dr commands yet"
)


@wired
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("dr", "check", "stacks/"), 0),
        (("dr", "check", "--strict", "stacks/"), 1),
        (("dr", "plan", "stacks/llm_train.py", "--fail", "nowhere"), 2),
    ],
)
def test_subprocess_exit_codes(args: Sequence[str], code: int) -> None:
    assert run_cli(*args).returncode == code


@wired
def test_subprocess_plan_json_is_the_rendered_document() -> None:
    result = run_cli("dr", "plan", "stacks/llm_train.py", "--fail", "azure:eastus", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    golden = (GOLDEN / "llm-train" / "azure-eastus.json").read_text()
    assert json.dumps(document["plan"], indent=2, sort_keys=True) + "\n" == golden


def test_check_prints_what_a_plan_cannot_promise_once_per_stack(tmp_path: Path) -> None:
    # Azure object replication documents no lag bound: feasible, with one warning per stack
    # however many outages share the pair.
    stack = tmp_path / "azure_pair.py"
    stack.write_text(
        "from infra import Cluster, DisasterRecovery, NodePool, Stack\n"
        "stack = Stack(name='pair', owner='ml', environment='prod',\n"
        "    dr=DisasterRecovery(rpo_minutes=60, rto_minutes=120,\n"
        "        failover={'east': ['west'], 'west': ['east']}, state_region='azure:eastus'),\n"
        "    clusters=[\n"
        "        Cluster(name='east', cloud='azure', region='eastus', cidr='10.0.0.0/16',\n"
        "            pools=[NodePool(name='a10', gpu='A10', gpus=2)], gpu_capacity={'A10': 4}),\n"
        "        Cluster(name='west', cloud='azure', region='westus3', cidr='10.1.0.0/16',\n"
        "            pools=[NodePool(name='a10', gpu='A10', gpus=2)], gpu_capacity={'A10': 4}),\n"
        "    ])\n"
    )
    run = run_dr("check", str(stack))
    assert run.returncode == 0, run.stdout + run.stderr
    basis = "Azure object replication is asynchronous with no guaranteed completion time"
    assert [line for line in run.stderr.splitlines() if line.startswith("warning:")] == [
        f"warning: pair: data: east -> west has no lag bound ({basis})",
        f"warning: pair: data: west -> east has no lag bound ({basis})",
    ]
