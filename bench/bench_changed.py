"""``infra plan --changed`` on a large estate: what it selects and what the selection costs.

The estate: ``--roots N`` roots (default 200), one ``_global``, N-2 clusters depending on it, one
``_dr`` depending on every cluster, provider-free (``terraform_data``, local state); the cluster
roots call a shared local module under ``modules/`` (8 files, ~50 KB) as rendered roots do, so
each root's digest hashes what a real one would.

The baseline records (``.infra/runs.json``, the digests of the last successful plan) are, by
default, written without running Terraform, with the digest function of ``infra.run``
(``infra.run._digest``, a private function: the one the runner itself records). With ``--full``
a real ``plan -j 8`` of every root makes them instead, and is timed.

Then one cluster root is edited, and:

- ``select_roots(out, roots, changed=True)`` must pick exactly that root and ``_dr``
  (PASS/MISS); it is timed (best of ``--repeat``) against planning one root (a one-root render
  planned in the same run) and against the full-estate selection (``changed=False``).
- ``run_roots(Run(out, "plan", jobs=8, changed=True))``, end to end (manifest, selection,
  init + plan + show of the 2 roots, records), must plan only those 2 roots (PASS/MISS); it is
  timed against planning the same 2 roots, each alone in a one-root render (a cluster with the
  module, a root without one as ``_dr`` is; "one root x2": they are in 2 levels, so they run one
  after the other) and, with ``--full``, against the full plan.

Without ``--full`` no root of the estate was initialised before, so the one-root baselines are
timed cold too (a fresh render each); with ``--full`` both are warm. Misses never fail
the process; a root that fails does (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from functools import partial
from pathlib import Path

from _estate import (
    build_estate,
    cluster_names,
    environment_line,
    plugin_cache_env,
    root_path,
    root_text,
    timed,
    verdict,
)

from infra.run import (
    RUNS,
    RootResult,
    Run,
    _digest,  # private: the digest the runner records (see the docstring)
    load_roots,
    run_roots,
    select_roots,
)

JOBS = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, default=200, help="roots in the estate (>= 3)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls of select_roots")
    parser.add_argument(
        "--full", action="store_true", help="plan every root for real first (slow), and compare"
    )
    args = parser.parse_args(argv)
    if args.roots < 3 or args.repeat < 1:
        parser.error("--roots >= 3, --repeat >= 1")

    print(f"bench_changed: {environment_line()}")
    with tempfile.TemporaryDirectory(prefix="infra-bench-") as temporary:
        base = Path(temporary)
        env = plugin_cache_env(base)
        out = base / "render"
        clusters = cluster_names(args.roots - 2)
        build_estate(out, len(clusters), module=True)
        print(
            f"estate: {args.roots} roots (1 _global, {len(clusters)} clusters calling a shared "
            "module, 1 _dr), local state"
        )

        def plan(directory: Path, *, changed: bool = False) -> list[RootResult]:
            run = Run(directory, "plan", jobs=JOBS, changed=changed, env=env, timeout=300)
            results = run_roots(run)
            failed = [r for r in results if not r.ok]
            if failed:
                raise SystemExit(f"bench_changed: {failed[0].path}: {failed[0].message}")
            return results

        full = None
        if args.full:
            full, _ = timed(lambda: plan(out))
            print(f"baseline: real plan -j {JOBS} of all {args.roots} roots: {full:.2f} s")
        else:
            seconds = _record_digests(out)
            print(
                f"baseline: {RUNS} written with infra.run._digest (no Terraform): {seconds:.2f} s"
            )

        roots = load_roots(out)
        untouched = select_roots(out, roots, changed=True)
        print(
            f"check: nothing edited, --changed selects {sorted(untouched) or 'nothing'}: "
            f"{verdict(not untouched)}"
        )

        edited = clusters[len(clusters) // 2]
        (out / root_path(edited) / "main.tf").write_text(
            root_text(edited, "v2", module=True), encoding="utf-8"
        )
        expected = {root_path(edited), root_path("_dr")}
        load, roots = timed(lambda: load_roots(out))
        selection = select_roots(out, roots, changed=True)
        print(f"edited: {root_path(edited)}/main.tf")
        print(
            f"check: --changed selects {sorted(selection)}: {verdict(selection == expected)}"
            f" (expected {sorted(expected)})"
        )

        select_changed = min(
            timed(lambda: select_roots(out, roots, changed=True))[0] for _ in range(args.repeat)
        )
        select_all = min(timed(lambda: select_roots(out, roots))[0] for _ in range(args.repeat))

        # The baseline: the same 2 roots, each alone in a one-root render, planned with the
        # runner in this run: a cluster calling the module, and a root without one (as _dr is).
        # Each in a fresh render (cold, like the estate's roots) unless --full initialised the
        # estate (then warm: one untimed plan first).
        singles = []
        for index in range(2):
            single = base / f"single-{index}"
            build_estate(single, 1, module=index == 0, shared=False)
            if args.full:
                plan(single)
            singles.append(timed(partial(plan, single))[0])
        one = singles[0]
        two = sum(singles)

        end_to_end, results = timed(lambda: plan(out, changed=True))
        planned = {r.path for r in results}
        nothing, idle = timed(lambda: plan(out, changed=True))

    state = "warm" if args.full else "cold"
    print(f"load_roots ({args.roots} roots):              {load * 1000:9.1f} ms")
    print(
        f"select_roots(changed=True):              {select_changed * 1000:9.1f} ms  "
        f"(best of {args.repeat}; {select_changed / args.roots * 1e6:.0f} us a root)"
    )
    print(
        f"select_roots() (every root):             {select_all * 1000:9.3f} ms  (best of {args.repeat})"
    )
    print(f"plan of one cluster root ({state}, alone):  {one * 1000:9.1f} ms")
    print(
        f"ratio plan one root / select changed:    {one / select_changed:9.2f}x  "
        f"goal >= 1 (selecting {args.roots} roots costs less than planning one): "
        f"{verdict(select_changed < one)}"
    )
    print(f"ratio select changed / select every root: {select_changed / select_all:8.0f}x")
    print(
        f"plan --changed -j {JOBS}, end to end:        {end_to_end:9.2f} s  planned "
        f"{sorted(planned)}: {verdict(planned == expected)}"
    )
    print(f"plan of the same 2 roots, each alone:    {two:9.2f} s  ({state})")
    print(
        f"ratio plan --changed / 2 roots alone:    {end_to_end / two:9.2f}x  "
        f"(overhead of the {args.roots}-root estate: {(end_to_end - two) * 1000:+.0f} ms)"
    )
    print(
        f"plan --changed with nothing changed:     {nothing:9.2f} s  planned "
        f"{len(idle)} root(s): {verdict(not idle)}"
    )
    if full is not None:
        print(f"plan -j {JOBS} of all {args.roots} roots:          {full:9.2f} s")
        print(f"ratio full plan / plan --changed:        {full / end_to_end:9.1f}x")
    else:
        print(f"(the full plan of all {args.roots} roots runs with --full; it is slow)")
    return 0


def _record_digests(out: Path) -> float:
    """``.infra/runs.json`` as a successful plan of every root leaves it: each root's digest,
    computed by the runner's own (private) digest function."""

    def write() -> None:
        records = {root.path: _digest(out, root.path) for root in load_roots(out)}
        path = out / RUNS
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(dict(sorted(records.items())), indent=2) + "\n")

    return timed(write)[0]


if __name__ == "__main__":
    sys.exit(main())
