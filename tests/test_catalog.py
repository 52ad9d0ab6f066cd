from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from infra.catalog import Catalog, default_catalog
from infra.errors import CatalogError

HEADER = (
    "instance_type,gpu,gpus,gpu_memory_gib,vcpus,memory_gib,rdma,rdma_gbps,region,"
    "price_usd_hour,boot_minutes\n"
)


def test_indexes(catalog: Catalog) -> None:
    assert catalog.clouds == ("alicloud", "aws", "azure")
    assert catalog.regions("aws") == ("us-east-1", "us-west-2")
    assert [o.instance_type for o in catalog.gpu_offers("aws", "us-east-1", "A10G")] == [
        "g5.12xlarge",
        "g5.48xlarge",
    ]
    assert catalog.offered_regions("aws", "p5.48xlarge") == ("us-east-1", "us-west-2")
    assert catalog.gpu_regions("aws", "H200") == ("us-west-2",)
    assert catalog.zones_of("azure", "eastus") == ("1", "2", "3")
    assert catalog.default_kubernetes_version("aws") == "1.33"
    assert catalog.offer("aws", "p5.48xlarge", "eu-west-1") is None


def test_partial_gpu_sizes_are_fractions(catalog: Catalog) -> None:
    offer = catalog.offer("azure", "Standard_NV6ads_A10_v5", "eastus")
    assert offer is not None
    assert offer.gpus == Fraction(1, 6)
    assert offer.whole_gpus == 0


def test_missing_price_is_none(catalog: Catalog) -> None:
    offer = catalog.offer("alicloud", "ecs.ebmgn7ex.32xlarge", "cn-beijing")
    assert offer is not None and offer.price_usd_hour is None


def write_cloud(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    (tmp_path / "aws.csv").write_text("# sources: test\n" + header + rows)
    return tmp_path


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ("x,,0,0,1,1,none,0,r,1,1\n", "a,b\n", "aws.csv: header must be"),
        ("x,,0,0,1,1,fast,0,r,1,1\n", HEADER, "aws.csv:3: rdma 'fast' not one of"),
        ("x,H100,0,0,1,1,none,0,r,1,1\n", HEADER, "aws.csv:3: gpu and gpus must both be set"),
        ("x,,0,0,1,1,none,0,r,1,1\nx,,0,0,1,1,none,0,r,1,1\n", HEADER, "aws.csv:4: duplicate row"),
        ("x,,0,0,1,1,none,0,r\n", HEADER, "aws.csv:3: wrong number of columns"),
        ("x,,0,0,one,1,none,0,r,1,1\n", HEADER, "aws.csv:3: invalid literal"),
    ],
)
def test_malformed_data_is_a_catalog_error(
    tmp_path: Path, rows: str, header: str, message: str
) -> None:
    with pytest.raises(CatalogError, match=message.replace("(", r"\(")):
        Catalog.from_directory(write_cloud(tmp_path, rows, header), clouds=["aws"])


def test_shipped_catalog_headers_name_sources_date_and_estimate_basis() -> None:
    shipped = default_catalog()
    for cloud in ("aws", "azure", "alicloud"):
        header = "\n".join(shipped.headers[cloud])
        assert "sources:" in header, cloud
        assert "retrieved: 2026" in header, cloud
        assert "boot_minutes: ESTIMATE" in header, cloud
        assert shipped.kubernetes_versions(cloud), cloud
        for region in shipped.regions(cloud):
            assert shipped.zones_of(cloud, region), (cloud, region)


def test_shipped_catalog_covers_the_main_gpus() -> None:
    shipped = default_catalog()
    offered = set(shipped.gpus)
    assert {"H100", "H200", "A100-80GB", "A100-40GB", "L40S", "L4", "A10G", "A10"} <= offered
    p5 = shipped.offer("aws", "p5.48xlarge", "us-east-1")
    assert p5 is not None
    assert (p5.gpu, p5.gpus, p5.rdma, p5.rdma_gbps) == ("H100", 8, "efa", 3200)
    nd = shipped.offer("azure", "Standard_ND96isr_H100_v5", "eastus")
    assert nd is not None and (nd.gpu, nd.gpus, nd.rdma) == ("H100", 8, "infiniband")
