"""Outages: enumeration, names, slugs and parse errors."""

from __future__ import annotations

import pytest

from infra import NodePool
from infra.dr.outages import Outage, OutageError, all_outages, cluster_outages, parse_outage
from infra.errors import UsageError
from infra.resolve import ResolvedStack
from tests.dr.conftest import MakeStack

SYSTEM = NodePool(name="system", instance_type="m7i.2xlarge", nodes=1)


@pytest.fixture
def three_regions(make_stack: MakeStack) -> ResolvedStack:
    return make_stack(
        [
            ("use1-a", "aws", "us-east-1", [SYSTEM], {}),
            ("use1-b", "aws", "us-east-1", [SYSTEM], {}),
            ("usw2", "aws", "us-west-2", [], {}),
            ("az", "azure", "eastus", [], {}),
        ],
        {"use1-a": ["usw2"]},
    )


def test_region_outages_group_clusters_of_a_region(three_regions: ResolvedStack) -> None:
    outages = all_outages(three_regions)
    assert [(o.id, o.clusters) for o in outages] == [
        ("aws:us-east-1", ("use1-a", "use1-b")),
        ("aws:us-west-2", ("usw2",)),
        ("azure:eastus", ("az",)),
    ]
    assert [o.slug for o in outages] == ["aws-us-east-1", "aws-us-west-2", "azure-eastus"]
    assert all(o.kind == "region" for o in outages)


def test_cloud_scope_adds_whole_clouds(three_regions: ResolvedStack) -> None:
    outages = all_outages(three_regions, "cloud")
    clouds = [o for o in outages if o.kind == "cloud"]
    assert [(o.id, o.slug, o.clusters) for o in clouds] == [
        ("aws", "cloud-aws", ("use1-a", "use1-b", "usw2")),
        ("azure", "cloud-azure", ("az",)),
    ]
    assert len(outages) == 5


def test_unknown_scope_is_a_usage_error(three_regions: ResolvedStack) -> None:
    with pytest.raises(UsageError, match="unknown scope 'zone'"):
        all_outages(three_regions, "zone")


def test_parse_every_form(three_regions: ResolvedStack) -> None:
    assert parse_outage(three_regions, "aws:us-east-1").clusters == ("use1-a", "use1-b")
    assert parse_outage(three_regions, "azure") == Outage("cloud", "azure", ("az",), "azure")
    cluster = parse_outage(three_regions, " use1-b ")
    assert (cluster.kind, cluster.clusters, cluster.slug) == (
        "cluster",
        ("use1-b",),
        "cluster-use1-b",
    )
    assert cluster.region == "us-east-1"
    assert [o.id for o in cluster_outages(three_regions)] == ["use1-a", "use1-b", "usw2", "az"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("use1-c", "s: unknown outage 'use1-c' (did you mean 'use1-"),
        ("aws:us-east-2", "s: unknown outage 'aws:us-east-2' (did you mean 'aws:us-"),
        ("alicloud", "s: unknown outage 'alicloud' ("),
        ("gcp:us-central1", "s: unknown outage 'gcp:us-central1' (allowed: "),
    ],
)
def test_unknown_outage_names_close_match_and_allowed(
    three_regions: ResolvedStack,
    text: str,
    expected: str,
) -> None:
    with pytest.raises(OutageError) as info:
        parse_outage(three_regions, text)
    message = str(info.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert "aws:us-west-2" in message and "azure" in message and "usw2" in message
    assert isinstance(info.value, UsageError)  # the CLI exits 2


def test_cluster_named_like_a_cloud_is_refused_not_guessed(make_stack: MakeStack) -> None:
    stack = make_stack([("aws", "aws", "us-east-1", [], {}), ("b", "aws", "us-west-2", [], {})])
    with pytest.raises(OutageError, match="both a cluster and a cloud"):
        parse_outage(stack, "aws")
    assert parse_outage(stack, "aws:us-east-1").clusters == ("aws",)
