"""The Kubernetes calendars (infra/catalog/data/<cloud>_kubernetes.csv) drive validation: a
version past its end is an error naming the date, one within 90 days of it a warning naming the
date, the default the newest version offered that day. "Today" is pinned in every test."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from infra.catalog import Catalog, default_catalog
from infra.errors import CatalogError
from infra.model import Cluster, NodePool, Stack
from infra.resolve import ResolvedStack
from infra.validate import KUBERNETES_WARNING_DAYS, kubernetes_warnings, validate_stacks
from tests.conftest import ROOT, run_cli

SHIPPED = Path(__file__).resolve().parents[1] / "infra" / "catalog" / "data"
HEADER = "version,status,release,end_of_standard_support,end_of_extended_support\n"
# The test fixture's AKS calendar has no extended support; 1.34 ends on this day.
AKS_END = date(2099, 11, 30)


def _stack(cloud: str, region: str, version: str | None) -> Stack:
    pool = NodePool(name="sys", instance_type="Standard_D4s_v5", nodes=1)
    if cloud == "aws":
        pool = NodePool(name="sys", instance_type="m7i.2xlarge", nodes=1)
    return Stack(
        name="k",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="c",
                cloud=cloud,
                region=region,
                cidr="10.0.0.0/16",
                pools=[pool],
                kubernetes_version=version,
            )
        ],
    )


def _validate(
    catalog: Catalog, version: str | None, today: date, cloud: str = "azure"
) -> tuple[list[ResolvedStack], list[str]]:
    region = "eastus" if cloud == "azure" else "us-east-1"
    resolved, problems = validate_stacks([("k.py", _stack(cloud, region, version))], catalog, today)
    return resolved, [str(p) for p in problems]


def test_past_end_is_an_error_naming_the_date(catalog: Catalog) -> None:
    _, problems = _validate(catalog, "1.34", AKS_END + timedelta(days=1))
    assert problems == [
        "k.py: k/clusters[0].kubernetes_version: Kubernetes 1.34 reached the end of AKS standard "
        "support on 2099-11-30 (no version is offered on 2099-12-01)"
    ]


def test_the_end_day_itself_is_past_support(catalog: Catalog) -> None:
    _, problems = _validate(catalog, "1.34", AKS_END)
    assert len(problems) == 1 and "on 2099-11-30" in problems[0]


@pytest.mark.parametrize(
    ("days_left", "warned"),
    [
        (1, True),
        (KUBERNETES_WARNING_DAYS, True),
        (KUBERNETES_WARNING_DAYS + 1, False),
        (400, False),
    ],
)
def test_warning_within_90_days(catalog: Catalog, days_left: int, warned: bool) -> None:
    today = AKS_END - timedelta(days=days_left)
    resolved, problems = _validate(catalog, "1.34", today)
    assert problems == [] and len(resolved) == 1
    warnings = [str(w) for w in kubernetes_warnings(resolved, catalog, today)]
    expected = [
        f"k.py: k/clusters[0].kubernetes_version: Kubernetes 1.34 reaches the end of AKS support "
        f"on 2099-11-30 ({days_left} days)"
    ]
    assert warnings == (expected if warned else [])


def test_extended_support_is_a_warning_then_an_error(catalog: Catalog) -> None:
    """EKS (fixture: 1.33 standard support to 2099-07-29, extended to 2100-07-29)."""
    today = date(2099, 8, 1)
    resolved, problems = _validate(catalog, "1.33", today, cloud="aws")
    assert problems == []
    (warning,) = kubernetes_warnings(resolved, catalog, today)
    assert "left EKS standard support on 2099-07-29" in str(warning)
    assert "ends on 2100-07-29" in str(warning)
    _, problems = _validate(catalog, "1.33", date(2100, 7, 29), cloud="aws")
    assert "reached the end of EKS extended support on 2100-07-29" in problems[0]


def test_unknown_and_unreleased_versions(catalog: Catalog) -> None:
    _, problems = _validate(catalog, "1.99", date(2030, 1, 1))
    assert problems == [
        "k.py: k/clusters[0].kubernetes_version: Kubernetes '1.99' is not supported by AKS "
        "(allowed: 1.33, 1.34)"
    ]
    _, problems = _validate(catalog, "1.34", date(2025, 10, 31))
    assert "not released on AKS yet (release date 2025-11-01)" in problems[0]


def test_default_is_newest_offered_that_day(catalog: Catalog) -> None:
    resolved, _ = _validate(catalog, None, date(2030, 1, 1))
    assert resolved[0].clusters[0].kubernetes_version == "1.34"
    resolved, _ = _validate(catalog, None, date(2025, 10, 1))  # 1.34 not yet released
    assert resolved[0].clusters[0].kubernetes_version == "1.33"
    _, problems = _validate(catalog, None, date(2101, 1, 1))
    assert problems == [
        "k.py: k/clusters[0].kubernetes_version: the catalog lists no AKS version offered on "
        "2101-01-01"
    ]


def test_shipped_calendars_on_2026_12_02() -> None:
    """The issue's facts on the day this calendar was written."""
    shipped = default_catalog()
    day = date(2026, 12, 2)
    assert shipped.default_kubernetes_version("aws", day) == "1.36"
    assert shipped.default_kubernetes_version("azure", day) == "1.37"
    assert shipped.default_kubernetes_version("alicloud", day) == "1.36"
    assert "1.34" not in shipped.kubernetes_versions("azure", day)  # AKS EOL 2026-11-30
    assert "1.34" not in shipped.kubernetes_versions("alicloud", day)  # ACK EOS 2026-09-30
    assert "1.34" in shipped.kubernetes_versions("aws", day)  # EKS extended support
    # Past versions stay in the files with their dates.
    assert shipped.kubernetes_version("aws", "1.31") is not None


