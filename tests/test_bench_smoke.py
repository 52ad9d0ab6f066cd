"""bench/ still runs: bench_all.py at a tiny size, without cdktn, writes its results and chart.

Timings are not asserted (performance claims live in bench/, never in tests); what is checked
is that every benchmark measured something and that the incremental check found exactly the
edited roots, so a change that breaks the harness or the synthetic stacks fails CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_bench_all_runs_at_a_tiny_size(tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(REPO / "bench" / "bench_all.py"),
        "--pools=120",
        "--clusters=2,3",
        "--incremental-pools=120",
        "--profile-pools=60",
        "--no-cdktn",
        f"--out={tmp_path}",
    ]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (json_file,) = tmp_path.glob("*.json")
    results = json.loads(json_file.read_text(encoding="utf-8"))
    render = [r for r in results["rows"] if r["benchmark"] == "render"]
    assert [r["pools"] for r in render] == [120]
    assert render[0]["node_pool_resources"] >= 120
    assert render[0]["render_s"] > 0 and render[0]["floor_s"] > 0
    (incremental,) = [r for r in results["rows"] if r["benchmark"] == "incremental"]
    assert incremental["only_edited_listed"], incremental
    assert {g["name"] for g in results["goals"]} >= {"render 120 pools / floor"}
    assert results["profile"]["cumulative"] and results["profile"]["tottime"]
    assert "<svg" in next(tmp_path.glob("*.svg")).read_text(encoding="utf-8")
    assert "MET" in done.stdout or "MISSED" in done.stdout
