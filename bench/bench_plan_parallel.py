"""``infra plan -j 1`` against ``infra plan -j 8`` over one estate, in the same run.

The estate: ``--roots N`` provider-free roots (default 50) in the real shape, one ``_global``,
N-2 clusters depending on it, one ``_dr`` depending on every cluster; each root a ``main.tf``
with a ``terraform_data`` resource and no backend (local state), and a ``manifest.json`` as
infra writes it.

Timed: ``run_roots(Run(out, "plan", jobs=J))`` in-process, everything the runner does: load the
manifest, select, order by level, and per root ``terraform init`` + ``terraform plan -out`` +
``terraform show -json``, the plan record and the digests. ``init`` is in the timed region
because the runner runs it for every root on every plan; one untimed warm-up plan runs first,
so the timed inits re-initialise an initialised root (as a second ``infra plan`` does).

The goal (j1 / j8 >= 2.5x on 2 cores) is printed with PASS or MISS; a miss does not fail the
process. A root that fails does (exit 1): then the numbers mean nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from functools import partial
from pathlib import Path

from _estate import build_estate, environment_line, plugin_cache_env, timed, verdict

from infra.run import RootResult, Run, run_roots

GOAL = 2.5  # j1 / j8, on 2 cores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, default=50, help="roots in the estate (>= 3)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each -j")
    parser.add_argument("--jobs", type=int, default=8, help="the parallel run's -j")
    args = parser.parse_args(argv)
    if args.roots < 3 or args.repeat < 1 or args.jobs < 1:
        parser.error("--roots >= 3, --repeat >= 1, --jobs >= 1")

    print(f"bench_plan_parallel: {environment_line()}")
    with tempfile.TemporaryDirectory(prefix="infra-bench-") as temporary:
        base = Path(temporary)
        out = base / "render"
        build_estate(out, args.roots - 2)
        env = plugin_cache_env(base)
        print(
            f"estate: {args.roots} roots (1 _global, {args.roots - 2} clusters, 1 _dr), "
            f"local state, TF_PLUGIN_CACHE_DIR={env['TF_PLUGIN_CACHE_DIR']}"
        )
        print("timed: run_roots(Run(out, 'plan', jobs=J)): init + plan + show per root")

        def plan(jobs: int) -> list[RootResult]:
            results = run_roots(Run(out, "plan", jobs=jobs, env=env, timeout=300))
            failed = [r for r in results if not r.ok]
            if failed or len(results) != args.roots:
                first = failed[0] if failed else None
                raise SystemExit(
                    f"bench_plan_parallel: {len(failed)} root(s) failed, {len(results)} ran"
                    + (f"; {first.path}: {first.message}" if first else "")
                )
            return results

        warm, _ = timed(lambda: plan(args.jobs))
        print(
            f"warm-up (untimed in the ratio, first init of every root): -j {args.jobs} {warm:.2f} s"
        )
        times: dict[int, list[float]] = {1: [], args.jobs: []}
        cpu: dict[int, list[float]] = {1: [], args.jobs: []}
        per_root: list[float] = []
        for index in range(args.repeat):
            # Alternate the order, so that a machine getting busier favours neither side.
            for jobs in (1, args.jobs) if index % 2 == 0 else (args.jobs, 1):
                before = _cpu()
                seconds, results = timed(partial(plan, jobs))
                infra_cpu, terraform_cpu = (a - b for a, b in zip(_cpu(), before, strict=True))
                times[jobs].append(seconds)
                cpu[jobs].append(infra_cpu + terraform_cpu)
                if jobs == 1:
                    per_root += [r.seconds for r in results]
                print(
                    f"  run {index + 1}: -j {jobs:<2} {seconds:7.2f} s wall; CPU: infra "
                    f"{infra_cpu:.2f} s, Terraform {terraform_cpu:.2f} s"
                )

    j1, jn = min(times[1]), min(times[args.jobs])
    ratio = j1 / jn
    best = "best of" if args.repeat > 1 else "one run of"
    print(
        f"plan -j 1 : {j1:7.2f} s  ({best} {args.repeat}; median {statistics.median(times[1]):.2f} s)"
    )
    print(
        f"plan -j {args.jobs:<2}: {jn:7.2f} s  ({best} {args.repeat}; "
        f"median {statistics.median(times[args.jobs]):.2f} s)"
    )
    print(
        f"one root at -j 1 (init + plan + show): median {statistics.median(per_root):.3f} s, "
        f"{args.roots} roots sum {sum(per_root) / args.repeat:.2f} s per run"
    )
    levels = 2 + -(-(args.roots - 2) // args.jobs)  # _global, the clusters in waves, _dr
    print(
        f"ceiling with unlimited cores: {args.roots / levels:.2f}x "
        f"({levels} root-times at -j {args.jobs} against {args.roots})"
    )
    cores = _usable_cpus()
    # Terraform plans are CPU-bound here (no provider calls to wait for): -j N cannot finish
    # before the CPU time it needs is spread over every core.
    floor = min(cpu[args.jobs]) / cores
    print(
        f"CPU ceiling on this machine: {j1 / floor:.2f}x (j1 wall / CPU seconds of the -j "
        f"{args.jobs} run spread over {cores} cores)"
    )
    print(f"ratio j1 / j{args.jobs}: {ratio:.2f}x")
    print(f"goal: j1 / j{args.jobs} >= {GOAL}x on 2 cores: {verdict(ratio >= GOAL)} ({ratio:.2f}x)")
    return 0


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children (Terraform)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


if __name__ == "__main__":
    sys.exit(main())