def test_shipped_calendars_are_not_stale() -> None:
    """Fails in CI once a file's own dates say it is out of date (see Catalog.stale_kubernetes)."""
    assert default_catalog().stale_kubernetes(date.today()) == ()


def _calendar(tmp_path: Path, rows: str) -> Catalog:
    for name in ("aws.csv", "aws_zones.csv"):
        (tmp_path / name).write_text((SHIPPED / name).read_text())
    (tmp_path / "aws_kubernetes.csv").write_text("# test\n" + HEADER + rows)
    return Catalog.from_directory(tmp_path)


def test_staleness_check_fails_when_a_planned_version_is_due(tmp_path: Path) -> None:
    catalog = _calendar(
        tmp_path,
        "1.36,released,2026-06-02,2027-08-02,2028-08-02\n"
        "1.37,planned,2026-11-01,2028-01-01,2029-01-01\n",
    )
    assert catalog.stale_kubernetes(date(2026, 10, 31)) == ()
    problems = catalog.stale_kubernetes(date(2026, 11, 1))
    assert problems == (
        "aws_kubernetes.csv: 1.37 is planned for 2026-11-01, which has passed (confirm it in the "
        "cloud's calendar and mark it released)",
        "aws_kubernetes.csv: newest released version 1.36 is older than 1.37, released 2026-11-01",
    )
    assert "1.37" not in catalog.kubernetes_versions("aws", date(2026, 12, 1))
    stack = _stack("aws", "us-east-1", "1.37")
    _, errors = validate_stacks([("k.py", stack)], catalog, date(2026, 12, 1))
    assert "Kubernetes 1.37 is not released on EKS yet (planned for 2026-11-01)" in str(errors[0])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1.36,beta,2026-06-02,2027-08-02,\n", "status 'beta' not one of released, planned"),
        ("1.36,released,June 2026,2027-08-02,\n", "Invalid isoformat string"),
        ("1.36,released,2027-09-01,2027-08-02,\n", "dates out of order"),
        ("1.36,released,2026-06-02,2027-08-02,2027-01-01\n", "dates out of order"),
    ],
)
def test_bad_calendar_rows(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as info:
        _calendar(tmp_path, row)
    assert str(info.value).startswith("aws_kubernetes.csv:3: ")


def test_validate_prints_the_warning_and_succeeds(tmp_path: Path) -> None:
    # The whole command, on today's date: a calendar whose 1.34 ends in 30 days.
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "tests" / "data" / "catalog", catalog)
    end = date.today() + timedelta(days=30)
    (catalog / "azure_kubernetes.csv").write_text(
        f"# test calendar\n{HEADER}1.34,released,2025-11-01,{end.isoformat()},\n"
    )
    stack = tmp_path / "k.py"
    stack.write_text(
        "from infra import Cluster, NodePool, Stack\n"
        "stack = Stack(name='k', owner='ml', environment='prod', clusters=[Cluster(name='c',\n"
        "    cloud='azure', region='eastus', cidr='10.0.0.0/16', kubernetes_version='1.34',\n"
        "    pools=[NodePool(name='sys', instance_type='Standard_D4s_v5', nodes=1)])])\n"
    )
    result = run_cli("validate", str(stack), catalog_dir=catalog)
    assert result.returncode == 0, result.stderr
    (line,) = [w for w in result.stderr.splitlines() if w.startswith("warning:")]
    assert line.startswith(f"warning: {stack}: k/clusters[0].kubernetes_version: ")
    assert end.isoformat() in line
    as_json = run_cli("validate", str(stack), "--json", catalog_dir=catalog)
    (warning,) = json.loads(as_json.stdout)["warnings"]
    assert warning["path"] == "clusters[0].kubernetes_version"
