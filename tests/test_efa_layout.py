"""Every EFA an RDMA type takes, laid out as the EC2 guide documents, in Terraform and Pulumi.

For every ``rdma = efa`` type of the AWS catalog: the layout infra computes (the module input
``efa_layout``, infra/clouds/aws/efa.py) has one EFA per network card the type takes
(``data/network.csv``), the primary ENA interface first; Terraform itself evaluates the module's
``local.pool_interfaces`` (the launch template's ``network_interfaces`` for_each) from that input;
and the Pulumi ``NodePools`` part, under Pulumi's mocks, registers launch templates with the same
interfaces. p5.48xlarge and p4d.24xlarge are held to the counts AWS documents; non-RDMA pools get
no interfaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.clouds.aws.efa import (
    EfaInterface,
    EfaLayoutError,
    efa_layout,
    layout_from_input,
    missing_facts_problem,
    network_facts,
    pool_layouts,
)
from tests.conftest import ROOT

MODULE = ROOT / "modules" / "aws-gpu-cluster"


def _efa_types() -> list[str]:
    """The ``rdma = efa`` types of the shipped catalog (not INFRA_CATALOG_DIR's)."""
    catalog = Catalog.from_directory(ROOT / "infra" / "catalog" / "data", clouds=["aws"])
    return sorted(
        t
        for t in catalog.instance_types("aws")
        if (offer := catalog.any_offer("aws", t)) is not None and offer.rdma == "efa"
    )


EFA_TYPES = _efa_types()


def _pool(instance_type: str, rdma: bool) -> dict[str, Any]:
    """A ``node_pools`` entry as infra/inputs.py pool_input writes one."""
    return {
        "instance_type": instance_type,
        "gpu": None,
        "gpus_per_node": 0,
        "min_nodes": 0,
        "desired_nodes": 1,
        "max_nodes": 2,
        "rdma": rdma,
        "spot": False,
        "workload": "training" if rdma else "system",
        "labels": {},
        "taints": [],
        "standby": False,
    }


def _pools() -> dict[str, Any]:
    """One RDMA pool per EFA type of the catalog (``e0``, ``e1``...) and a CPU system pool."""
    pools = {f"e{n}": _pool(t, rdma=True) for n, t in enumerate(EFA_TYPES)}
    pools["system"] = _pool("m7i.2xlarge", rdma=False)
    return pools


def _as_tuples(layout: Any) -> list[tuple[int, int, str]]:
    return [
        (int(i["network_card_index"]), int(i["device_index"]), i["interface_type"]) for i in layout
    ]


# -- the layout ----------------------------------------------------------------------------------


def test_the_catalog_has_efa_types() -> None:
    assert {"p5.48xlarge", "p4d.24xlarge"} <= set(EFA_TYPES)


@pytest.mark.parametrize("instance_type", EFA_TYPES)
def test_every_catalog_efa_type_gets_an_efa_on_every_card(instance_type: str) -> None:
    assert missing_facts_problem(instance_type) is None
    facts = network_facts()[instance_type]
    layout = efa_layout(instance_type)
    assert layout[0] == EfaInterface(0, 0, "interface")  # the primary is ENA, never EFA-only
    efas = [i for i in layout if i.is_efa]
    assert len(efas) == facts.max_efa_interfaces
    assert all(i.interface_type == "efa-only" for i in efas)
    cards = sorted(i.network_card_index for i in efas)
    # One EFA per network card (EC2 "EFA limitations"), card 0 only where it takes one.
    assert cards == list(range(0 if facts.card0_efa else 1, facts.network_cards))
    for i in efas:
        assert i.device_index == (1 if i.network_card_index == 0 else 0)
    assert layout == layout_from_input("p", [i.as_input() for i in layout])


def test_p5_48xlarge_is_the_ec2_guides_p5_use_case_1() -> None:
    # ENA on card 0 device 0, EFA-only on card 0 device 1 and on cards 1-31 device 0.
    assert [
        (i.network_card_index, i.device_index, i.interface_type) for i in efa_layout("p5.48xlarge")
    ] == [
        (0, 0, "interface"),
        (0, 1, "efa-only"),
        *((card, 0, "efa-only") for card in range(1, 32)),
    ]


@pytest.mark.parametrize(
    ("instance_type", "interfaces", "efas"),
    [
        ("p5.48xlarge", 33, 32),
        ("p5e.48xlarge", 33, 32),
        ("p5en.48xlarge", 17, 16),
        ("p4d.24xlarge", 5, 4),
        ("p6-b200.48xlarge", 9, 8),
        ("p6-b300.48xlarge", 17, 16),  # card 0 is ENA-only: no EFA on it
        ("g5.12xlarge", 2, 1),
    ],
)
def test_documented_counts(instance_type: str, interfaces: int, efas: int) -> None:
    layout = efa_layout(instance_type)
    assert (len(layout), sum(i.is_efa for i in layout)) == (interfaces, efas)


def test_a_type_without_facts_is_an_error_naming_it() -> None:
    with pytest.raises(EfaLayoutError, match=r"s/c/node_pools/x: instance type 'p9\.99xlarge'"):
        pool_layouts({"x": _pool("p9.99xlarge", rdma=True)}, where="s/c")
    assert pool_layouts({"x": _pool("p9.99xlarge", rdma=False)}, where="s/c") == {}


def test_cluster_inputs_carry_the_layout_of_rdma_pools_only() -> None:
    pools = _pools()
    inputs = CLOUDS["aws"].cluster_inputs("s", "o", "c", pools)
    layouts = inputs["efa_layout"]
    assert isinstance(layouts, Mapping)
    assert sorted(layouts) == sorted(k for k, p in pools.items() if p["rdma"])
    for key, layout in layouts.items():
        assert _as_tuples(layout) == _as_tuples(
            [i.as_input() for i in efa_layout(pools[key]["instance_type"])]
        )
    plain = CLOUDS["aws"].cluster_inputs("s", "o", "c", {"system": pools["system"]})
    assert "efa_layout" not in plain  # no RDMA pool: the module default ({}) stays


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"network_card_index": 0, "device_index": 0, "interface_type": "efa-only"}], "efa-only"),
        ([{"network_card_index": 1, "device_index": 0, "interface_type": "efa-only"}], "card 0"),
        ([{"network_card_index": 0, "device_index": 0, "interface_type": "ena"}], "allowed"),
        (
            [
                {"network_card_index": 0, "device_index": 0, "interface_type": "interface"},
                {"network_card_index": 0, "device_index": 0, "interface_type": "efa-only"},
            ],
            "repeat",
        ),
    ],
)
def test_layout_input_refuses_what_ec2_refuses(raw: list[dict[str, object]], message: str) -> None:
    with pytest.raises(EfaLayoutError, match=message):
        layout_from_input("p", raw)


