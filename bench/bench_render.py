"""Render benchmark: ``infra render --target all`` of synthetic stacks (bench/_stacks.py) as a
whole process, beside the floor (bench/_floor.py) and cdktn synthesis of the AWS part
(bench/_cdktn_app.py), all measured in this run. Also the cProfile summary of one render.

usage: python bench/bench_render.py [--pools 1000,10000] [--cdktn-cap 10000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import runpy
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import INFRA, REPO, Run, checked, run
from _stacks import write_stacks

CDKTN_PYTHON = REPO / "bench" / ".venv-cdktn" / "bin" / "python"
_STANDBY = re.compile(r"^\s+standby\s+=\s+(true|false)$", re.MULTILINE)


def pool_counts(out: Path) -> dict[str, dict[str, Any]]:
    """Per cluster root of a render: its cloud and how many primary and standby node pools its
    main.tf declares (what the floor and cdktn must build to be comparable)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts: dict[str, dict[str, Any]] = {}
    for root in manifest["roots"]:
        # Cluster roots only: not _global/_dr, nor a cluster's add-ons root beside it.
        if not root["cluster"] or root["path"].rsplit("/", 1)[-1] != root["cluster"]:
            continue
        text = (out / root["path"] / "main.tf").read_text(encoding="utf-8")
        flags = _STANDBY.findall(text)
        name = f"{root['stack']}/{root['cluster']}"
        counts[name] = {
            "cloud": root["cloud"],
            "pools": [flags.count("false"), flags.count("true")],
        }
    return counts


def cdktn_reason() -> str | None:
    """Why cdktn cannot run here, or None (the bench target creates its venv)."""
    if not CDKTN_PYTHON.exists():
        return "no bench/.venv-cdktn (make bench creates it from bench/requirements-cdktn.txt)"
    probe = run([str(CDKTN_PYTHON), "-c", "import cdktn, cdktn_provider_aws.eks_node_group"])
    if probe.returncode != 0:
        return f"cdktn does not import: {probe.output.strip().splitlines()[-1:]}"
    return None


def measure(pools: int, base: Path, cdktn_cap: int, cdktn: bool) -> dict[str, Any]:
    """One size: render, floor and (up to ``cdktn_cap`` pools) cdktn, each a fresh process."""
    stacks = base / f"stacks-{pools}"
    specs = write_stacks(stacks, pools)
    render = checked([*INFRA, "render", str(stacks), "-o", str(base / f"out-{pools}")])
    counts = pool_counts(base / f"out-{pools}")
    all_counts = base / f"counts-{pools}.json"
    all_counts.write_text(json.dumps({k: v["pools"] for k, v in counts.items()}), encoding="utf-8")
    floor = checked(
        [
            sys.executable,
            str(REPO / "bench" / "_floor.py"),
            str(all_counts),
            str(base / f"floor-{pools}"),
        ]
    )
    resources = sum(sum(v["pools"]) for v in counts.values())
    aws = {k: v["pools"] for k, v in counts.items() if v["cloud"] == "aws"}
    row: dict[str, Any] = {
        "pools": pools,
        "clusters": len(specs),
        "node_pool_resources": resources,
        "aws_node_pool_resources": sum(sum(v) for v in aws.values()),
        "render_s": render.seconds,
        "render_rss_mb": render.rss_mb,
        "floor_s": floor.seconds,
        "floor_rss_mb": floor.rss_mb,
        "render_over_floor": render.seconds / floor.seconds,
    }
    if cdktn and pools <= cdktn_cap:
        row |= _cdktn(aws, base, pools, render)
    elif cdktn:
        row["cdktn_skipped"] = f"over the cap of {cdktn_cap} pools (set by --cdktn-cap)"
    return row


def _cdktn(aws: dict[str, Any], base: Path, pools: int, render: Run) -> dict[str, Any]:
    """cdktn on the AWS part; the ratio is against infra's render of all targets and clouds, so
    it flatters cdktn (infra renders three clouds and Pulumi and DR in that time)."""
    counts = base / f"counts-aws-{pools}.json"
    counts.write_text(json.dumps(aws), encoding="utf-8")
    done = checked(
        [
            str(CDKTN_PYTHON),
            str(REPO / "bench" / "_cdktn_app.py"),
            str(counts),
            str(base / f"cdktn-{pools}"),
        ],
        env={"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"},
    )
    synth = float(re.findall(r"build\+synth ([0-9.]+)", done.output)[-1])
    return {
        "cdktn_synth_s": synth,
        "cdktn_process_s": done.seconds,
        "cdktn_rss_mb": done.rss_mb,
        "cdktn_process_over_render": done.seconds / render.seconds,
        "cdktn_synth_over_render": synth / render.seconds,
    }


def profile(pools: int, base: Path, top: int = 15) -> dict[str, list[str]]:
    """cProfile of one ``infra render`` in this process: the top functions by cumulative and by
    own time (pstats lines), for tracing regressions to a function."""
    stacks = base / f"profile-stacks-{pools}"
    write_stacks(stacks, pools)
    argv = sys.argv
    sys.argv = ["infra", "render", str(stacks), "-o", str(base / f"profile-out-{pools}")]
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        try:
            runpy.run_module("infra", run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        finally:
            profiler.disable()
    finally:
        sys.argv = argv
    summary: dict[str, list[str]] = {}
    for key in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(key).print_stats(top)
        lines = [line for line in stream.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        summary[key] = lines[start : start + top + 1]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default="1000,10000,100000")
    parser.add_argument("--cdktn-cap", type=int, default=10000)
    args = parser.parse_args()
    reason = cdktn_reason()
    if reason:
        print(f"cdktn skipped: {reason}")
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        for pools in [int(p) for p in args.pools.split(",")]:
            print(json.dumps(measure(pools, Path(tmp), args.cdktn_cap, reason is None)))


if __name__ == "__main__":
    os.chdir(REPO)
    main()
