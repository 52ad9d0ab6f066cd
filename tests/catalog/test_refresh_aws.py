"""``infra catalog refresh --cloud aws`` end to end: boto3 against moto (EC2 instance types and
offerings, tools/endpoints/aws.py) behind a small local front that answers the Price List API
(moto 5.2.5 has no ``pricing``) in GetProducts' real shape, and DescribeSpotPriceHistory in
EC2's XML shape (moto answers every type and zone at 0.00001), paged by ``nextToken``, and
passes every other call on."""

from __future__ import annotations

import argparse
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from infra.catalog import Catalog, SpotPrice, default_catalog
from infra.catalog.refresh import data_directory
from infra.catalog.refresh_cli import configure
from infra.errors import CatalogError, UsageError

pytest.importorskip("moto.server", reason="moto[server] is not installed")
from tools.endpoints.aws import AwsEndpoint

CLOUD = "aws"
REGION = "us-east-1"
SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAREFRESHTEST00001",
    "AWS_SECRET_ACCESS_KEY": "refresh-secret-never-echoed-0123456",
}
NOT_OFFERED = "g6.xlarge"  # taken out of us-east-1's offerings: a removed row
RAISED, NUDGED = "p5.48xlarge", "g5.xlarge"
NEW_PRICE = 12.34


def _new_type() -> str:
    """A GPU type aws.csv has in another region but not in us-east-1: offered there in moto
    (``set_offer``), so the refresh adds it."""
    catalog = default_catalog()
    for kind in catalog.instance_types(CLOUD):
        elsewhere = catalog.any_offer(CLOUD, kind)
        if catalog.offer(CLOUD, kind, REGION) is None and elsewhere and elsewhere.gpu:
            return kind
    raise AssertionError("aws.csv has every GPU type in us-east-1")


NEW = _new_type()


def _prices() -> dict[tuple[str, str], float]:
    """The current file's prices, one raised 10 % (over the 5 % threshold), one 2 % (under),
    and one for a type the file lacks."""
    prices = {
        (o.instance_type, o.region): o.price_usd_hour
        for o in default_catalog().find(cloud=CLOUD)
        if o.price_usd_hour is not None
    }
    prices[(RAISED, REGION)] = round(prices[(RAISED, REGION)] * 1.10, 4)
    prices[(NUDGED, REGION)] = round(prices[(NUDGED, REGION)] * 1.02, 4)
    prices[(NEW, REGION)] = NEW_PRICE
    return prices


SPOT_PAGE = 7  # items a DescribeSpotPriceHistory page: the client must follow nextToken
SPOT_RAISED = {"us-east-1a": 30.0, "us-east-1b": 60.0, "us-east-1c": 70.0}  # p5.48xlarge
NEW_SPOT = {"us-east-1a": 9.5, "us-east-1d": 8.25}


def _spot_items() -> dict[str, list[dict[str, str]]]:
    """Per type, the SpotPriceHistory items of us-east-1: each aws_spot.csv row as its lowest
    and highest zone (zones a and b), p5.48xlarge moved (with an older, superseded item, a
    Local Zone item and a Windows item the refresh must ignore), the new type priced, and
    g5.xlarge with none (its spot row goes)."""
    catalog = default_catalog()
    items: dict[str, list[dict[str, str]]] = {}

    def add(kind: str, zone: str, price: float, *, when: str = "2026-12-03T10:00:00.000Z",
            os: str = "Linux/UNIX") -> None:  # fmt: skip
        items.setdefault(kind, []).append(
            {
                "instanceType": kind,
                "productDescription": os,
                "spotPrice": f"{price:.6f}",
                "timestamp": when,
                "availabilityZone": zone,
            }
        )

    for (_, kind, region), spot in sorted(catalog.spot_prices.items()):
        if region != REGION or kind in (RAISED, NUDGED):
            continue
        add(kind, "us-east-1a", spot.min_usd_hour, os="Linux/UNIX (Amazon VPC)")
        add(kind, "us-east-1b", spot.max_usd_hour)
    add(RAISED, "us-east-1c", 5.0, when="2026-12-01T00:00:00.000Z")  # superseded below
    for zone, price in SPOT_RAISED.items():
        add(RAISED, zone, price)
    add(RAISED, "us-east-1-atl-2a", 1.0)  # a Local Zone
    add(RAISED, "us-east-1d", 2.0, os="Windows")
    for zone, price in NEW_SPOT.items():
        add(NEW, zone, price)
    return items