# -- Terraform evaluates the module's own expression -------------------------------------------


def _block(text: str, start: str) -> str:
    """The text from ``start`` to its balanced closing bracket (``{``/``(``/``[``)."""
    at = text.index(start)
    depth, i = 0, at
    while True:
        char = text[i]
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
            if depth == 0:
                return text[at : i + 1]
        i += 1


def _evaluation_module(tmp: Path) -> Path:
    """A provider-free root: the module's node_pools and efa_layout variables (with their
    validations) and its efa_fallback and pool_interfaces locals, verbatim, and an output."""
    variables = (MODULE / "variables.tf").read_text()
    node_groups = (MODULE / "node_groups.tf").read_text()
    fallback = re.search(r"^  efa_fallback = .*$", node_groups, re.M)
    assert fallback, "node_groups.tf: local.efa_fallback is gone"
    root = tmp / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        "\n".join(
            [
                _block(variables, 'variable "node_pools" {'),
                _block(variables, 'variable "efa_layout" {'),
                "locals {",
                fallback.group(0),
                "  " + _block(node_groups, "pool_interfaces = {"),
                "}",
                'output "pool_interfaces" {\n  value = local.pool_interfaces\n}',
            ]
        )
    )
    return root


def _launch_template_block() -> str:
    return _block(
        (MODULE / "node_groups.tf").read_text(), 'resource "aws_launch_template" "pool" {'
    )


