"""Runs a drill's steps against the clouds: by their dependencies, concurrently, journaled.

Steps whose dependencies have finished run at once, up to ``max_workers`` together; a failed
step fails its dependants (they are skipped, and say why), while independent steps go on. Inside
a step the ops run in order: pre-checks (every one, so a report lists all that fail) before any
change; then the changes; waits poll with backoff until their condition holds or they time out.

Durations and timeouts are the cloud's own; ``time_factor`` scales them for local endpoints
that simulate provisioning faster than a cloud (0.01 makes a 60-minute plan run in 36 s), and
the report scales measured times back by the same factor, so measured and planned minutes are
comparable. Against a cloud, the factor is 1.

``INFRA_DRILL_KILL_AT=N`` kills the drill (SIGKILL) right after its N-th step boundary (a step
starting or ending, as journaled): the fault the crash/resume tests inject.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.drill.api import Call, CallError, DrillAdapter, Evaluation, Op, parse_time
from infra.drill.journal import Journal, JournalState
from infra.drill.steps import DrillStep

__all__ = ["Executor", "Settings", "StepFailed"]

FINISHED = frozenset({"done", "approved"})


class StepFailed(Exception):
    """A step cannot go on (one line, shown in the report and the summary)."""


def _kill_at() -> int | None:
    value = os.environ.get("INFRA_DRILL_KILL_AT", "")
    return int(value) if value.isdigit() else None


@dataclass
class Settings:
    """How a drill runs."""

    approve: Callable[[str], bool]  # asks a person to confirm a manual step; True = confirmed
    time_factor: float = 1.0
    max_workers: int = 8
    attempts: int = 5  # per call, for retryable errors
    backoff_s: float = 0.2  # first retry delay (doubles), wall time
    progress: Callable[[str, str, str], None] | None = None  # (step id, status, detail)
    kill_at: int | None = field(default_factory=_kill_at)


class Executor:
    """Runs ``steps`` once; :meth:`run` returns each step's final status."""

    def __init__(
        self,
        run: str,
        steps: Sequence[DrillStep],
        adapters: Mapping[str, DrillAdapter],
        journal: Journal,
        state: JournalState,
        settings: Settings,
    ) -> None:
        self.run_id = run
        self.steps = {s.id: s for s in steps}
        self.order = [s.id for s in steps]
        self.adapters = adapters
        self.journal = journal
        self.state = state
        self.settings = settings
        self._boundaries = 0
        self._lock = threading.Lock()
        self._approval = threading.Lock()

    # -- scheduling ------------------------------------------------------------------------
    def run(self) -> dict[str, str]:
        status: dict[str, str] = {}
        for sid in self.order:
            if self.state.finished(sid):
                status[sid] = self.state.steps[sid]["status"]
                self._progress(sid, status[sid], "finished before the resume")
        pending = [sid for sid in self.order if sid not in status]
        running: dict[Future[str], str] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.settings.max_workers)) as pool:
            while pending or running:
                for sid in list(pending):
                    deps = [d for d in self.steps[sid].depends_on if d in self.steps]
                    blocked = [d for d in deps if status.get(d) in {"failed", "skipped"}]
                    if blocked:
                        pending.remove(sid)
                        status[sid] = "skipped"
                        why = f"skipped: {', '.join(blocked)} did not finish"
                        self._boundary(sid, "skipped", error=why)
                    elif all(status.get(d) in FINISHED for d in deps):
                        pending.remove(sid)
                        running[pool.submit(self._step, self.steps[sid])] = sid
                if not running:
                    continue
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    status[running.pop(future)] = future.result()
        return status

    def _step(self, step: DrillStep) -> str:
        self._boundary(step.id, "started")
        try:
            final = self._body(step)
        except StepFailed as exc:
            self._boundary(step.id, "failed", error=str(exc))
            return "failed"
        except Exception as exc:  # an adapter bug must not take the other steps down
            message = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self._boundary(step.id, "failed", error=message)
            return "failed"
        self._boundary(step.id, final)
        return final

    def _body(self, step: DrillStep) -> str:
        adapter = self.adapters[step.cloud]
        if step.approval is not None:
            with self._approval:
                confirmed = self.settings.approve(f"{step.id}: {step.approval}")
            if not confirmed:
                raise StepFailed("manual step not confirmed")
            return "approved"
        if step.kind == "check":
            self._check(step, adapter)
        elif step.kind in {"scale", "failback-scale"}:
            self._scale(step, adapter)
        elif step.kind in {"traffic", "failback-traffic"}:
            for n, op in enumerate(step.ops):
                self._mutate(step, adapter, op, n)
        else:
            for n, op in enumerate(step.ops):
                self._wait(step, self._adapter_of(op), op, n)
        return "done"

    def _adapter_of(self, op: Op) -> DrillAdapter:
        return self.adapters[op.call.cloud]

    # -- step kinds ------------------------------------------------------------------------
    def _check(self, step: DrillStep, adapter: DrillAdapter) -> None:
        for n, op in enumerate(step.ops):
            evaluation = self._read(step, adapter, op, f"read/{n}")
            age = None
            if evaluation.ok and evaluation.value:
                seconds = (datetime.now(UTC) - parse_time(str(evaluation.value))).total_seconds()
                age = round(max(0.0, seconds) / 60 / self.settings.time_factor, 1)
            rpo = step.rpo_minutes
            ok = evaluation.ok and age is not None and (rpo is None or age <= rpo)
            detail = evaluation.detail
            if age is not None:
                detail += f"; newest checkpoint {age} min old" + (
                    f" (RPO {rpo} min)" if rpo is not None else ""
                )
            self.journal.append(
                "rpo",
                step=step.id,
                cluster=step.cluster,
                newest=evaluation.value,
                age_minutes=age,
                ok=ok,
                detail=detail,
            )
            if not ok:
                raise StepFailed(f"RPO check failed: {detail}")

    def _scale(self, step: DrillStep, adapter: DrillAdapter) -> None:
        for change, op in zip(step.pools, step.sizes, strict=False):
            name = f"{change.pool.cluster}/{change.pool.node_pool}"
            if name in self.state.snapshots:
                continue
            evaluation = self._read(step, adapter, op, f"size/{name}")
            if not evaluation.ok or not isinstance(evaluation.value, Mapping):
                raise StepFailed(f"cannot read the sizes of {name}: {evaluation.detail}")
            sizes = {k: int(evaluation.value[k]) for k in ("min", "desired", "max")}
            self.journal.append("snapshot", step=step.id, pool=name, sizes=sizes)
            with self._lock:
                self.state.snapshots[name] = sizes
        failed = []
        for n, op in enumerate(step.prechecks):
            evaluation = self._read(step, adapter, op, f"precheck/{n}")
            self.journal.append(
                "precheck",
                step=step.id,
                title=op.title,
                pool=op.need.get("pool", ""),
                check=op.need.get("check", op.call.operation),
                ok=evaluation.ok,
                detail=evaluation.detail,
            )
            if not evaluation.ok:
                failed.append(evaluation.detail)
        if failed:
            raise StepFailed("pre-check failed: " + "; ".join(failed))
        for n, op in enumerate(step.ops):
            self._mutate(step, adapter, op, n)

    # -- ops ---------------------------------------------------------------------------------
    def _mutate(self, step: DrillStep, adapter: DrillAdapter, op: Op, n: int) -> None:
        key = f"{step.id}/mutate/{n}"
        previous = self.state.results.get(key)
        if previous is not None and previous.get("ok"):
            self._progress(step.id, "running", f"{op.title}: done before the resume")
            return
        if key in self.state.intents and previous is None and op.probe is not None:
            # In flight when the drill died: make it only if its change is not in effect.
            answer = self._call(adapter, op.probe, key + "/probe")[0]
            if adapter.done(op, answer):
                self.journal.append(
                    "result",
                    key=key,
                    step=step.id,
                    ok=True,
                    how="reconciled",
                    describe=op.call.describe(),
                    mutating=True,
                    attempts=0,
                    seconds=0.0,
                )
                return
        resolved = adapter.resolve(op.call)
        self.journal.append(
            "intent", key=key, step=step.id, call=resolved.to_json(), describe=op.call.describe()
        )
        started = time.monotonic()
        try:
            answer, attempts = self._call(adapter, resolved, key, resolved_already=True)
        except CallError as exc:
            self.journal.append(
                "result",
                key=key,
                step=step.id,
                ok=False,
                error=str(exc),
                how="called",
                describe=op.call.describe(),
                mutating=True,
                seconds=time.monotonic() - started,
            )
            raise StepFailed(f"{op.title}: {exc}") from exc
        self.journal.append(
            "result",
            key=key,
            step=step.id,
            ok=True,
            how="called",
            answer=_small(answer),
            describe=op.call.describe(),
            mutating=True,
            attempts=attempts,
            seconds=round(time.monotonic() - started, 3),
        )
        self._progress(step.id, "running", op.title)

    def _read(self, step: DrillStep, adapter: DrillAdapter, op: Op, name: str) -> Evaluation:
        started = time.monotonic()
        try:
            answer, attempts = self._call(adapter, op.call, f"{step.id}/{name}")
        except CallError as exc:
            self._record_read(step, op, False, str(exc), 0, started)
            return Evaluation(False, str(exc))
        evaluation = adapter.evaluate(op, answer)
        self._record_read(step, op, evaluation.ok, None, attempts, started)
        return evaluation

    def _wait(self, step: DrillStep, adapter: DrillAdapter, op: Op, n: int) -> None:
        factor = self.settings.time_factor
        interval = max(0.01, op.interval_s * factor)
        deadline = time.monotonic() + max(1.0, op.timeout_s * factor)
        started = time.monotonic()
        polls = 0
        while True:
            polls += 1
            try:
                answer, _ = self._call(adapter, op.call, f"{step.id}/wait/{n}")
                finished = adapter.done(op, answer)  # may raise: failed for good
            except CallError as exc:
                self._record_read(step, op, False, str(exc), polls, started)
                raise StepFailed(f"{op.title}: {exc}") from exc
            if finished:
                self._record_read(step, op, True, None, polls, started)
                return
            if time.monotonic() + interval > deadline:
                limit = (
                    f"{op.timeout_s:g} s" if op.timeout_s < 120 else f"{op.timeout_s / 60:g} min"
                )
                self._record_read(step, op, False, "timed out", polls, started)
                raise StepFailed(f"{op.title}: not done after {limit} ({polls} checks)")
            time.sleep(interval)
            interval = min(interval * 1.5, max(0.01, op.interval_s * factor) * 4)

    def _call(
        self, adapter: DrillAdapter, call: Call, key: str, resolved_already: bool = False
    ) -> tuple[Any, int]:
        token = hashlib.sha256(f"{self.run_id}/{key}".encode()).hexdigest()[:32]
        delay = self.settings.backoff_s
        for attempt in range(1, self.settings.attempts + 1):
            try:
                ready = call if resolved_already else adapter.resolve(call)
                return adapter.invoke(ready, token), attempt
            except CallError as exc:
                if not exc.retryable or attempt == self.settings.attempts:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    # -- journal and progress ------------------------------------------------------------------
    def _record_read(
        self, step: DrillStep, op: Op, ok: bool, error: str | None, attempts: int, started: float
    ) -> None:
        self.journal.append(
            "call",
            step=step.id,
            describe=op.call.describe(),
            mutating=False,
            ok=ok,
            error=error,
            attempts=attempts,
            seconds=round(time.monotonic() - started, 3),
        )

    def _boundary(self, step: str, status: str, error: str | None = None) -> None:
        self.journal.append("step", step=step, status=status, error=error)
        self._progress(step, status, error or "")
        with self._lock:
            self._boundaries += 1
            if self.settings.kill_at is not None and self._boundaries == self.settings.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    def _progress(self, step: str, status: str, detail: str) -> None:
        if self.settings.progress is not None:
            self.settings.progress(step, status, detail)


def _small(answer: Any, limit: int = 4000) -> Any:
    """An answer for the journal: whole when small, else a note of its size."""
    text = json.dumps(answer, default=str, sort_keys=True)
    return answer if len(text) <= limit else {"truncated": len(text)}