def _product(instance_type: str, region: str, usd: float) -> str:
    """One PriceList item as GetProducts returns it (a JSON string)."""
    sku = f"SKU{abs(hash((instance_type, region))) % 10**8:08d}"
    return json.dumps(
        {
            "product": {
                "productFamily": "Compute Instance",
                "attributes": {
                    "instanceType": instance_type,
                    "regionCode": region,
                    "operatingSystem": "Linux",
                    "tenancy": "Shared",
                    "preInstalledSw": "NA",
                    "capacitystatus": "Used",
                    "licenseModel": "No License required",
                    "servicecode": "AmazonEC2",
                },
                "sku": sku,
            },
            "serviceCode": "AmazonEC2",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": "Hrs",
                                "pricePerUnit": {"USD": f"{usd:.10f}"},
                                "description": f"${usd} per On Demand Linux {instance_type}",
                            }
                        },
                        "sku": sku,
                        "offerTermCode": "JRTCKXETXF",
                    }
                }
            },
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z",
        }
    )


class _Front(BaseHTTPRequestHandler):
    """Price List calls answered here; a region in ``failing`` answers EC2's error; the rest
    goes to moto unchanged."""

    upstream = ""
    prices: ClassVar[dict[tuple[str, str], float]] = {}
    failing: ClassVar[set[str]] = set()
    pricing_calls: ClassVar[list[dict[str, str]]] = []
    spot: ClassVar[dict[str, list[dict[str, str]]]] = {}
    spot_calls: ClassVar[list[dict[str, list[str]]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target") or ""
        if target.startswith("AWSPriceListService."):
            self._pricing(target, body)
            return
        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", self.headers["Authorization"])
        if scope and scope.group(2) == "ec2" and scope.group(1) in self.failing:
            self._send(
                403,
                b"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error>"
                b"<Code>UnauthorizedOperation</Code><Message>You are not authorized to perform "
                b"this operation.</Message></Error></Errors><RequestID>1</RequestID></Response>",
                "text/xml",
            )
            return
        form = urllib.parse.parse_qs(body.decode())
        if form.get("Action") == ["DescribeSpotPriceHistory"]:
            self._spot(form, scope.group(1) if scope else "")
            return
        request = urllib.request.Request(
            self.upstream + self.path,
            data=body,
            method="POST",
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                self._send(answer.status, answer.read(), answer.headers["Content-Type"])
        except urllib.error.HTTPError as error:
            self._send(error.code, error.read(), error.headers["Content-Type"])

    def _pricing(self, target: str, body: bytes) -> None:
        request = json.loads(body)
        if target != "AWSPriceListService.GetProducts" or request.get("ServiceCode") != "AmazonEC2":
            self._send(400, b'{"__type":"InvalidParameterException"}', "application/x-amz-json-1.1")
            return
        terms = {f["Field"]: f["Value"] for f in request.get("Filters", [])}
        type(self).pricing_calls.append(terms)
        wanted = (terms.get("instanceType", ""), terms.get("regionCode", ""))
        fixed = {
            "operatingSystem": "Linux",
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
            "licenseModel": "No License required",
        }
        matches = all(terms.get(k) == v for k, v in fixed.items()) and wanted in self.prices
        items = [_product(*wanted, self.prices[wanted])] if matches else []
        document = {"FormatVersion": "aws_v1", "PriceList": items}
        self._send(200, json.dumps(document).encode(), "application/x-amz-json-1.1")

    def _spot(self, form: dict[str, list[str]], region: str) -> None:
        type(self).spot_calls.append(form)
        kinds = {v[0] for k, v in form.items() if k.startswith("InstanceType.")}
        systems = {v[0] for k, v in form.items() if k.startswith("ProductDescription.")}
        found = [
            item
            for kind in sorted(kinds)
            for item in (self.spot.get(kind, []) if region == REGION else [])
            if not systems or item["productDescription"] in systems
        ]
        start = int((form.get("NextToken") or ["0"])[0])
        page = found[start : start + SPOT_PAGE]
        rows = "".join(
            "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>"
            for item in page
        )
        token = str(start + SPOT_PAGE) if start + SPOT_PAGE < len(found) else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            f"<requestId>spot-{start}</requestId><spotPriceHistorySet>{rows}"
            f"</spotPriceHistorySet><nextToken>{token}</nextToken>"
            "</DescribeSpotPriceHistoryResponse>"
        )
        self._send(200, body.encode(), "text/xml;charset=UTF-8")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[type[_Front]]:
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in SECRETS.items():
            patch.setenv(key, value)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            patch.delenv(key, raising=False)
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            patch.delenv(key, raising=False)
        with AwsEndpoint({}, checkpoint_every=None) as moto:
            moto.set_offer(REGION, NOT_OFFERED, [])
            moto.set_offer(REGION, NEW, [f"{REGION}a"])
            handler: type[_Front] = type(
                "Front",
                (_Front,),
                {
                    "upstream": moto.url,
                    "prices": _prices(),
                    "failing": set(),
                    "pricing_calls": [],
                    "spot": _spot_items(),
                    "spot_calls": [],
                },
            )
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
            try:
                yield handler
            finally:
                server.shutdown()
                server.server_close()


def _run(argv: list[str]) -> tuple[int, list[str]]:
    parser = argparse.ArgumentParser(prog="infra catalog refresh")
    configure(parser)
    args = parser.parse_args(argv)
    lines: list[str] = []
    code = args.handler(args, lines.append)
    return code, lines


def test_refresh_rebuilds_the_region_and_prints_the_diff(front: Any, tmp_path: Path) -> None:
    before = (data_directory() / "aws.csv").read_bytes()
    code, lines = _run(
        [
            "--cloud",
            CLOUD,
            "--region",
            REGION,
            "--out",
            str(tmp_path),
            "--endpoint",
            f"aws={front.url}",
        ]
    )
    assert code == 0
    assert f"+ {NEW} {REGION}" in lines
    assert f"- {NOT_OFFERED} {REGION}" in lines
    raised = [line for line in lines if line.startswith(f"~ {RAISED} {REGION}:")]
    assert len(raised) == 1 and "(+10.0 %)" in raised[0]
    assert not any(line.startswith(f"~ {NUDGED} ") for line in lines)  # 2 % < 5 %
    assert lines[-1] == f"wrote {tmp_path / 'aws.csv'}"
    assert (data_directory() / "aws.csv").read_bytes() == before  # --out: packaged file kept

    catalog, old = Catalog.from_directory(tmp_path, [CLOUD]), default_catalog()
    # The new row's specs come from moto's EC2 data (real DescribeInstanceTypes answers) and
    # agree with the file's row of the type in another region.
    new, elsewhere = catalog.offer(CLOUD, NEW, REGION), old.any_offer(CLOUD, NEW)
    assert new is not None and elsewhere is not None
    fields = ("gpu", "gpus", "gpu_memory_gib", "vcpus", "memory_gib", "rdma", "rdma_gbps")
    assert {f: getattr(new, f) for f in fields} == {f: getattr(elsewhere, f) for f in fields}
    assert new.price_usd_hour == NEW_PRICE and new.boot_minutes == elsewhere.boot_minutes
    big = catalog.offer(CLOUD, RAISED, REGION)
    assert big is not None and big.rdma_gbps == 3200 and big.gpu_memory_gib == 80
    nudged = catalog.offer(CLOUD, NUDGED, REGION)
    assert nudged is not None and nudged.price_usd_hour == front.prices[(NUDGED, REGION)]
    assert catalog.offer(CLOUD, NOT_OFFERED, REGION) is None
    # Other regions and the system-pool CPU types are kept as they were.
    assert catalog.find(cloud=CLOUD, region="eu-west-1") == old.find(
        cloud=CLOUD, region="eu-west-1"
    )
    cpu = [o for o in old.find(cloud=CLOUD, region=REGION) if not o.gpu]
    assert cpu and all(catalog.offer(CLOUD, o.instance_type, REGION) == o for o in cpu)
    header = catalog.headers[CLOUD]
    assert header[: len(old.headers[CLOUD])] == old.headers[CLOUD]
    assert header[-1].startswith("refreshed: ") and "DescribeInstanceTypes" in header[-1]
    assert not list(tmp_path.glob(".*.tmp"))
    assert all(c["regionCode"] == REGION for c in front.pricing_calls)
    # The refreshed region's prices carry the refresh's date; the CPU rows kept their old one.
    day = header[-1].split()[1]
    assert catalog.price_info(CLOUD, RAISED, REGION)[0] == day
    assert "GetProducts" in catalog.price_info(CLOUD, RAISED, REGION)[1]
    assert catalog.price_info(CLOUD, RAISED, "eu-west-1") == old.price_info(CLOUD, RAISED)
    assert catalog.price_info(CLOUD, cpu[0].instance_type, REGION) == old.price_info(
        CLOUD, cpu[0].instance_type, REGION
    )


def test_refresh_rebuilds_the_region_spot_rows(front: Any, tmp_path: Path) -> None:
    front.spot_calls.clear()
    code, lines = _run(
        ["--cloud", CLOUD, "--region", REGION, "--out", str(tmp_path),
         "--endpoint", f"aws={front.url}"]
    )  # fmt: skip
    assert code == 0
    catalog, old = Catalog.from_directory(tmp_path, [CLOUD]), default_catalog()
    # Newest item per standard zone; the Local Zone, Windows and superseded items are ignored.
    assert catalog.spot(CLOUD, RAISED, REGION) == SpotPrice(30.0, 70.0, 3)
    assert catalog.spot(CLOUD, NEW, REGION) == SpotPrice(8.25, 9.5, 2)
    assert catalog.spot(CLOUD, NUDGED, REGION) is None  # no spot price now: the row goes
    assert catalog.spot(CLOUD, NOT_OFFERED, REGION) is None
    kept = catalog.spot(CLOUD, "g6e.48xlarge", REGION)
    before = old.spot(CLOUD, "g6e.48xlarge", REGION)
    assert kept is not None and before is not None and kept.zones == 2
    assert (kept.min_usd_hour, kept.max_usd_hour) == (before.min_usd_hour, before.max_usd_hour)
    # Other regions' spot rows are kept as they were.
    for (cloud, kind, region), spot in old.spot_prices.items():
        if cloud == CLOUD and region != REGION:
            assert catalog.spot(CLOUD, kind, region) == spot
    assert f"+ spot {NEW} {REGION}" in lines
    assert f"- spot {NUDGED} {REGION}" in lines and f"- spot {NOT_OFFERED} {REGION}" in lines
    moved = [line for line in lines if line.startswith(f"~ spot {RAISED} {REGION}:")]
    assert moved == [f"~ spot {RAISED} {REGION}: highest zone price 55.04 -> 70 (+27.2 %)"]
    summary = [line for line in lines if line.startswith(f"{CLOUD} spot: ")]
    assert summary == [f"{CLOUD} spot: 1 added, 2 removed, 1 price changes over 5 %"]
    # Paged: more items than a page, every call for the refreshed region and Linux only.
    assert len(front.spot_calls) > 1 and any("NextToken" in c for c in front.spot_calls)
    assert all(
        {v[0] for k, v in c.items() if k.startswith("ProductDescription.")}
        == {"Linux/UNIX", "Linux/UNIX (Amazon VPC)"}
        for c in front.spot_calls
    )
    day = catalog.headers[CLOUD][-1].split()[1]
    assert catalog.spot_info(CLOUD, RAISED, REGION)[0] == day
    assert "DescribeSpotPriceHistory" in catalog.spot_info(CLOUD, RAISED, REGION)[1]
    assert catalog.spot_info(CLOUD, RAISED, "eu-west-1") == old.spot_info(CLOUD, RAISED)
    spot_header = catalog.spot_headers[CLOUD]
    assert spot_header[-1].startswith("refreshed: ") and "spot rows" in spot_header[-1]


def test_a_failing_region_writes_nothing_and_names_it(front: Any, tmp_path: Path) -> None:
    front.failing = {"us-west-2"}
    try:
        with pytest.raises(CatalogError) as caught:
            _run(
                [
                    "--cloud", CLOUD, "--region", REGION, "--region", "us-west-2",
                    "--out", str(tmp_path), "--endpoint", f"aws={front.url}",
                ]
            )  # fmt: skip
    finally:
        front.failing = set()
    message = str(caught.value)
    assert message.startswith("refresh: aws/us-west-2: ") and "UnauthorizedOperation" in message
    assert "\n" not in message and "nothing written" in message
    assert SECRETS["AWS_SECRET_ACCESS_KEY"] not in message
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown cloud 'gcp'"):
        _run(["--cloud", "gcp", "--out", str(tmp_path)])
    with pytest.raises(UsageError, match="expected CLOUD=URL"):
        _run(["--cloud", CLOUD, "--out", str(tmp_path), "--endpoint", "aws"])
    with pytest.raises(UsageError, match="--threshold"):
        _run(["--cloud", CLOUD, "--out", str(tmp_path), "--threshold", "-1"])
