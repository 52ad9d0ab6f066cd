"""Alibaba Cloud 8th-generation H20 type in the shipped catalog (issue 15, part 3).

Only ecs.gn8v-tee.4xlarge in cn-beijing has a public source naming its region (see the header
of infra/catalog/data/alicloud.csv); gn8v and ebmgn8v stay out until one names theirs.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from infra.catalog import default_catalog
from infra.model import Cluster, NodePool, Stack
from infra.render import TARGETS, render_stacks
from infra.validate import validate_stacks
from tests.conftest import run_cli

TYPE = "ecs.gn8v-tee.4xlarge"
REGION = "cn-beijing"


def test_row_loads_with_doc_specs_and_no_price() -> None:
    catalog = default_catalog()
    offer = catalog.offer("alicloud", TYPE, REGION)
    assert offer is not None
    assert (offer.gpu, offer.gpus, offer.gpu_memory_gib) == ("H20", Fraction(1), 96)
    assert (offer.vcpus, offer.memory_gib, offer.rdma, offer.rdma_gbps) == (16, 96, "erdma", 12)
    assert offer.price_usd_hour is None  # no public price: the file's convention
    assert catalog.offered_regions("alicloud", TYPE) == (REGION,)
    assert "H20" in catalog.gpus
    assert "cn-beijing-l" in catalog.zones_of("alicloud", REGION)  # the zone the sources use


def test_types_without_a_public_region_stay_out_and_the_header_says_why() -> None:
    catalog = default_catalog()
    types = catalog.instance_types("alicloud")
    assert [t for t in types if "gn8v" in t] == [TYPE]
    header = "\n".join(catalog.headers["alicloud"])
    assert "0gfoundation/0g-tapp" in header and "wdsun1008/confidential-agent" in header
    (not_included,) = [line for line in catalog.headers["alicloud"] if "Not included" in line]
    assert "gn8v (all sizes), ebmgn8v" in not_included


def test_catalog_cli_lists_the_h20_row() -> None:
    table = run_cli("catalog", "--gpu", "H20")
    assert table.returncode == 0, table.stderr
    assert TYPE in table.stdout and REGION in table.stdout
    result = run_cli("catalog", "--gpu", "H20", "--json")
    assert result.returncode == 0, result.stderr
    offers = json.loads(result.stdout)["offers"]
    assert [(o["cloud"], o["region"], o["instance_type"]) for o in offers] == [
        ("alicloud", REGION, TYPE)
    ]
    assert (offers[0]["gpus"], offers[0]["rdma"], offers[0]["price_usd_hour"]) == (
        "1",
        "erdma",
        None,
    )


@pytest.mark.parametrize("instance_type", [TYPE, None])
def test_stack_with_the_pool_validates_and_renders(
    tmp_path: Path, instance_type: str | None
) -> None:
    pool = NodePool(name="h20", gpu="H20", gpus=1, instance_type=instance_type, rdma=True)
    stack = Stack(
        name="gn8",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(name="c", cloud="alicloud", region=REGION, cidr="10.0.0.0/16", pools=[pool])
        ],
    )
    catalog = default_catalog()
    resolved, problems = validate_stacks([("gn8.py", stack)], catalog)
    assert problems == []
    assert resolved[0].clusters[0].pools[0].instance_type == TYPE
    render_stacks(resolved, tmp_path / "out", list(TARGETS), catalog, previous=None)
    rendered = [p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(TYPE in text for text in rendered)


def test_h20_pool_elsewhere_is_refused() -> None:
    pool = NodePool(name="h20", gpu="H20", gpus=1)
    stack = Stack(
        name="gn8",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="c", cloud="alicloud", region="cn-shanghai", cidr="10.0.0.0/16", pools=[pool]
            )
        ],
    )
    _, problems = validate_stacks([("gn8.py", stack)], default_catalog())
    assert [(p.path, p.message) for p in problems] == [
        (
            "clusters[0].pools[0].gpu",
            "H20 is not offered in Alibaba Cloud cn-shanghai (offered in: cn-beijing)",
        )
    ]
