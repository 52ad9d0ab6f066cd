"""The catalog's new types and names (issue 15 part 3) and the planners' questions of
``infra catalog`` and ``infra cost`` (part 4): sorts, filters, USD per GPU-hour, price dates."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from infra.catalog import default_catalog
from infra.model import Cluster, NodePool, Stack
from infra.render import TARGETS, render_stacks
from infra.validate import validate_stacks
from tests.conftest import ROOT, run_cli

NEW_TYPES = [
    # (cloud, region, instance type, GPU, GPUs per node, GiB per GPU, rdma)
    ("aws", "us-east-1", "p5.4xlarge", "H100", 1, 80, "efa"),
    ("aws", "us-east-1", "p6-b300.48xlarge", "B300", 8, 268.59, "efa"),
    ("alicloud", "ap-southeast-1", "ecs.gn8is-2x.8xlarge", "L20", 2, 48, "erdma"),
    ("azure", "eastus", "Standard_NC40ads_H100_v5", "H100-NVL", 1, 94, "none"),
]


def _offers(*args: str) -> list[dict[str, object]]:
    result = run_cli("catalog", *args, "--json")
    assert result.returncode == 0, result.stderr
    offers: list[dict[str, object]] = json.loads(result.stdout)["offers"]
    return offers


@pytest.mark.parametrize(("cloud", "region", "itype", "gpu", "gpus", "memory", "rdma"), NEW_TYPES)
def test_new_type_in_catalog(
    cloud: str, region: str, itype: str, gpu: str, gpus: int, memory: float, rdma: str
) -> None:
    (offer,) = [
        o for o in _offers("--cloud", cloud, "--region", region) if o["instance_type"] == itype
    ]
    assert (offer["gpu"], offer["gpus"], offer["gpu_memory_gib"], offer["rdma"]) == (
        gpu,
        str(gpus),
        memory,
        rdma,
    )
    assert itype in run_cli("catalog", "--gpu", gpu, "--cloud", cloud).stdout


@pytest.mark.parametrize(("cloud", "region", "itype", "gpu", "gpus", "memory", "rdma"), NEW_TYPES)
def test_stack_on_new_type_validates_and_renders(
    tmp_path: Path,
    cloud: str,
    region: str,
    itype: str,
    gpu: str,
    gpus: int,
    memory: float,
    rdma: str,
) -> None:
    pool = NodePool(name="gpu", gpu=gpu, gpus=gpus, instance_type=itype, rdma=rdma != "none")
    stack = Stack(
        name="newtypes",
        owner="ml",
        environment="prod",
        clusters=[Cluster(name="c", cloud=cloud, region=region, cidr="10.0.0.0/16", pools=[pool])],
    )
    catalog = default_catalog()
    resolved, problems = validate_stacks([("n.py", stack)], catalog)
    assert problems == []
    assert resolved[0].clusters[0].pools[0].instance_type == itype
    rendered = render_stacks(resolved, tmp_path / "out", list(TARGETS), catalog, previous=None)
    files = rendered.manifest["files"]
    assert isinstance(files, dict) and files
    assert any(itype in p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_h100_nvl_is_its_own_model() -> None:
    catalog = default_catalog()
    nvl = {o.instance_type for o in catalog.find(gpu="H100-NVL")}
    assert nvl == {"Standard_NC40ads_H100_v5", "Standard_NC80adis_H100_v5"}
    assert {o.gpu_memory_gib for o in catalog.find(gpu="H100-NVL")} == {94}
    assert {o.gpu_memory_gib for o in catalog.find(gpu="H100")} == {80}
    assert not nvl & {o.instance_type for o in catalog.find(gpu="H100")}


def test_aws_header_no_longer_contradicts_p4de_rows() -> None:
    catalog = default_catalog()
    assert catalog.offer("aws", "p4de.24xlarge", "ap-southeast-1") is not None
    not_included = [line for line in catalog.headers["aws"] if line.startswith("not included")]
    assert "p4de in us-east-2, eu-west-1 (p4de IS listed in ap-southeast-1" in not_included[0]


def test_sort_by_price_per_gpu_and_filters() -> None:
    offers = _offers("--min-gpus", "8", "--rdma", "--sort", "gpu-price")
    assert offers and all(Fraction(str(o["gpus"])) >= 8 and o["rdma"] != "none" for o in offers)
    priced = [o["price_usd_gpu_hour"] for o in offers if o["price_usd_gpu_hour"] is not None]
    assert priced == sorted(priced)  # type: ignore[type-var]
    assert [o["price_usd_gpu_hour"] for o in offers[len(priced) :]] == [None] * (
        len(offers) - len(priced)
    )
    for offer in offers:
        if offer["price_usd_hour"] is not None:
            assert offer["price_usd_gpu_hour"] == pytest.approx(
                float(str(offer["price_usd_hour"])) / float(Fraction(str(offer["gpus"])))
            )


def test_sort_by_price_and_gpus_and_memory_filter() -> None:
    by_price = [o["price_usd_hour"] for o in _offers("--cloud", "aws", "--sort", "price")]
    known = [p for p in by_price if p is not None]
    assert known == sorted(known)  # type: ignore[type-var]
    by_gpus = [Fraction(str(o["gpus"])) for o in _offers("--all", "--sort", "gpus")]
    assert by_gpus == sorted(by_gpus, reverse=True)
    big = _offers("--min-gpu-memory", "141")
    assert big and {o["gpu"] for o in big} == {"H200", "B200", "B300"}


def test_catalog_table_shows_gpu_hour_spot_and_price_date() -> None:
    result = run_cli("catalog", "--gpu", "B300")
    assert result.returncode == 0
    header = result.stdout.splitlines()[0]
    for column in ("per GPU-hour", "spot/h", "price date"):
        assert column in header
    assert "$17.80" in result.stdout  # 142.416 / 8
    assert "2026-07-20" in result.stdout
    # p6-b300.48xlarge has no spot row (its one SkyPilot spot row is in us-west-2): empty cell
    assert "spot: a snapshot, not a quote" in result.stdout
    offers = _offers()
    assert all(o["spot_price_usd_hour"] == o["spot_min_usd_hour"] for o in offers)
    assert not any(o["spot_min_usd_hour"] for o in offers if o["cloud"] == "alicloud")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--min-gpus", "x"), "infra: error: --min-gpus: 'x' is not a whole number above 0"),
        (("--min-gpus", "0"), "infra: error: --min-gpus: '0' is not a whole number above 0"),
        (("--min-gpus", "1.5"), "infra: error: --min-gpus: '1.5' is not a whole number above 0"),
        (("--min-gpu-memory", "-4"), "infra: error: --min-gpu-memory: '-4' is not a number"),
        (("--min-gpu-memory", "nan"), "infra: error: --min-gpu-memory: 'nan' is not a number"),
        (("--min-gpu-memory", "inf"), "infra: error: --min-gpu-memory: 'inf' is not a number"),
        (("--sort", "cheap"), "infra: error: infra catalog: argument --sort: invalid choice"),
        (("--kubernetes", "--cloud", "gcp"), "infra: error: --cloud: unknown cloud 'gcp'"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run_cli("catalog", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert "Traceback" not in result.stderr


def test_kubernetes_calendar_command() -> None:
    result = run_cli("catalog", "--kubernetes", "--cloud", "azure", "--json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)["kubernetes"]
    assert {r["cloud"] for r in rows} == {"azure"}
    by_version = {r["version"]: r for r in rows}
    assert by_version["1.37"]["end_of_standard_support"] == "2027-10-31"
    assert by_version["1.29"]["release"] == "2024-03-01"  # past versions stay listed
    table = run_cli("catalog", "--kubernetes")
    assert table.returncode == 0
    assert {"EKS", "AKS", "ACK"} <= {line.split()[0] for line in table.stdout.splitlines()[2:]}


def test_cost_says_price_date_and_source() -> None:
    stack = str(ROOT / "stacks" / "llm_train.py")
    document = json.loads(run_cli("cost", stack, "--json").stdout)
    pools = [p for s in document["stacks"] for p in s["pools"]]
    assert pools and all(p["price_date"] != "unknown" and p["price_source"] for p in pools)
    aws = [p for p in pools if p["cloud"] == "aws" and not p["reserved"]]
    assert aws and "SkyPilot" in aws[0]["price_source"]
    # The aws-use1 H100 pool runs in an On-Demand Capacity Reservation: its own rate's source.
    (reserved,) = [p for p in pools if p["reserved"]]
    assert reserved["price_source"].startswith("On-Demand rate: docs.aws.amazon.com/")
    text = run_cli("cost", stack).stdout
    assert "aws prices: AWS on-demand Linux list prices via the SkyPilot catalog" in text
    assert "(price date: undated (SkyPilot catalog snapshot commit 00148f2" in text
