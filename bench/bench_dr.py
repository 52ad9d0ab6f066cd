"""dr check benchmark: ``infra dr check`` as a whole process over synthetic stacks of 10 to
2,000 clusters of 50 pools (bench/_stacks.py), and the growth exponent k of time ~ clusters^k
(least-squares slope in log-log).

usage: python bench/bench_dr.py [--clusters 10,50,200,1000,2000]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import INFRA, checked
from _stacks import POOLS_PER_CLUSTER, write_stacks


def measure(clusters: int, base: Path) -> dict[str, Any]:
    stacks = base / f"dr-{clusters}"
    write_stacks(stacks, clusters * POOLS_PER_CLUSTER)
    done = checked([*INFRA, "dr", "check", str(stacks)])
    return {
        "clusters": clusters,
        "pools": clusters * POOLS_PER_CLUSTER,
        "dr_check_s": done.seconds,
        "dr_check_rss_mb": done.rss_mb,
    }


def exponent(rows: list[dict[str, Any]]) -> float:
    """Least-squares slope of log(time) over log(clusters)."""
    xs = [math.log(float(r["clusters"])) for r in rows]
    ys = [math.log(float(r["dr_check_s"])) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", default="10,50,200,1000,2000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dr-") as tmp:
        rows = [measure(int(c), Path(tmp)) for c in args.clusters.split(",")]
    for row in rows:
        print(json.dumps(row))
    print(json.dumps({"exponent": exponent(rows)}))


if __name__ == "__main__":
    main()
