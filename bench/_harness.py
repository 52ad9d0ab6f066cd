"""The shared harness of the render, dr, incremental and profile benchmarks: a whole process
timed from the outside with its own peak RSS, goals printed as MET or MISSED, results as JSON.

Peak RSS comes from ``os.wait4`` (the child's own ``ru_maxrss``, KiB on Linux: getrusage(2)),
so each process is measured alone, not as the maximum over every child of the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INFRA = [sys.executable, "-m", "infra"]


@dataclass(frozen=True)
class Run:
    """One whole process: wall seconds, peak RSS in MB, exit code and its output's tail."""

    seconds: float
    rss_mb: float
    returncode: int
    output: str


@dataclass(frozen=True)
class Goal:
    """One goal of issue 16 and the measured value beside it (lower is better unless
    ``at_least``)."""

    name: str
    measured: float
    limit: float
    unit: str
    at_least: bool = False

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        word = "MET" if self.met else "MISSED"
        return f"{self.name:<44} {self.measured:>10.3f} {self.unit:<3} goal {sign} {self.limit:g}  {word}"


@dataclass
class Results:
    """What a run writes to bench/results/<date>.json."""

    environment: dict[str, object]
    rows: list[dict[str, object]] = field(default_factory=list)
    goals: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: dict[str, list[str]] = field(default_factory=dict)

    def goal(self, goal: Goal) -> None:
        print(goal.line(), flush=True)
        self.goals.append(asdict(goal) | {"met": goal.met})

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def run(command: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion; its wall time and its own peak RSS (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=(os.environ | env) if env else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = output.decode(errors="replace")
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode, text)


def checked(command: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """``run`` that stops the benchmark when the process fails: a number from a failed run
    would be a wrong number."""
    result = run(command, cwd=cwd, env=env)
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} exited {result.returncode}:\n{result.output}")
    return result


def environment() -> dict[str, object]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "python": sys.version.split()[0],
        "cpus": usable,
        "load_average_at_start": [round(x, 2) for x in load],
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
