"""The drill report: JSON, Markdown and HTML (with its timeline), the terminal summary, and a
screenshot of the page that must not be blank."""

from __future__ import annotations

import copy
import json
import os
import struct
import zlib
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from infra.drill.report import render_html, render_markdown, summary_lines, write_reports
from tools import screenshot as shot

RUN = "20261202T041200Z-llm-train-azure-eastus-3f2a"
SCALE = (
    "eks.update_nodegroup_config(clusterName='llm-train-aws-use1', "
    "nodegroupName='llm-train-aws-use1-standby-h100', "
    "scalingConfig={'minSize': 8, 'maxSize': 8, 'desiredSize': 8})"
)
WAIT = (
    "eks.describe_nodegroup(clusterName='llm-train-aws-use1', "
    "nodegroupName='llm-train-aws-use1-standby-h100')"
)
TRAFFIC = (
    "trafficmanager.endpoints.update(resource_group_name='llm-train-dns', "
    "profile_name='llm-train-az-eus', endpoint_type='ExternalEndpoints', "
    "endpoint_name='aws-use1', parameters={'endpointStatus': 'Enabled', 'weight': 64})"
)


def _call(
    describe: str, mutating: bool, status: str = "done", seconds: float = 0.02
) -> dict[str, Any]:
    return {
        "describe": describe,
        "mutating": mutating,
        "status": status,
        "attempts": 1,
        "seconds": seconds,
        "error": None,
    }


def _step(
    id: str,
    title: str,
    phase: int,
    cloud: str,
    region: str,
    start: int,
    minutes: int,
    measured: tuple[float, float] | None,
    status: str = "done",
    critical: bool = True,
    depends_on: tuple[str, ...] = (),
    calls: tuple[dict[str, Any], ...] = (),
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "title": title,
        "phase": phase,
        "cloud": cloud,
        "region": region,
        "depends_on": list(depends_on),
        "critical": critical,
        "planned_start_minutes": start,
        "planned_minutes": minutes,
        "status": status,
        "measured_start_minutes": measured[0] if measured else None,
        "measured_minutes": measured[1] if measured else None,
        "error": error,
        "calls": list(calls),
    }


def executed() -> dict[str, Any]:
    """A drill of llm-train's azure:eastus plan (`infra dr plan ... --json`) that met its RTO."""
    return {
        "run": RUN,
        "stack": "llm-train",
        "outage": "azure:eastus",
        "outage_title": "Azure eastus (region)",
        "mode": "execute",
        "failback": False,
        "started": "2026-12-02T04:12:00+00:00",
        "finished": "2026-12-02T04:12:14+00:00",
        "time_factor": 0.01,
        "rto_minutes": 60,
        "rpo_minutes": 15,
        "estimated_rto_minutes": 24,
        "measured_rto_minutes": 23.4,
        "measured_seconds": 14.0,
        "rto_met": True,
        "rpo": {
            "ok": True,
            "checks": [
                {
                    "cluster": "az-eus",
                    "step": "check-replication-az-eus",
                    "newest": "2026-12-02T04:05:00+00:00",
                    "age_minutes": 7.0,
                    "ok": True,
                    "detail": "newest checkpoints/ object is 7.0 min old (RPO 15 min)",
                }
            ],
        },
        "prechecks": [
            {
                "step": "scale-aws-use1",
                "pool": "standby-h100",
                "check": "offered",
                "ok": True,
                "detail": "p5.48xlarge is offered in us-east-1 (zones a, b, c)",
            },
            {
                "step": "scale-aws-use1",
                "pool": "standby-h100",
                "check": "quota",
                "ok": True,
                "detail": "quota room for 768 vCPUs: 1536 - 0 used",
            },
        ],
        "steps": [
            _step(
                "check-replication-az-eus",
                "check replication lag of az-eus",
                1,
                "aws",
                "us-east-1",
                0,
                2,
                (0.0, 0.6),
                critical=False,
                calls=(_call("s3.list_objects_v2(Bucket='llm-train-az-eus-ckpt-replica')", False),),
            ),
            _step(
                "scale-aws-use1",
                "scale standby pools of aws-use1",
                2,
                "aws",
                "us-east-1",
                0,
                1,
                (0.0, 0.8),
                calls=(_call(SCALE, True),),
            ),
            _step(
                "wait-aws-use1",
                "wait for standby nodes of aws-use1",
                3,
                "aws",
                "us-east-1",
                1,
                16,
                (0.8, 15.1),
                depends_on=("scale-aws-use1",),
                calls=(_call(WAIT, False, seconds=9.1),),
            ),
            _step(
                "traffic-az-eus",
                "move traffic of az-eus",
                4,
                "azure",
                "eastus",
                17,
                2,
                (15.9, 3.5),
                depends_on=("check-replication-az-eus", "wait-aws-use1"),
                calls=(_call(TRAFFIC, True), _call("trafficmanager.profiles.get(...)", False)),
            ),
            _step(
                "verify-az-eus",
                "verify az-eus runs on its targets",
                5,
                "azure",
                "eastus",
                19,
                5,
                (19.4, 4.0),
                depends_on=("traffic-az-eus",),
                calls=(_call("trafficmanager.profiles.get(...)", False, status="reconciled"),),
            ),
        ],
        "ok": True,
        "problems": [],
    }


