"""Incremental benchmark: render the 10,000-pool estate, record every root as planned (the
``.infra/runs.json`` a successful ``infra plan`` of all roots leaves, with the runner's own
digest function, as bench_changed.py does: no Terraform), edit one pool, re-render, and time
``infra ci matrix --changed`` (the --changed selection infra plan uses). Only the edited root,
the root of its failover target (which holds the edited pool's standby) and the stack's ``_dr``
root (which depends on every cluster root) may be listed, with the add-ons roots of those two
clusters (their GPU software is placed by pool name), and the edited root must be.

usage: python bench/bench_incremental.py [--pools 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import INFRA, checked
from _stacks import write_stacks

from infra.run import RUNS, _digest, load_roots


def record_planned(out: Path) -> None:
    """Every root's digest as its last successful plan would have recorded it."""
    records = {root.path: _digest(out, root.path) for root in load_roots(out)}
    path = out / RUNS
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(dict(sorted(records.items())), indent=2) + "\n", encoding="utf-8")


def measure(pools: int, base: Path) -> dict[str, Any]:
    stacks, out = base / "stacks", base / "out"
    specs = write_stacks(stacks, pools)
    first = checked([*INFRA, "render", str(stacks), "-o", str(out)])
    record_planned(out)
    edited = specs[len(specs) // 2]
    write_stacks(stacks, pools, edited=f"{edited.name}/p007")
    again = checked([*INFRA, "render", str(stacks), "-o", str(out)])
    matrix = checked([*INFRA, "ci", "matrix", "-o", str(out), "--changed", "--json"])
    document, _ = json.JSONDecoder().raw_decode(matrix.output[matrix.output.index("{") :])
    listed = sorted(_roots(document))
    # The target's root changes only when its standby pools do (they are sized per GPU model,
    # not per pool), so it may be listed, not must.
    edited_root = f"terraform/{edited.stack}/{edited.name}"
    # Each of those clusters' add-ons root too: its GPU software is placed by the pools' names.
    clusters = {edited.name, edited.failover} - {None}
    names = {*clusters, *(f"{c}_addons" for c in clusters), "_dr"}
    allowed = sorted(f"terraform/{edited.stack}/{name}" for name in names if name)
    return {
        "pools": pools,
        "edited": f"{edited.stack}/{edited.name}/p007",
        "first_render_s": first.seconds,
        "re_render_s": again.seconds,
        "changed_matrix_s": matrix.seconds,
        "listed": listed,
        "allowed": allowed,
        "only_edited_listed": edited_root in listed and set(listed) <= set(allowed),
    }


def _roots(document: dict[str, Any]) -> list[str]:
    """The root paths of a GitHub matrix document ({'matrix': {'include': [{'root': ...}]}})."""
    matrix = document.get("matrix", {})
    include = matrix.get("include", []) if isinstance(matrix, dict) else matrix
    found: list[str] = []
    for entry in include:
        found += [v for v in entry.values() if isinstance(v, str) and v.startswith("terraform/")]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        print(json.dumps(measure(args.pools, Path(tmp))))


if __name__ == "__main__":
    main()
