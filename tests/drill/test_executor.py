"""The drill executor on an in-memory cloud: order, concurrency, failures, journal, resume."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.drill.api import Call, CallError, DrillAdapter, Evaluation, Op, PoolRef
from infra.drill.executor import Executor, Settings
from infra.drill.journal import Journal, JournalState
from infra.drill.steps import DrillStep, PoolChange


class Memory(DrillAdapter):
    """A cloud of node pools whose sizes change when set and are ready after ``ready_after``."""

    cloud = "mem"

    def __init__(self, endpoint: str | None = None) -> None:
        super().__init__(endpoint)
        self.sizes: dict[str, dict[str, int]] = {"p": {"min": 0, "desired": 0, "max": 4}}
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, list[CallError]] = {}
        self.ready_after = 0.0
        self.changed_at = 0.0
        self.running = 0
        self.peak = 0
        self.delay = 0.0
        self._lock = threading.Lock()

    def scale(self, pool: PoolRef, min_nodes: int, desired: int, max_nodes: int) -> tuple[Op, ...]:
        sizes = {"min": min_nodes, "desired": desired, "max": max_nodes}
        call = Call("mem", "r", "pools", "set", {"pool": pool.node_pool, **sizes}, True)
        probe = Call("mem", "r", "pools", "get", {"pool": pool.node_pool}, False)
        return (Op("mutate", call, f"set {pool.node_pool}", probe=probe, need=sizes),)

    def pool_size(self, pool: PoolRef) -> Op:
        return Op("read", Call("mem", "r", "pools", "get", {"pool": pool.node_pool}, False), "size")

    def pool_ready(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        call = Call("mem", "r", "pools", "get", {"pool": pool.node_pool}, False)
        return (Op("wait", call, "ready", timeout_s=5, interval_s=0.01, need={"desired": nodes}),)

    def prechecks(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        call = Call("mem", "r", "quota", "get", {"need": nodes}, False)
        return (Op("precheck", call, "quota", need={"nodes": nodes}),)

    def replica_age(self, replica: Any) -> Op | None:
        return None

    def traffic(self, ref: Any, weights: Any, failover: bool) -> tuple[Op, ...]:
        return ()

    def resolve(self, call: Call) -> Call:
        return call

    def invoke(self, call: Call, idempotency_key: str) -> Any:
        name = f"{call.service}.{call.operation}"
        with self._lock:
            self.calls[name] += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
            errors = self.fail.get(name)
            error = errors.pop(0) if errors else None
        try:
            if self.delay:
                time.sleep(self.delay)
            if error:
                raise error
            if call.operation == "set":
                params = dict(call.params)
                self.sizes[params.pop("pool")] = params
                self.changed_at = time.monotonic()
                return {"ok": True}
            if call.service == "quota":
                return {"room": 4}
            return dict(self.sizes[call.params["pool"]], age=time.monotonic() - self.changed_at)
        finally:
            with self._lock:
                self.running -= 1

    def done(self, op: Op, answer: Any) -> bool:
        if op.kind == "wait":
            return answer["desired"] >= op.need["desired"] and answer["age"] >= self.ready_after
        return all(answer[k] == v for k, v in op.need.items())

    def evaluate(self, op: Op, answer: Any) -> Evaluation:
        if op.kind == "precheck":
            ok = answer["room"] >= op.need["nodes"]
            return Evaluation(ok, f"room for {answer['room']} nodes, needs {op.need['nodes']}")
        return Evaluation(True, "sizes", {k: answer[k] for k in ("min", "desired", "max")})


REF = PoolRef("s", "o", "c", "s-c", "r", "p", "p", "t")


def _step(sid: str, kind: str, deps: tuple[str, ...] = (), **fields: Any) -> DrillStep:
    return DrillStep(
        id=sid,
        kind=kind,
        title=sid,
        cloud="mem",
        region="r",
        phase=2,
        depends_on=deps,  # type: ignore[arg-type]
        planned_start=0,
        planned_minutes=1,
        critical=True,
        **fields,
    )


def _scale(adapter: Memory, sid: str = "scale", nodes: int = 2) -> DrillStep:
    change = PoolChange(REF, nodes, nodes, 4, nodes)
    return _step(
        sid,
        "scale",
        pools=(change,),
        sizes=(adapter.pool_size(REF),),
        prechecks=adapter.prechecks(REF, nodes),
        ops=adapter.scale(REF, nodes, nodes, 4),
    )


def _run(tmp: Path, steps: list[DrillStep], adapter: Memory, **settings: Any) -> dict[str, str]:
    state = JournalState.load(tmp) if (tmp / "journal.jsonl").exists() else JournalState([])
    with Journal(tmp) as journal:
        options = {"approve": lambda _p: True, "time_factor": 1.0, "backoff_s": 0.001, **settings}
        return Executor("run", steps, {"mem": adapter}, journal, state, Settings(**options)).run()


def test_scale_then_wait_in_order_with_a_snapshot(tmp_path: Path) -> None:
    adapter = Memory()
    wait = _step("wait", "wait", ("scale",), ops=adapter.pool_ready(REF, 2))
    status = _run(tmp_path, [_scale(adapter), wait], adapter)
    assert status == {"scale": "done", "wait": "done"}
    assert adapter.sizes["p"] == {"min": 2, "desired": 2, "max": 4}
    state = JournalState.load(tmp_path)
    assert state.snapshots == {"c/p": {"min": 0, "desired": 0, "max": 4}}
    assert [r["status"] for r in state.records if r["event"] == "step"] == [
        "started",
        "done",
        "started",
        "done",
    ]


def test_a_failed_precheck_changes_nothing_and_skips_dependants(tmp_path: Path) -> None:
    adapter = Memory()
    steps = [
        _scale(adapter, nodes=9),
        _step("wait", "wait", ("scale",), ops=adapter.pool_ready(REF, 9)),
    ]
    status = _run(tmp_path, steps, adapter)
    assert status == {"scale": "failed", "wait": "skipped"}
    assert adapter.calls["pools.set"] == 0
    state = JournalState.load(tmp_path)
    assert "pre-check failed: room for 4 nodes, needs 9" in state.steps["scale"]["error"]
    assert "did not finish" in state.steps["wait"]["error"]


def test_retryable_errors_are_retried_and_others_fail_the_step(tmp_path: Path) -> None:
    adapter = Memory()
    adapter.fail["pools.set"] = [CallError("Throttling", retryable=True)] * 2
    assert _run(tmp_path / "a", [_scale(adapter)], adapter) == {"scale": "done"}
    assert adapter.calls["pools.set"] == 3
    adapter.fail["pools.set"] = [CallError("AccessDenied: no")]
    assert _run(tmp_path / "b", [_scale(adapter, "scale2")], adapter) == {"scale2": "failed"}
    error = JournalState.load(tmp_path / "b").steps["scale2"]["error"]
    assert error == "set p: AccessDenied: no"


def test_independent_steps_run_concurrently(tmp_path: Path) -> None:
    adapter = Memory()
    adapter.delay = 0.1
    steps = [_step(f"w{n}", "wait", ops=adapter.pool_ready(REF, 0)) for n in range(4)]
    _run(tmp_path, steps, adapter, max_workers=4)
    assert adapter.peak >= 2


def test_a_wait_times_out_with_a_clear_line(tmp_path: Path) -> None:
    adapter = Memory()
    ops = (
        Op(
            "wait",
            adapter.pool_ready(REF, 3)[0].call,
            "ready",
            timeout_s=1,
            interval_s=0.05,
            need={"desired": 3},
        ),
    )
    assert _run(tmp_path, [_step("wait", "wait", ops=ops)], adapter) == {"wait": "failed"}
    assert "ready: not done after 1 s" in JournalState.load(tmp_path).steps["wait"]["error"]


def test_manual_steps_need_a_confirmation(tmp_path: Path) -> None:
    adapter = Memory()
    step = _step("manual", "traffic", approval="move traffic by hand")
    assert _run(tmp_path / "a", [step], adapter, approve=lambda _p: False) == {"manual": "failed"}
    asked: list[str] = []
    assert _run(tmp_path / "b", [step], adapter, approve=lambda p: asked.append(p) or True) == {
        "manual": "approved"
    }
    assert asked == ["manual: move traffic by hand"]


def test_resume_never_repeats_a_finished_call(tmp_path: Path) -> None:
    adapter = Memory()
    steps = [_scale(adapter), _step("wait", "wait", ("scale",), ops=adapter.pool_ready(REF, 2))]
    _run(tmp_path, steps[:1], adapter)
    assert adapter.calls["pools.set"] == 1
    assert _run(tmp_path, steps, adapter) == {"scale": "done", "wait": "done"}
    assert adapter.calls["pools.set"] == 1


def test_an_in_flight_call_is_checked_before_it_is_made_again(tmp_path: Path) -> None:
    adapter = Memory()
    step = _scale(adapter)
    with Journal(tmp_path) as journal:
        # The drill died after the intent and the call, before the result was written.
        journal.append("step", step="scale", status="started")
        journal.append(
            "snapshot", step="scale", pool="c/p", sizes={"min": 0, "desired": 0, "max": 4}
        )
        journal.append("intent", key="scale/mutate/0", step="scale", call={}, describe="")
    adapter.sizes["p"] = {"min": 2, "desired": 2, "max": 4}
    assert _run(tmp_path, [step], adapter) == {"scale": "done"}
    assert adapter.calls["pools.set"] == 0
    result = JournalState.load(tmp_path).results["scale/mutate/0"]
    assert result["how"] == "reconciled"
    # Not in effect: the call is made.
    adapter2 = Memory()
    with Journal(tmp_path / "b") as journal:
        journal.append("intent", key="scale/mutate/0", step="scale", call={}, describe="")
    assert _run(tmp_path / "b", [_scale(adapter2)], adapter2) == {"scale": "done"}
    assert adapter2.calls["pools.set"] == 1


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.append("step", step="a", status="done")
    with (tmp_path / "journal.jsonl").open("a") as handle:
        handle.write('{"event": "step", "step": "b", "sta')
    assert JournalState.load(tmp_path).done_steps() == ["a"]


@pytest.mark.parametrize("kill_at", [1, 2, 3])
def test_the_kill_hook_counts_step_boundaries(
    kill_at: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed: list[int] = []
    monkeypatch.setattr("infra.drill.executor.os.kill", lambda pid, sig: killed.append(sig))
    adapter = Memory()
    steps = [_scale(adapter), _step("wait", "wait", ("scale",), ops=adapter.pool_ready(REF, 2))]
    _run(tmp_path, steps, adapter, kill_at=kill_at)
    assert len(killed) == 1