def missed() -> dict[str, Any]:
    """The same drill, but the nodes took 70 minutes: the RTO is missed and so is the RPO."""
    report = executed()
    report.update(measured_rto_minutes=77.3, measured_seconds=46.4, rto_met=False, ok=False)
    wait, traffic, verify = report["steps"][2:5]
    wait["measured_minutes"] = 70.2
    traffic.update(measured_start_minutes=71.0, measured_minutes=2.1)
    verify.update(measured_start_minutes=73.1, measured_minutes=4.2)
    check = report["rpo"]["checks"][0]
    check.update(age_minutes=22.0, ok=False, detail="newest checkpoint is 22.0 min old (RPO 15)")
    report["rpo"]["ok"] = False
    report["problems"] = [
        "measured recovery 77.3 min exceeds the RTO of 60 min",
        "az-eus: newest checkpoint is 22.0 min old (RPO 15)",
    ]
    return report


def failed_precheck() -> dict[str, Any]:
    """The quota pre-check fails: nothing is scaled; the steps after it are skipped."""
    report = executed()
    report.update(
        measured_rto_minutes=None, rto_met=None, ok=False, measured_seconds=0.4,
        finished="2026-12-02T04:12:00.400000+00:00",
    )  # fmt: skip
    report["prechecks"][1].update(ok=False, detail="quota: need 768 vCPUs, 128 free of 1536")
    scale, wait, traffic, verify = report["steps"][1:5]
    scale.update(
        status="failed",
        measured_start_minutes=0.0,
        measured_minutes=0.3,
        error="pre-check failed: quota: need 768 vCPUs, 128 free of 1536",
        calls=[dict(_call(SCALE, True, status="skipped"), attempts=0, seconds=None)],
    )
    for step in (wait, traffic, verify):
        step.update(status="skipped", measured_start_minutes=None, measured_minutes=None)
        for call in step["calls"]:
            call.update(status="skipped", attempts=0, seconds=None)
    report["problems"] = [
        "pre-check failed: quota: need 768 vCPUs, 128 free of 1536",
        "recovery not measured: scale-aws-use1 failed",
    ]
    return report


def dry_run() -> dict[str, Any]:
    """A dry run: every status is planned and nothing is measured."""
    report = executed()
    report.update(
        mode="dry-run", measured_rto_minutes=None, measured_seconds=None, rto_met=None,
        time_factor=1.0, finished=None,
    )  # fmt: skip
    report["rpo"] = {
        "ok": None,
        "checks": [
            dict(
                report["rpo"]["checks"][0], newest=None, age_minutes=None, ok=None, detail="planned"
            )
        ],
    }
    for check in report["prechecks"]:
        check.update(ok=None, detail="planned")
    for step in report["steps"]:
        step.update(status="planned", measured_start_minutes=None, measured_minutes=None)
        for call in step["calls"]:
            call.update(status="planned", attempts=0, seconds=None)
    return report