def test_the_launch_template_iterates_the_evaluated_local() -> None:
    block = _block(_launch_template_block(), 'dynamic "network_interfaces" {')
    assert "for_each = local.pool_interfaces[each.key]" in block
    for attribute in ("network_card_index", "device_index", "interface_type"):
        assert re.search(rf"{attribute}\s+= network_interfaces\.value\.{attribute}\n", block)


def test_terraform_creates_the_layouts_interfaces(
    terraform: tuple[str, ...], tmp_path: Path
) -> None:
    from tests.terraform.conftest import run_terraform

    root = _evaluation_module(tmp_path)
    pools = _pools()
    inputs = CLOUDS["aws"].cluster_inputs("s", "o", "c", pools)
    (root / "terraform.tfvars.json").write_text(
        json.dumps({"node_pools": pools, "efa_layout": inputs["efa_layout"]})
    )
    run_terraform(terraform, root, "init", "-backend=false", "-input=false")
    run_terraform(terraform, root, "apply", "-auto-approve", "-input=false")
    out = json.loads(run_terraform(terraform, root, "output", "-json").stdout)
    evaluated = out["pool_interfaces"]["value"]
    for key, pool in pools.items():
        expected = [i.as_input() for i in efa_layout(pool["instance_type"])] if pool["rdma"] else []
        assert _as_tuples(evaluated[key]) == _as_tuples(expected), key
    assert _as_tuples(evaluated["e0"])  # RDMA pools do get interfaces

    # The module's validation refuses an EFA-only primary interface.
    bad = {"e0": [{"network_card_index": 0, "device_index": 0, "interface_type": "efa-only"}]}
    (root / "terraform.tfvars.json").write_text(
        json.dumps({"node_pools": pools, "efa_layout": bad})
    )
    refused = run_terraform(terraform, root, "plan", "-input=false", check=False)
    assert refused.returncode != 0 and "cannot be efa-only" in refused.stderr


# -- Pulumi: the NodePools part ------------------------------------------------------------------


def test_pulumi_node_pools_create_the_layouts_interfaces() -> None:
    pytest.importorskip(
        "pulumi_aws", reason="pulumi_aws is not installed: pip install 'infra[pulumi]'"
    )
    from infra.pulumi.program import ClusterDocument, StackDocument, create_clusters
    from tests.pulumi.mocks import run_under_mocks

    pools = _pools()
    inputs: dict[str, Any] = {
        "name": "s-c",
        "region": "us-east-1",
        "cidr": "10.10.0.0/16",
        "zones": ["us-east-1a", "us-east-1b"],
        "kubernetes_version": "1.33",
        "node_pools": pools,
        **CLOUDS["aws"].cluster_inputs("s", "o", "c", pools),
    }
    document = StackDocument("s", "dev", "o", (ClusterDocument("c", "aws", "us-east-1", inputs),))
    recorder = run_under_mocks(lambda: create_clusters(document), "s", "dev")
    templates = {
        r.inputs["namePrefix"]: r.inputs
        for r in recorder.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    }
    assert len(templates) == len(pools)
    for key, pool in pools.items():
        interfaces = templates[f"s-c-{key}-"].get("networkInterfaces") or []
        got = [(i["networkCardIndex"], i["deviceIndex"], i["interfaceType"]) for i in interfaces]
        layout = efa_layout(pool["instance_type"]) if pool["rdma"] else ()
        assert got == [(i.network_card_index, i.device_index, i.interface_type) for i in layout], (
            key
        )
        for i in interfaces:
            assert len(i["securityGroups"]) == 2  # the cluster's and the EFA group
    p5 = next(k for k, p in pools.items() if p["instance_type"] == "p5.48xlarge")
    p5_interfaces = templates[f"s-c-{p5}-"]["networkInterfaces"]
    assert sum(i["interfaceType"] == "efa-only" for i in p5_interfaces) == 32
