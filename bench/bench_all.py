"""Issue 16's benchmarks in one run: render (beside the floor and cdktn), dr check, incremental
and the render profile. Prints every measured value beside its goal (MET or MISSED; a miss does
not fail), writes bench/results/<date>.json and bench/results/<date>.svg (log-log: time and peak
RSS against pools).

usage: python bench/bench_all.py [--pools 1000,10000,100000] [--clusters 10,50,200,1000,2000]
                                 [--cdktn-cap 10000] [--profile-pools 10000] [--out bench/results]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_dr
import bench_incremental
import bench_render
from _chart import write_chart
from _harness import REPO, Goal, Results, environment


def render_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'pools':>7} {'clusters':>8} {'render s':>9} {'RSS MB':>7} {'floor s':>8} {'x floor':>8} "
        f"{'cdktn synth s':>13} {'cdktn proc s':>12} {'x (proc)':>9}"
    )
    for r in rows:
        synth = f"{r['cdktn_synth_s']:.2f}" if "cdktn_synth_s" in r else "-"
        proc = f"{r['cdktn_process_s']:.2f}" if "cdktn_process_s" in r else "-"
        ratio = f"{r['cdktn_process_over_render']:.1f}x" if "cdktn_process_s" in r else "-"
        print(
            f"{r['pools']:>7} {r['clusters']:>8} {r['render_s']:>9.2f} {r['render_rss_mb']:>7.0f} "
            f"{r['floor_s']:>8.3f} {r['render_over_floor']:>7.1f}x {synth:>13} {proc:>12} {ratio:>9}"
        )


def render_goals(results: Results, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        pools = int(r["pools"])
        results.goal(Goal(f"render {pools} pools / floor", float(r["render_over_floor"]), 5, "x"))
        if pools == 10000:
            results.goal(Goal("render 10000 pools, all targets", float(r["render_s"]), 1.2, "s"))
        if pools == 100000:
            results.goal(Goal("render 100000 pools, all targets", float(r["render_s"]), 10, "s"))
            results.goal(
                Goal("render 100000 pools, peak RSS", float(r["render_rss_mb"]), 1024, "MB")
            )
        if "cdktn_process_s" in r:
            results.goal(
                Goal(
                    f"cdktn process / render, {pools} pools",
                    float(r["cdktn_process_over_render"]),
                    30,
                    "x",
                    at_least=True,
                )
            )
            results.goal(
                Goal(
                    f"cdktn build+synth / render, {pools} pools",
                    float(r["cdktn_synth_over_render"]),
                    30,
                    "x",
                    at_least=True,
                )
            )
        elif "cdktn_skipped" in r:
            results.notes.append(f"cdktn at {pools} pools skipped: {r['cdktn_skipped']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default="1000,10000,100000")
    parser.add_argument("--clusters", default="10,50,200,1000,2000")
    parser.add_argument("--cdktn-cap", type=int, default=10000)
    parser.add_argument("--incremental-pools", type=int, default=10000)
    parser.add_argument("--profile-pools", type=int, default=10000)
    parser.add_argument("--no-cdktn", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    results = Results(environment())
    print(f"bench: {results.environment}")
    reason = "--no-cdktn" if args.no_cdktn else bench_render.cdktn_reason()
    if reason:
        print(f"cdktn skipped: {reason}")
        results.notes.append(f"cdktn skipped: {reason}")
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        base = Path(tmp)
        rows = [
            bench_render.measure(int(p), base / f"r{p}", args.cdktn_cap, reason is None)
            for p in args.pools.split(",")
        ]
        results.rows += [{"benchmark": "render"} | r for r in rows]
        print("\n== render, all targets (whole process) beside the floor and cdktn (AWS part)")
        render_table(rows)
        render_goals(results, rows)

        dr_rows = [bench_dr.measure(int(c), base / "dr") for c in args.clusters.split(",")]
        k = bench_dr.exponent(dr_rows)
        results.rows += [{"benchmark": "dr check"} | r for r in dr_rows]
        results.rows.append({"benchmark": "dr check", "exponent": k})
        print("\n== dr check (whole process)")
        for r in dr_rows:
            print(
                f"{r['clusters']:>5} x 50 clusters x pools  {r['dr_check_s']:7.2f} s  {r['dr_check_rss_mb']:6.0f} MB"
            )
        print(f"growth: time ~ clusters^{k:.2f}")
        for r in dr_rows:
            if r["clusters"] == 200:
                results.goal(Goal("dr check 200 x 50", float(r["dr_check_s"]), 0.4, "s"))

        inc = bench_incremental.measure(args.incremental_pools, base / "inc")
        results.rows.append({"benchmark": "incremental"} | inc)
        print(f"\n== incremental, {inc['pools']} pools, edited {inc['edited']}")
        print(
            f"re-render {inc['re_render_s']:.2f} s (first {inc['first_render_s']:.2f} s), "
            f"ci matrix --changed {inc['changed_matrix_s']:.2f} s, listed {inc['listed']}: "
            f"{'MET' if inc['only_edited_listed'] else 'MISSED'} (allowed {inc['allowed']})"
        )

        results.profile = bench_render.profile(args.profile_pools, base / "profile")
        print(f"\n== where the time goes: cProfile of the {args.profile_pools}-pool render")
        for key, lines in results.profile.items():
            print(f"-- by {key}")
            print("\n".join(lines))
    if not inc["only_edited_listed"]:
        results.goals.append({"name": "incremental: only the edited roots listed", "met": False})
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    results.write(args.out / f"{stamp}.json")
    write_chart(args.out / f"{stamp}.svg", rows)
    print(f"\nwrote {args.out / (stamp + '.json')} and {args.out / (stamp + '.svg')}")


if __name__ == "__main__":
    main()
