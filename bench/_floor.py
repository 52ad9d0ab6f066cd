"""The floor of a render: one process that builds the same node-pool resources as plain dicts
and ``json.dump``s them, one file per cluster, and nothing else (no model, no validation, no
templates). The pool count per cluster is what the real render wrote (primary and standby
pools, counted by bench_render.py from its main.tf files), so the floor writes as many resources.

usage: python bench/_floor.py COUNTS.json OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def pool(name: str, standby: bool) -> dict[str, object]:
    """The 12 fields a rendered node_pools entry holds (modules/*-gpu-cluster variables)."""
    return {
        "name": name,
        "desired_nodes": 0 if standby else 1,
        "gpu": "A100-80GB",
        "gpus_per_node": 8,
        "instance_type": "p4de.24xlarge",
        "labels": {},
        "max_nodes": 2,
        "min_nodes": 0 if standby else 1,
        "rdma": False,
        "spot": False,
        "standby": standby,
        "taints": [],
        "workload": "training",
    }


def main(counts_file: str, out: str) -> None:
    counts: dict[str, list[int]] = json.loads(Path(counts_file).read_text(encoding="utf-8"))
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for cluster, (primary, standby) in counts.items():
        pools = [pool(f"p{i:03d}", False) for i in range(primary)]
        pools += [pool(f"s{i:03d}", True) for i in range(standby)]
        document = {"module": {"cluster": {"name": cluster, "node_pools": pools}}}
        with open(root / f"{cluster.replace('/', '_')}.tf.json", "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