REPORTS = {
    "executed": executed,
    "missed": missed,
    "failed-precheck": failed_precheck,
    "dry-run": dry_run,
}


class Page(HTMLParser):
    """What the tests look at in the HTML: tags, the SVG's bars, script tags, external URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.svgs = 0
        self.bars: list[tuple[str, str]] = []  # (planned|measured, step id)
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.urls.append(str(values[name]))
        if tag == "svg":
            self.svgs += 1
        classes = (values.get("class") or "").split()
        if tag == "rect" and "bar" in classes and "svg" in self.stack:
            kind = "planned" if "planned" in classes else "measured"
            self.bars.append((kind, str(values.get("data-step"))))
        if tag not in {"meta", "br", "line", "circle"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_json_round_trips_and_files_are_written(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]()
    paths = write_reports(report, tmp_path / "drill")
    assert sorted(paths) == ["html", "json", "md"]
    assert {p.name for p in paths.values()} == {"report.json", "report.md", "report.html"}
    text = paths["json"].read_text(encoding="utf-8")
    assert json.loads(text) == report
    assert text == json.dumps(report, indent=2, sort_keys=True) + "\n"
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in (tmp_path / "drill").iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
    ]


def test_rewriting_replaces_the_files(tmp_path: Path) -> None:
    write_reports(dry_run(), tmp_path)
    paths = write_reports(executed(), tmp_path)
    assert json.loads(paths["json"].read_text())["mode"] == "execute"
    assert "RTO met" in paths["md"].read_text()


def test_a_failed_render_leaves_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.drill import report as module

    write_reports(executed(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(report: Any) -> str:
        raise RuntimeError("template broke")

    monkeypatch.setattr(module, "render_html", broken)
    with pytest.raises(RuntimeError, match="template broke"):
        write_reports(missed(), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_report_that_is_not_json_is_refused(tmp_path: Path) -> None:
    report = executed()
    report["measured_seconds"] = float("nan")
    with pytest.raises(ValueError):
        write_reports(report, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_markdown_has_the_verdict_and_every_step(name: str) -> None:
    report = REPORTS[name]()
    md = render_markdown(report)
    assert md.startswith("# Drill report: llm-train, outage azure:eastus\n")
    verdict = next(line for line in md.splitlines() if line.startswith("**Verdict:"))
    for step in report["steps"]:
        rows = [line for line in md.splitlines() if line.startswith("| ") and step["id"] in line]
        assert rows, step["id"]
        assert f"### {step['id']}:" in md
        for call in step["calls"]:
            assert call["describe"] in md
    assert "| check-replication-az-eus | az-eus |" not in md  # the RPO table leads with cluster
    expected = {
        "executed": ("RTO met", "measured recovery 23.4 min vs RTO 60 min: met (estimated 24 min)"),
        "missed": ("RTO missed", "measured recovery 77.3 min vs RTO 60 min: MISSED"),
        "failed-precheck": ("recovery not completed", "recovery not measured"),
        "dry-run": ("dry run: nothing was called", "dry run: estimated 24 min vs RTO 60 min"),
    }[name]
    assert expected[0] in verdict and expected[1] in verdict


def test_markdown_tables_and_numbers() -> None:
    md = render_markdown(executed())
    lines = md.splitlines()
    row = next(line for line in lines if line.startswith("| ◆ wait-aws-use1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[5:10] == ["1", "16", "0.8", "15.1", "done"]
    assert "| az-eus | check-replication-az-eus | 2026-12-02 04:05:00 UTC | 7 | ok |" in md
    assert "| Measured recovery | 23.4 min |" in md
    assert "wall time divided by the time factor (0.01)" in md
    failed = render_markdown(failed_precheck())
    assert "| scale-aws-use1 | standby-h100 | quota | **FAILED** |" in failed
    assert "| ◆ verify-az-eus |" in failed and "| skipped |" in failed
    assert "- scale-aws-use1: pre-check failed: quota: need 768 vCPUs" in failed
    dry = render_markdown(dry_run())
    assert "| — | — | planned |" in dry
    assert "RPO 15 min: not checked (dry run)" in dry


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_html_has_a_bar_per_planned_and_measured_step(name: str) -> None:
    report = REPORTS[name]()
    page = parse(render_html(report))
    assert page.svgs == 1
    ids = [s["id"] for s in report["steps"]]
    assert [step for kind, step in page.bars if kind == "planned"] == ids
    measured = [
        s["id"]
        for s in report["steps"]
        if s["measured_start_minutes"] is not None and s["measured_minutes"] is not None
    ]
    assert [step for kind, step in page.bars if kind == "measured"] == measured
    assert "script" not in page.tags
    assert page.urls == []  # self-contained: nothing loaded from anywhere
    text = " ".join(page.text)
    for step in report["steps"]:
        assert step["id"] in text and step["title"] in text


def test_html_draws_rto_and_recovery_lines() -> None:
    html = render_html(executed())
    assert 'class="marker rto"' in html and "RTO 60 min" in html
    assert 'class="marker measured"' in html and "recovered 23.4 min" in html
    assert 'class="marker estimated"' in html
    assert "critical" in html
    dry = render_html(dry_run())
    assert 'class="marker measured"' not in dry
    assert "only the plan's bars are drawn" in dry


def test_failed_and_skipped_steps_are_labelled_in_the_chart() -> None:
    html = render_html(failed_precheck())
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="note error"' in svg
    assert "failed: pre-check failed: quota: need 768 vCPUs, 128 free of 1536" in svg
    assert svg.count(">skipped</text>") == 3
    assert 'class="bar measured status-failed"' in svg


def test_bars_sit_on_one_minutes_axis() -> None:
    """The measured bar of wait-aws-use1 (0.8..15.9) is about as long as planned 1..17."""
    html = render_html(executed())
    rects = {}
    for piece in html.split("<rect ")[1:]:
        attrs = dict(part.split("=", 1) for part in piece.split(">", 1)[0].split() if "=" in part)
        if attrs.get("data-step") == '"wait-aws-use1"':
            kind = "planned" if "planned" in piece.split(">", 1)[0] else "measured"
            rects[kind] = float(attrs["width"].strip('"'))
    assert rects["measured"] == pytest.approx(rects["planned"] * 15.1 / 16, rel=0.01)


def test_strings_are_escaped() -> None:
    report = executed()
    evil = "<script>alert('x')</script> | **bold** `tick`"
    report["stack"] = evil
    report["steps"][0]["title"] = evil
    report["steps"][0]["id"] = "check-<b>x</b>"
    report["steps"][1]["error"] = evil
    report["steps"][1]["calls"][0]["describe"] = evil
    report["problems"] = [evil + "\nsecond line"]
    html = render_html(report)
    page = parse(html)
    assert "script" not in page.tags and "b" not in page.tags
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert evil in " ".join(page.text)
    md = render_markdown(report)
    # Outside code spans (where Markdown shows text verbatim) nothing reads as HTML.
    code = f"`` {evil.replace('|', chr(92) + '|')} ``"  # a fence longer than the backtick inside
    assert code in md
    assert "<script>" not in md.replace(code, "") and "\\<script\\>" in md
    assert "\\| \\*\\*bold\\*\\*" in md
    assert "second line" in md and evil + "\nsecond line" not in md  # one line per item


def test_summary_lines() -> None:
    assert summary_lines(executed()) == [
        "measured recovery 23.4 min vs RTO 60 min: met (estimated 24 min); "
        "14.0 s of wall time at time factor 0.01",
        "RPO 15 min: met (az-eus: newest checkpoint 7 min old)",
    ]
    lines = summary_lines(missed())
    assert lines[0].startswith("measured recovery 77.3 min vs RTO 60 min: MISSED")
    assert lines[1].startswith("RPO 15 min: MISSED (az-eus: newest checkpoint 22 min old")
    assert "measured recovery 77.3 min exceeds the RTO of 60 min" in lines
    lines = summary_lines(failed_precheck())
    assert lines[0].startswith("recovery not measured: the failover did not finish (RTO 60 min")
    assert (
        "pre-check failed: scale-aws-use1 standby-h100 quota: quota: need 768 vCPUs, "
        "128 free of 1536" in lines
    )
    assert any(line.startswith("step failed: scale-aws-use1: ") for line in lines)
    assert "skipped: wait-aws-use1, traffic-az-eus, verify-az-eus" in lines
    assert "recovery not measured: scale-aws-use1 failed" in lines
    assert sum("768 vCPUs" in line for line in lines) == 2  # problems already said: not repeated
    assert summary_lines(dry_run()) == [
        "dry run: estimated 24 min vs RTO 60 min: within it; nothing was called",
        "RPO 15 min: not checked (dry run)",
    ]
    report = executed()
    report["problems"] = ["bad \x1b[31m escape"]
    assert summary_lines(report)[-1] == "bad \\x1b[31m escape"


def test_a_report_with_no_rto_and_no_steps() -> None:
    report = executed()
    report.update(rto_minutes=None, rto_met=None, steps=[], time_factor=1.0)
    assert (
        summary_lines(report)[0]
        == "measured recovery 23.4 min (estimated 24 min); the stack sets no RTO"
    )
    page = parse(render_html(report))
    assert page.svgs == 1 and page.bars == []
    assert "not set" in render_markdown(report)


def test_measured_minutes_keep_their_decimal() -> None:
    report = executed()
    report["measured_rto_minutes"] = 18.96
    assert summary_lines(report)[0].startswith("measured recovery 19.0 min vs RTO 60 min: met")
    report["measured_rto_minutes"] = 0.01
    assert summary_lines(report)[0].startswith("measured recovery <0.1 min")


def test_manual_and_interrupted_steps() -> None:
    """The executor's extra step fields: a manual step's approval text and runbook commands,
    and a step that started but did not finish (an interrupted run)."""
    report = executed()
    report.update(measured_rto_minutes=None, rto_met=None, ok=False)
    traffic, verify = report["steps"][3:5]
    traffic.update(
        status="approved",
        approval="move the traffic by hand, then confirm",
        commands=["az network traffic-manager endpoint update --name aws-use1 --weight 64"],
        calls=[],
    )
    verify.update(status="started", measured_minutes=None)
    md, html = render_markdown(report), render_html(report)
    for text in (md, html):
        assert "Manual step: " in text.replace("<strong>", "").replace("</strong>", "")
        assert "az network traffic-manager endpoint update --name aws-use1 --weight 64" in text
    assert "started, not finished" in html  # the legend and the chart's note
    assert "started, not finished: verify-az-eus" in summary_lines(report)
    page = parse(html)
    assert [s for kind, s in page.bars if kind == "measured"] == [
        "check-replication-az-eus",
        "scale-aws-use1",
        "wait-aws-use1",
        "traffic-az-eus",
    ]


def test_local_endpoints_are_named_without_credentials() -> None:
    report = executed()
    report["endpoints"] = {"aws": "http://key:secret@127.0.0.1:5000", "azure": "http://127.0.0.1:7"}
    for text in (render_markdown(report), render_html(report)):
        assert "aws http://127.0.0.1:5000" in text and "azure http://127.0.0.1:7" in text
        assert "secret" not in text
    assert "secret" not in "".join(summary_lines(report))


def test_input_is_not_changed(tmp_path: Path) -> None:
    report = missed()
    before = copy.deepcopy(report)
    write_reports(report, tmp_path)
    summary_lines(report)
    assert report == before


# -- the PNG reader ------------------------------------------------------------------------------


def _png(pixels: Sequence[Sequence[tuple[int, ...]]], filters: list[int]) -> bytes:
    """An 8-bit PNG of ``pixels`` (RGB or RGBA rows), row y filtered with ``filters[y]``."""
    height, width, bpp = len(pixels), len(pixels[0]), len(pixels[0][0])
    rows = [bytes(v for px in row for v in px) for row in pixels]
    raw = bytearray()
    prior = bytes(width * bpp)
    for row, kind in zip(rows, filters, strict=True):
        out = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            paeth = a if pa <= pb and pa <= pc else b if pb <= pc else c
            predictor = [0, a, b, (a + b) // 2, paeth][kind]
            out.append((x - predictor) & 255)
        raw += bytes([kind]) + out
        prior = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if bpp == 3 else 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("bpp", [3, 4])
def test_png_reader_undoes_every_filter(bpp: int, tmp_path: Path) -> None:
    width, height = 7, 10
    pixels = [
        [
            tuple((x * 37 + y * 91 + c * 53 + x * y * 7) % 256 for c in range(bpp))
            for x in range(width)
        ]
        for y in range(height)
    ]
    path = tmp_path / "p.png"
    path.write_bytes(_png(pixels, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]))
    w, h, got_bpp, data = shot.read_png(path)
    assert (w, h, got_bpp) == (width, height, bpp)
    assert data == bytes(v for row in pixels for px in row for v in px)
    # A Paeth first row (nothing above) takes the fast path; it must agree too.
    path.write_bytes(_png(pixels, [4] * height))
    assert shot.read_png(path)[3] == data


def test_png_reader_paeth_over_flat_and_edged_rows(tmp_path: Path) -> None:
    """Paeth's fast path (flat row above) and its per-byte path (edges above) agree with the
    pixels, at run boundaries too."""
    width, height = 23, 12
    pixels = [[(250, 250, 250, 255)] * width for _ in range(height)]
    for y in range(height):
        for x in range(width):
            if (x * 7 + y * 3) % 11 < 3 or (y % 4 == 1 and 5 <= x < 9):
                pixels[y][x] = ((x * 29 + y) % 256, (y * 53) % 256, (x * y) % 256, 200)
    path = tmp_path / "p.png"
    path.write_bytes(_png(pixels, [4] * height))
    assert shot.read_png(path)[3] == bytes(v for row in pixels for px in row for v in px)


def test_ink_of_plain_and_drawn_images(tmp_path: Path) -> None:
    white = [[(255, 255, 255)] * 40 for _ in range(30)]
    path = tmp_path / "white.png"
    path.write_bytes(_png(white, [1] * 30))
    assert shot.ink_fraction(path) == 0.0 and shot.is_blank(path)
    drawn = [list(row) for row in white]
    for y in range(5, 15):
        for x in range(4, 24):
            drawn[y][x] = (46, 125, 50) if x < 14 else (198, 40, 40)
    drawn[20][3] = (0, 0, 0)
    path.write_bytes(_png(drawn, [4] * 30))
    measured = shot.ink(path)
    assert measured.background == (255, 255, 255)
    assert measured.colours == 4
    assert measured.ink_fraction == pytest.approx(201 / 1200)
    assert not shot.is_blank(path)


def test_png_reader_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(b"GIF89a")
    with pytest.raises(ValueError, match="not a PNG"):
        shot.read_png(path)
    good = _png([[(1, 2, 3)]], [0])
    path.write_bytes(good[:-5] + b"XXXXX")
    with pytest.raises(ValueError, match=r"CRC|truncated"):
        shot.read_png(path)


# -- the screenshot ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        binary = shot.find_chromium()
    except shot.ChromiumNotFound as error:
        pytest.skip(str(error))
    if binary is None:
        pytest.skip(
            "no Chromium: set INFRA_CHROMIUM or put chromium, chromium-headless-shell or "
            "google-chrome on PATH (Debian: apt-get install -y chromium)"
        )
    return binary


@pytest.mark.slow
def test_screenshot_of_the_report_is_not_blank(chromium: str, tmp_path: Path) -> None:
    paths = write_reports(failed_precheck(), tmp_path / "drill")
    png = shot.screenshot(paths["html"], tmp_path / "report.png")
    measured = shot.ink(png)
    assert (measured.width, measured.height) == (1280, 900)
    assert measured.ink_fraction > 0.03, measured
    assert measured.colours > 50, measured
    assert not measured.blank
    if os.environ.get("INFRA_KEEP_SCREENSHOT"):
        Path(os.environ["INFRA_KEEP_SCREENSHOT"]).write_bytes(png.read_bytes())


@pytest.mark.slow
def test_a_blank_page_is_detected_as_blank(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>\n", encoding="utf-8")
    png = shot.screenshot(page, tmp_path / "blank.png", width=640, height=480)
    assert shot.is_blank(png)
    assert shot.ink_fraction(png) < 0.001
