"""The cloud-neutral parts of ``infra catalog refresh``: the diff and its threshold, the
atomic write, the rendered file loading unchanged, GPU names."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from infra.catalog import Catalog, Offer, default_catalog
from infra.catalog.refresh import (
    REFRESHED_PREFIX,
    FetchedOffer,
    canonical_gpu,
    data_directory,
    diff,
    refresh,
    render,
    write_atomically,
)
from tests.catalog.sources import fetched

CLOUD = "aws"


def _rows() -> list[Offer]:
    return list(default_catalog().find(cloud=CLOUD))


def _price(offer: Offer) -> float:
    assert offer.price_usd_hour is not None
    return offer.price_usd_hour


def test_the_threshold_is_exclusive_and_appearing_prices_always_count() -> None:
    old = [o for o in _rows() if o.price_usd_hour][:4]
    new = [
        replace(old[0], price_usd_hour=round(_price(old[0]) * 1.05, 10)),
        replace(old[1], price_usd_hour=_price(old[1]) * 0.94),
        replace(old[2], price_usd_hour=None),
        old[3],
    ]
    changes = diff(old, new, 5.0)
    moved = {(c.instance_type, c.region) for c in changes.price_changes}
    assert (old[0].instance_type, old[0].region) not in moved  # exactly 5 %: not over
    assert (old[1].instance_type, old[1].region) in moved  # -6 %
    assert (old[2].instance_type, old[2].region) in moved  # price gone
    assert not changes.added and not changes.removed
    assert diff(old, new, 0.0).price_changes[0].instance_type == old[0].instance_type


def test_added_and_removed_are_per_type_and_region() -> None:
    rows = _rows()
    moved = replace(rows[0], region="xx-test-1")
    changes = diff(rows, [moved, *rows[1:]], 5.0)
    assert changes.added == ((moved.instance_type, "xx-test-1"),)
    assert changes.removed == ((rows[0].instance_type, rows[0].region),)
    lines = changes.lines(CLOUD, 5.0)
    assert lines[0] == f"+ {moved.instance_type} xx-test-1"
    assert lines[-1] == "aws: 1 added, 1 removed, 0 price changes over 5 %"


def test_the_rendered_file_loads_to_the_same_rows(tmp_path: Path) -> None:
    catalog = default_catalog()
    text = render(catalog.headers[CLOUD], _rows(), f"{REFRESHED_PREFIX} 2026-12-02 by a test")
    (tmp_path / "aws.csv").write_text(text, encoding="utf-8")
    again = Catalog.from_directory(tmp_path, [CLOUD])
    assert sorted(again.offers, key=repr) == sorted(_rows(), key=repr)
    assert again.headers[CLOUD][-1] == f"{REFRESHED_PREFIX} 2026-12-02 by a test"
    # A second refresh replaces the refreshed line instead of adding one.
    twice = render(again.headers[CLOUD], _rows(), f"{REFRESHED_PREFIX} 2026-12-03 by a test")
    assert twice.count(REFRESHED_PREFIX) == 1 and "2026-12-03" in twice


def test_the_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "aws.csv"
    target.write_text("old\n", encoding="utf-8")

    def broken(source: str, destination: str) -> None:
        assert Path(source).parent == tmp_path and Path(source).read_text() == "new\n"
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk gone"):
        write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws.csv"]  # no temporary left
    monkeypatch.undo()
    write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert (data_directory() / "aws.csv").is_file()


@pytest.mark.parametrize(
    ("name", "memory", "expected"),
    [
        ("A100", 40.0, "A100-40GB"),
        ("NVIDIA A100", 80.0, "A100-80GB"),
        ("H100", 80.0, "H100"),
        ("NVIDIA H100 NVL", 94.0, "H100-NVL"),
        ("NVIDIA A10", 24.0, "A10"),
        ("L40S", 44.7, "L40S"),
    ],
)
def test_gpu_names_follow_the_catalog(name: str, memory: float, expected: str) -> None:
    assert canonical_gpu(name, memory) == expected


class _Dropping:
    """A source that answers with the region's current GPU rows, less one type."""

    SOURCES = ("a test source",)

    def __init__(self, gone: str) -> None:
        self.gone = gone

    def fetch_region(
        self, region: str, known_types: frozenset[str], endpoint: str | None
    ) -> tuple[FetchedOffer, ...]:
        return tuple(
            fetched(o)
            for o in default_catalog().find(cloud=CLOUD, region=region)
            if o.gpu and o.instance_type != self.gone
        )

    def boot_minutes_estimate(self, offer: FetchedOffer) -> int:
        return 10


def test_a_type_no_longer_offered_takes_its_spot_row_with_it(tmp_path: Path) -> None:
    gone, region = "p5.48xlarge", "us-east-1"
    assert default_catalog().spot(CLOUD, gone, region) is not None  # aws_spot.csv has the row
    result = refresh(CLOUD, regions=[region], out=tmp_path, source=_Dropping(gone))
    assert (gone, region) in result.diff.removed
    assert f"{gone} {region}: spot row dropped, no longer a row of aws.csv" in result.diff.skipped
    # The out directory is a whole catalog: the spot file beside the new file, still loading.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws.csv", "aws_spot.csv"]
    again = Catalog.from_directory(tmp_path, [CLOUD])
    assert again.spot(CLOUD, gone, region) is None
    assert again.spot(CLOUD, gone, "us-west-2") == default_catalog().spot(CLOUD, gone, "us-west-2")
    # The shipped files are untouched by a refresh into another directory.
    assert (data_directory() / "aws_spot.csv").read_text().count(f"{gone},{region},") == 1
