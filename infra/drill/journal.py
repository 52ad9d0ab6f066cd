"""A drill's journal: append-only JSON lines, each flushed and fsync'd before the drill goes on.

Every run has a directory (default ``.infra/drills/<run-id>/``) with ``drill.json`` (what was
asked: stack file, outage, endpoints, mode) and ``journal.jsonl``. Before a mutating call the
journal gets its *intent* (the call, its idempotency key); after it, its *result*. A resumed run
(``--resume RUN``) reads the journal back: a call with a result is never made again; a call with
an intent but no result (the drill died while it was in flight) is first checked with a read
(the op's probe), and made only if its change is not in effect. A torn last line (the process
was killed while writing it) is ignored: its write was never acknowledged.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Journal", "JournalState", "new_run_id", "run_directory"]

RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[a-z0-9-]{1,80}-[0-9a-f]{6}")


def new_run_id(stack: str, outage_slug: str, now: datetime | None = None) -> str:
    """``20261202T041200Z-llm-train-azure-eastus-3f2a1c``: sortable, unique, file-safe."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{stack}-{outage_slug}-{secrets.token_hex(3)}"


def run_directory(runs: Path, run: str) -> Path:
    """The directory of run ``run`` (an id, or a path to a run directory)."""
    candidate = Path(run)
    if (candidate / "journal.jsonl").is_file():
        return candidate
    return runs / run


class Journal:
    """Appends events to ``<directory>/journal.jsonl``; safe to call from several threads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "journal.jsonl"
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        _fsync_directory(directory)

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Write one event and make it durable before returning it."""
        record = {"event": event, "t": time.time(), **fields}
        line = (json.dumps(record, sort_keys=True, default=str) + "\n").encode()
        with self._lock:
            os.write(self._fd, line)
            os.fsync(self._fd)
        return record

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JournalState:
    """What a journal says happened, for a resumed run, a failback and the report."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.results: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.steps: dict[str, dict[str, Any]] = {}  # step id -> its last status record
        self.started: dict[str, float] = {}  # step id -> first start time
        self.snapshots: dict[str, dict[str, int]] = {}  # "<cluster>/<node pool>" -> sizes
        self.prechecks: list[dict[str, Any]] = []
        self.rpo: list[dict[str, Any]] = []
        self.start: dict[str, Any] | None = None
        self.ends: list[dict[str, Any]] = []
        for record in records:
            kind = record.get("event")
            if kind == "start" and self.start is None:
                self.start = record
            elif kind == "intent":
                self.intents[record["key"]] = record
            elif kind == "result":
                self.results[record["key"]] = record
            elif kind == "step":
                self.steps[record["step"]] = record
                if record.get("status") == "started":
                    self.started.setdefault(record["step"], record["t"])
            elif kind == "snapshot":
                self.snapshots.setdefault(record["pool"], record["sizes"])
            elif kind == "precheck":
                self.prechecks.append(record)
            elif kind == "rpo":
                self.rpo.append(record)
            elif kind == "end":
                self.ends.append(record)

    @classmethod
    def load(cls, directory: Path) -> JournalState:
        return cls(list(_read(directory / "journal.jsonl")))

    def finished(self, step: str) -> bool:
        """The step ended well (done, or approved by a person)."""
        return self.steps.get(step, {}).get("status") in {"done", "approved"}

    def done_steps(self) -> list[str]:
        return [s for s in self.steps if self.finished(s)]

    @property
    def start_time(self) -> float | None:
        return None if self.start is None else float(self.start["t"])


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                return  # torn by a crash mid-write: never acknowledged
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                return
            if isinstance(record, Mapping):
                yield dict(record)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
