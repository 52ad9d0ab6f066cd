"""A drill's wall time against the plan's critical path, on the local endpoints.

The drill: llm-train losing Azure eastus (the replica check and the scaling on AWS, traffic on
Azure Traffic Manager), executed in this process against the repository's local endpoints
(``tools/endpoints/``) at ``--time-factor F`` (default 0.005: the plan's 24 minutes in 7.2 s).

Printed, each as a ratio:

- measured wall time / the plan's critical path at that factor (estimated RTO x 60 x F): the
  goal is at most 1.2x (the executor's own overhead is small and independent steps run
  concurrently). The local endpoints simulate only the provisioning time of the node pools,
  not the plan's other minutes (DNS TTLs, verification), so the drill can finish under 1.0x.
- measured wall time / the floor the endpoints impose, measured in the same run: the longest
  node pool provisioning on the critical path (a scale call, then waiting until the pool is
  ready, made directly with the adapter, no executor). What is above 1.0x is the executor's
  overhead: pre-checks, journal fsyncs, reads, traffic and verification calls.

A miss never fails the process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.drill.executor import Settings  # noqa: E402
from infra.drill.run import execute, prepare  # noqa: E402
from infra.pipeline import resolve_paths  # noqa: E402
from tools.endpoints import local_endpoints  # noqa: E402
from tools.endpoints.seed import seed_of  # noqa: E402

GOAL = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-factor", type=float, default=0.005)
    args = parser.parse_args()
    factor = args.time_factor
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    for name in ("HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)
    stack = resolve_paths([str(ROOT / "stacks" / "llm_train.py")]).stacks[0]
    seed = seed_of(stack)
    with local_endpoints(seed, factor) as running:
        aws, azure = running["aws"], running["azure"]
        endpoints = {name: api.url for name, api in running.items()}
        prepared = prepare(stack, "azure:eastus", endpoints)
        plan = prepared.plan
        critical = plan.estimated_rto_minutes * 60 * factor

        # The floor: the slowest scaled pool, scaled and waited for directly.
        floor = 0.0
        for step in prepared.steps:
            if step.kind != "scale":
                continue
            adapter = prepared.adapters[step.cloud]
            for change in step.pools:
                started = time.monotonic()
                for op in adapter.scale(
                    change.pool, change.min_nodes, change.desired, change.max_nodes
                ):
                    adapter.invoke(adapter.resolve(op.call), "bench-floor")
                for op in adapter.pool_ready(change.pool, change.desired):
                    while not adapter.done(op, adapter.invoke(adapter.resolve(op.call), "")):
                        time.sleep(max(0.01, op.interval_s * factor))
                floor = max(floor, time.monotonic() - started)
        prepared.close()

        aws.seed(seed)
        azure.seed(seed)
        prepared = prepare(stack, "azure:eastus", endpoints)
        with tempfile.TemporaryDirectory() as runs:
            started = time.monotonic()
            report = execute(
                prepared,
                Path(runs) / "bench",
                "bench",
                Settings(approve=lambda _prompt: True, time_factor=factor),
                {"stack": stack.name, "outage": "azure:eastus", "endpoints": endpoints},
            )
            wall = time.monotonic() - started
        prepared.close()
    ok = report["ok"]
    ratio = wall / critical
    print(
        f"drill llm-train azure:eastus at time factor {factor}: {'recovered' if ok else 'FAILED'}"
    )
    print(f"  critical path {plan.estimated_rto_minutes} min -> {critical:.2f} s at this factor")
    print(f"  floor (slowest pool scaled and ready, no executor): {floor:.2f} s")
    print(
        f"  drill wall time: {wall:.2f} s; measured recovery {report['measured_rto_minutes']} min"
    )
    verdict = "PASS" if ratio <= GOAL else "MISS"
    print(f"  wall / critical path: {ratio:.2f}x (goal <= {GOAL}x) {verdict}")
    print(f"  wall / floor: {wall / floor:.2f}x (the executor's overhead above the provisioning)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
