"""`make demo`'s drill: a failover drill of one region, across two clouds, on local endpoints.

1. Starts the local endpoints on 127.0.0.1 (moto for AWS, ``tools/endpoints/azure.py`` and
   ``tools/endpoints/alicloud.py``), seeded with the stack's clusters, node pools (standby pools
   at their rendered sizes), DNS failover records, offers and quotas (``tools/endpoints/seed.py``);
2. runs ``infra drill STACK --fail OUTAGE --execute`` against them, the way a user points a drill
   at a local API (``--endpoint CLOUD=URL``), at a time factor that makes the plan's minutes pass
   in seconds (the report scales measured times back);
3. runs ``infra drill --failback RUN``, which returns the pools and the traffic;
4. takes a screenshot of the HTML report with headless Chromium, when it is installed;
5. stops the endpoints.

The reports are written under ``OUT/drills/<run>/`` (JSON, Markdown, HTML).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from infra.pipeline import resolve_paths
from tools.endpoints import local_endpoints
from tools.endpoints.seed import seed_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="stacks/llm_train.py")
    parser.add_argument("--fail", default="azure:eastus")
    parser.add_argument("--out", default="build")
    parser.add_argument("--time-factor", type=float, default=0.005)
    args = parser.parse_args(argv)

    resolution = resolve_paths([args.stack])
    if not resolution.ok:
        for problem in resolution.problems:
            print(problem, file=sys.stderr)
        return 1
    seed = seed_of(resolution.stacks[0])
    runs = Path(args.out) / "drills"
    infra = [sys.executable, "-m", "infra", "drill", args.stack, "--fail", args.fail]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    env.update(ALIBABA_CLOUD_ACCESS_KEY_ID="local", ALIBABA_CLOUD_ACCESS_KEY_SECRET="local")
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        env.pop(name, None)
    with local_endpoints(seed, args.time_factor) as endpoints:
        flags = [f"--endpoint={name}={api.url}" for name, api in endpoints.items()]
        for name, api in endpoints.items():
            print(f"local {name} endpoint: {api.url}")
        common = [*flags, "--runs", str(runs), "--time-factor", str(args.time_factor), "--yes"]
        print(f"\n== infra drill {args.stack} --fail {args.fail} (dry run)", flush=True)
        dry = subprocess.run([*infra, *flags], env=env, check=False)
        print(f"\n== infra drill {args.stack} --fail {args.fail} --execute", flush=True)
        executed = subprocess.run(
            [*infra, "--execute", *common, "--json"],
            env=env,
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        document = json.loads(executed.stdout)
        report = document["report"]
        _summary(report)
        run = report["run"]
        print(f"\n== infra drill {args.stack} --fail {args.fail} --failback {run}", flush=True)
        back = subprocess.run([*infra, "--failback", run, *common], env=env, check=False)
        html = Path(document["files"]["html"])
    png = html.with_suffix(".png")
    try:
        from tools.screenshot import ink_fraction, screenshot  # noqa: PLC0415

        screenshot(html, png)
        print(f"\nscreenshot of the report: {png} (ink {ink_fraction(png):.1%} of the page)")
    except (RuntimeError, OSError, ValueError) as exc:  # no Chromium, a failed or bad shot
        print(f"\nno screenshot of the report: {exc}")
    print(f"reports: {html.parent}/report.{{json,md,html}}")
    return 0 if dry.returncode == 0 and executed.returncode == 0 and back.returncode == 0 else 1


def _summary(report: dict[str, object]) -> None:
    from infra.drill.report import summary_lines  # noqa: PLC0415

    for line in summary_lines(report):
        print(line)


if __name__ == "__main__":
    sys.exit(main())
