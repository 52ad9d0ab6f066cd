"""Running Terraform over the roots of a render: plan, apply, destroy and drift, in order.

The roots and their order come from the render's ``manifest.json``: state backends (``_global``)
first, then the clusters, then the stack-wide DR root; destroy goes the other way. Roots of one
level run in parallel (``jobs`` at a time); a root that fails is reported while the others
finish, and the roots that depend on it are skipped, with the reason.

- **plan** saves ``infra.tfplan`` in each root with ``infra.tfplan.json`` beside it: the plan's
  change counts and a digest of everything the plan was made from (the root's files, the
  modules it calls, its tfvars and overrides).
- **apply** applies those saved plans and refuses a stale one: a root whose files changed since
  its plan, or that has no plan. Terraform itself refuses a plan whose state moved on.
- **destroy** plans the destruction of each root (``plan -destroy``) and applies it, in reverse
  order. What holds data that outlives the roots is kept: a cluster's access-log bucket (its
  cloud's ``retained_on_destroy``: taken out of the state first, then named in the result;
  ``delete_logs`` deletes it, logs and all, instead) and the state backends of ``_global``
  (which hold every root's state and are ``prevent_destroy``).
- **drift** plans with ``-detailed-exitcode`` and reports the roots whose real state differs
  from their code.
- **bootstrap** creates each stack's state backend: a ``_global`` root whose backend does not
  exist yet is applied with local state (a generated ``backend "local"`` override), and its state
  then moves into the backend it created (``init -migrate-state``); the local state is removed.
  Where the backend exists it does nothing.

A root whose state backend changed since it was initialized (its ``.terraform`` names another
bucket, account, container, key or region than its files now do, as when a render moves a
cluster root's state into its own region's backend) is refused with what to do, before any
``terraform init``: the runner initializes with ``-reconfigure``, which would start it afresh
from an empty state instead of moving it (docs/state.md).

Every root whose backend is one of those state backends is initialized with the settings the
``_global`` root's ``backend_config`` output adds to its backend block (the S3 state key's
``kms_key_id``, which exists only once ``_global`` is applied), read once per run.

``changed`` selects the roots whose digest differs from the last successful plan or apply of
that directory (``.infra/runs.json`` in it), ``since`` those whose files differ from a git
revision; either way the roots that depend on a selected root come along.

``endpoints`` (``{"aws": "http://127.0.0.1:5000"}``) point a cloud's provider and state backend
at a local API such as moto or LocalStack: a generated ``infra_endpoints_override.tf`` in every
root of that cloud, listed in the manifest as generated, so the next render removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from infra import endpoints
from infra.clouds import CLOUDS
from infra.deploy import GLOBAL_ROOT
from infra.errors import InfraError, OutputError, UsageError
from infra.output import MANIFEST, inspect_output
from infra.roots import Root
from infra.roots import levels as root_levels
from infra.terraform.runner import PLAN_FILE, Changes, Terraform, TerraformError, interrupted

__all__ = [
    "BOOTSTRAP",
    "DELETE_LOGS_OVERRIDE",
    "ENDPOINT_OVERRIDE",
    "LOCAL_BACKEND_OVERRIDE",
    "OPERATIONS",
    "RootResult",
    "Run",
    "load_roots",
    "parse_endpoints",
    "run_roots",
    "select_roots",
]

OPERATIONS = ("plan", "apply", "destroy", "drift")
BOOTSTRAP = "bootstrap"
ENDPOINT_OVERRIDE = "infra_endpoints_override.tf"
# While infra bootstrap applies a _global root: local state. Override files merge in name order,
# so this one's backend block wins over the endpoint override's.
LOCAL_BACKEND_OVERRIDE = "infra_local_backend_override.tf"
# While infra destroy --delete-logs destroys a cluster root: the module may delete its log bucket.
DELETE_LOGS_OVERRIDE = "infra_delete_logs_override.tf"
LOCAL_STATE = "terraform.tfstate"
PLAN_RECORD = f"{PLAN_FILE}.json"
RUNS = ".infra/runs.json"  # per DIR: root -> digest of its last successful plan or apply
_MODULE_SOURCE = re.compile(r'source\s*=\s*"((?:\.\./)+modules/[^"]+)"')
_SKIPPED_DIRS = {".terraform", ".infra"}
# The AWS services the modules call (their resources and data sources), for the endpoints block.
# The clouds whose provider and state backend --endpoint CLOUD=URL can point at a local API.
_ENDPOINT_CLOUDS = {c.name: c for c in CLOUDS.values() if c.endpoint_services}


@dataclass(frozen=True, slots=True)
class RootResult:
    """What happened in one root."""

    path: str
    status: str  # "ok", "failed", "skipped"
    changes: Changes | None = None
    message: str = ""
    seconds: float = 0.0
    digest: str | None = None  # of the root's files as the operation found them

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Run:
    """One operation over the roots of a render directory."""

    out: Path
    operation: str
    jobs: int = 1
    changed: bool = False
    since: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)  # for Terraform (TF_VAR_..., keys)
    timeout: float = 3600.0
    progress: Callable[[RootResult, int, int], None] | None = None
    delete_logs: bool = False  # destroy: delete the retained log buckets too, logs and all
    only: tuple[str, ...] = ()  # --root: just these roots (paths as the manifest lists them)

    def __post_init__(self) -> None:
        allowed = (*OPERATIONS, BOOTSTRAP)
        if self.operation not in allowed:
            raise UsageError(
                f"unknown operation {self.operation!r} (allowed: {', '.join(allowed)})"
            )
        if self.jobs < 1:
            raise UsageError(f"-j {self.jobs}: at least 1 job")
        if self.delete_logs and self.operation != "destroy":
            raise UsageError("--delete-logs: only with destroy")


def run_roots(run: Run) -> list[RootResult]:
    """Run ``run.operation`` over the selected roots of ``run.out``, level by level."""
    manifest, roots = _load(run.out)
    backends = _Backends(run, roots)
    if run.operation == BOOTSTRAP:
        selected = {r.path for r in roots if backends.is_state_root(r)}
    else:
        selected = select_roots(run.out, roots, changed=run.changed, since=run.since)
    if run.only:
        known = {r.path for r in roots}
        unknown = [p for p in run.only if p not in known]
        if unknown:
            raise UsageError(
                f"--root {unknown[0]}: not a root of {run.out} (allowed: {', '.join(sorted(known))})"
            )
        # Just these roots: what they depend on is taken as applied (a CI matrix job's root).
        selected &= set(run.only)
    if run.endpoints:
        _write_overrides(run.out, manifest, roots, run.endpoints)
    _remove_leftovers(run.out, roots)
    levels = root_levels(roots, selected)
    if run.operation == "destroy":
        levels.reverse()
    total = sum(len(level) for level in levels)
    results: dict[str, RootResult] = {}
    records = _read_runs(run.out)
    with interrupted() as stop, ThreadPoolExecutor(max_workers=run.jobs) as pool:
        for level in levels:
            pending = []
            for root in level:
                blocker = _blocker(run.operation, root, roots, results)
                if stop.is_set():
                    blocker = "interrupted before it started"
                if blocker:
                    results[root.path] = _report(
                        run, RootResult(root.path, "skipped", None, blocker), results, total
                    )
                    continue
                pending.append((root, pool.submit(_one, run, root, backends)))
            for root, future in pending:
                result = future.result()
                results[root.path] = _report(run, result, results, total)
                applied = run.operation == BOOTSTRAP and result.changes is not None
                if result.ok and (run.operation in ("plan", "apply") or applied):
                    records[root.path] = result.digest or _digest(run.out, root.path)
                elif result.ok and run.operation == "destroy":
                    records.pop(root.path, None)
    _write_runs(run.out, records)
    return [results[r.path] for level in levels for r in level]


def parse_endpoints(values: Sequence[str], clouds: Sequence[str] | None = None) -> dict[str, str]:
    """:func:`infra.endpoints.parse_endpoints`, by default for the clouds whose Terraform
    provider takes an endpoint override."""
    return endpoints.parse_endpoints(values, list(_ENDPOINT_CLOUDS) if clouds is None else clouds)


# -- one root ----------------------------------------------------------------------------------


def _one(run: Run, root: Root, backends: _Backends) -> RootResult:
    started = time.monotonic()
    directory = run.out / root.path
    try:
        # Once per root, before Terraform runs: what the plan is made from, what apply checks.
        digest = _digest(run.out, root.path)
        terraform = Terraform(directory, env=dict(run.env), timeout=run.timeout)
        changes, message = _operate(run, root, terraform, directory, backends, digest)
    except InfraError as exc:
        return RootResult(root.path, "failed", None, str(exc), time.monotonic() - started)
    return RootResult(root.path, "ok", changes, message, time.monotonic() - started, digest)


def _operate(
    run: Run,
    root: Root,
    terraform: Terraform,
    directory: Path,
    backends: _Backends,
    digest: str,
) -> tuple[Changes | None, str]:
    """What one root does for ``run.operation``: its changes and a line for the user."""
    operation = run.operation
    _refuse_moved_backend(run, root, directory)  # before any init could start afresh elsewhere
    state_root = backends.is_state_root(root)
    if operation == BOOTSTRAP:
        return _bootstrap(run, root, terraform, directory, backends)
    if state_root and _local_resources(directory):
        raise InfraError(
            f"{root.path}: local state of an interrupted infra bootstrap is here "
            f"({LOCAL_STATE}); run infra bootstrap -o {run.out} again"
        )
    if operation == "destroy" and state_root:
        return Changes(), _kept_backend(root, directory, backends)
    config = backends.backend_config(root)
    if operation == "apply":
        _init(run, root, terraform, config)  # first: a missing backend says what to do
        record = _plan_record(directory)
        if record is None:
            raise InfraError(f"{root.path}: no saved plan; run infra plan first")
        if record.get("digest") != digest:
            raise InfraError(
                f"{root.path}: the plan is stale (the root's files changed since it was made); "
                "run infra plan again"
            )
        if record.get("destroy"):
            raise InfraError(f"{root.path}: the saved plan is a destroy plan; run infra plan")
        terraform.apply(PLAN_FILE)
        _forget_plan(directory)
        if state_root:  # what the other roots' backends need may have changed
            backends.remember(root, terraform.outputs())
        return _record_changes(record), ""
    _init(run, root, terraform, config)
    if operation == "drift":
        return terraform.drift(), ""
    if operation == "destroy":
        return _destroy(run, root, terraform, directory)
    changes = terraform.plan()
    _save_plan_record(directory, digest, changes)
    return changes, ""


def _init(run: Run, root: Root, terraform: Terraform, config: Mapping[str, str]) -> None:
    """``terraform init`` with the real backend; a backend that does not exist yet is told as
    such, with what to do."""
    try:
        terraform.init(backend_config=config)
    except TerraformError as exc:
        missing = _missing_backend(str(exc))
        if missing is None:
            raise
        raise InfraError(
            f"{root.path}: its state backend does not exist yet ({missing}); "
            f"run infra bootstrap -o {run.out} first"
        ) from None


# What Terraform says when a backend's storage is not there (S3 and OSS buckets, Azure storage).
_MISSING_S3_BUCKET = re.compile(r'S3 bucket "([^"]+)" does not exist')
_MISSING_STORAGE = re.compile(
    r"\b(NoSuchBucket|ContainerNotFound|StorageAccountNotFound|ResourceGroupNotFound)\b"
)


def _missing_backend(message: str) -> str | None:
    if found := _MISSING_S3_BUCKET.search(message):
        return f"no S3 bucket {found.group(1)}"
    if found := _MISSING_STORAGE.search(message):
        return found.group(1)
    return None


# -- bootstrap -----------------------------------------------------------------------------------

_LOCAL_BACKEND_TEXT = """\
# Generated by infra bootstrap while it creates this root's state backend with local state;
# removed when the state has moved into that backend.

terraform {
  backend "local" {}
}
"""


def _bootstrap(
    run: Run, root: Root, terraform: Terraform, directory: Path, backends: _Backends
) -> tuple[Changes | None, str]:
    """Create a stack's state backend with local state, then move the state into it.

    Local state left here by an interrupted bootstrap is picked up again: the apply continues
    from it (creating only what is missing) and the migration follows."""
    if not _local_resources(directory):
        try:
            terraform.init()
        except TerraformError as exc:
            if _missing_backend(str(exc)) is None:
                raise
        else:
            present = terraform.state()
            if present:
                managed = [a for a in present if ".data." not in f".{a}"]
                return None, f"state backend exists ({len(managed)} resources): nothing to do"
            raise InfraError(
                f"{root.path}: the state backend exists but holds no state of this root (and "
                "no local state of an interrupted bootstrap is here); import its resources "
                "into this root (terraform import) or delete the backend, then bootstrap again"
            )
    override = directory / LOCAL_BACKEND_OVERRIDE
    override.write_text(_LOCAL_BACKEND_TEXT, encoding="utf-8")
    try:
        terraform.init()
        changes = terraform.plan()
        if not changes.empty:
            terraform.apply(PLAN_FILE)
        outputs = terraform.outputs()
    finally:
        override.unlink(missing_ok=True)
        _forget_plan(directory)
    backends.remember(root, outputs)
    local = _local_resources(directory)
    terraform.init(backend_config=backends.backend_config(root), migrate_state=True)
    moved = len(terraform.state())
    if moved < local:
        raise InfraError(
            f"{root.path}: after the migration the state backend holds {moved} of the "
            f"{local} resources of the local state; the local state is kept ({LOCAL_STATE})"
        )
    for name in (LOCAL_STATE, f"{LOCAL_STATE}.backup"):
        (directory / name).unlink(missing_ok=True)
    return changes, "state moved into the backend it created; local state removed"


def _local_resources(directory: Path) -> int:
    """How many resource instances a local state file here holds (0 for none)."""
    try:
        document = json.loads((directory / LOCAL_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    resources = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(resources, list):
        return 0
    return sum(len(r.get("instances") or ()) for r in resources if isinstance(r, dict))


# -- destroy -------------------------------------------------------------------------------------

_DELETE_LOGS_TEXT = """\
# Generated by infra destroy --delete-logs for the length of the destroy, then removed: the
# access-log bucket may be deleted with every log in it.

module "cluster" {
  access_log_force_destroy = true
}
"""


def _destroy(
    run: Run, root: Root, terraform: Terraform, directory: Path
) -> tuple[Changes | None, str]:
    """Destroy a root, keeping what its cloud retains on destroy unless ``run.delete_logs``."""
    cloud = CLOUDS.get(root.cloud)
    retained = cloud.retained_on_destroy if cloud is not None and root.cluster else ()
    addresses = [f"module.cluster.{address}" for address in retained]
    state = terraform.state() if addresses else {}
    present = [a for a in addresses if a in state]
    names = ", ".join(
        sorted(
            {str(state[a]["bucket"]) for a in present if isinstance(state[a].get("bucket"), str)}
        )
    ) or ", ".join(present)
    if present and run.delete_logs:
        override = directory / DELETE_LOGS_OVERRIDE
        override.write_text(_DELETE_LOGS_TEXT, encoding="utf-8")
        try:
            # force_destroy acts only once it is in the state: apply it to the bucket alone.
            if not terraform.plan(targets=present).empty:
                terraform.apply(PLAN_FILE)
            changes = _destroy_all(terraform)
        finally:
            override.unlink(missing_ok=True)
            _forget_plan(directory)
        return changes, f"deleted access-log bucket {names} with its logs (--delete-logs)"
    if not present:
        try:
            return _destroy_all(terraform), ""
        finally:
            _forget_plan(directory)
    assert cloud is not None
    terraform.state_rm(present)
    try:
        changes = _destroy_all(terraform)
    except InfraError as exc:
        raise InfraError(
            f"{exc} (access-log bucket {names} is already out of this root's state and kept: "
            "import it before applying this root again, or delete it)"
        ) from None
    finally:
        _forget_plan(directory)
    return changes, (
        f"kept access-log bucket {names} (holds logs): delete it when no longer needed, every "
        f"object version first (modules/{cloud.cluster_module}/README.md, Teardown)"
    )


def _destroy_all(terraform: Terraform) -> Changes:
    changes = terraform.plan(destroy=True)
    if not changes.empty:
        terraform.apply(PLAN_FILE)
    return changes


def _kept_backend(root: Root, directory: Path, backends: _Backends) -> str:
    """A ``_global`` root is not destroyed: its state backends hold every root's state."""
    names: set[str] = set()
    for value in backends.outputs(root.stack).values():
        if not isinstance(value, Mapping):
            continue
        config = value.get("backend_config")
        for where in (value, config if isinstance(config, Mapping) else {}):
            for key in ("bucket", "storage_account_name", "access_log_bucket"):
                if isinstance(where.get(key), str):
                    names.add(where[key])
    readmes = ", ".join(f"modules/{m}/README.md" for m in _state_modules(directory))
    kept = f"kept the state backend{' ' + ', '.join(sorted(names)) if names else ''}"
    return (
        f"{kept}: it holds the state of the stack's roots and is protected by prevent_destroy "
        f"(to delete it: {readmes}, Teardown)"
    )


# -- state backends ------------------------------------------------------------------------------


class _Backends:
    """Each stack's state backend root (``_global``, calling a cloud's state module) and its
    outputs, read once per run: after the root is applied or bootstrapped, or when first
    needed (an ``init`` and ``output`` there)."""

    def __init__(self, run: Run, roots: Sequence[Root]) -> None:
        self._run = run
        self._roots = {
            r.stack: r
            for r in roots
            if r.path.rsplit("/", 1)[-1] == GLOBAL_ROOT and _state_modules(run.out / r.path)
        }
        self._outputs: dict[str, Mapping[str, object]] = {}
        self._lock = threading.Lock()

    def is_state_root(self, root: Root) -> bool:
        return self._roots.get(root.stack) == root

    def remember(self, root: Root, outputs: Mapping[str, object]) -> None:
        with self._lock:
            self._outputs[root.stack] = dict(outputs)

    def outputs(self, stack: str) -> Mapping[str, object]:
        with self._lock:
            if stack not in self._outputs:
                self._outputs[stack] = self._read(stack)
            return self._outputs[stack]

    def _read(self, stack: str) -> Mapping[str, object]:
        root = self._roots.get(stack)
        if root is None:
            return {}
        run = self._run
        if _moved_backend(run.out / root.path) is not None:
            return {}  # its own operation says what to do; an init here would start afresh
        terraform = Terraform(run.out / root.path, env=dict(run.env), timeout=run.timeout)
        try:
            terraform.init()
            return terraform.outputs()
        except InfraError:
            return {}  # no backend yet: the roots' own init says so

    def backend_config(self, root: Root) -> dict[str, str]:
        """The ``-backend-config`` settings of ``root``: what the ``backend_config`` output of
        its stack's state module adds to the root's backend block (``kms_key_id``)."""
        block = _backend(self._run.out / root.path)
        if block is None or root.stack not in self._roots:
            return {}
        for value in self.outputs(root.stack).values():
            config = value.get("backend_config") if isinstance(value, Mapping) else None
            if not isinstance(config, Mapping):
                continue
            settings = {str(k): _setting(v) for k, v in config.items() if v is not None}
            shared = settings.keys() & block.keys()
            if shared and all(settings[k] == block[k] for k in shared):
                return {k: v for k, v in settings.items() if k not in block and v}
        return {}


def _setting(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _backend(directory: Path) -> dict[str, str] | None:
    """The settings of the ``backend`` block a root's files configure, unquoted."""
    found = _effective_backend(directory)
    return None if found is None else found[1]


def _effective_backend(directory: Path) -> tuple[str, dict[str, str]] | None:
    """(type, settings) of the backend Terraform would use here: the root's own ``backend``
    block, replaced by the one of the last override file (in name order) that has one, as
    Terraform merges override files (developer.hashicorp.com/terraform/language/files/override):
    a ``backend_override.tf`` that switches a root to its state replica counts."""
    paths = sorted(directory.glob("*.tf"))
    own = [p for p in paths if not _is_override(p.name)]
    overrides = [p for p in paths if _is_override(p.name)]
    found: tuple[str, dict[str, str]] | None = None
    for path in own:
        found = _first_backend(path)
        if found is not None:
            break
    for path in overrides:
        found = _first_backend(path) or found
    return found


def _is_override(name: str) -> bool:
    return name == "override.tf" or name.endswith("_override.tf")


def _first_backend(path: Path) -> tuple[str, dict[str, str]] | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for found in _BACKEND.finditer(text):
        return found.group(1), {
            key: value[1:-1] if value.startswith('"') and value.endswith('"') else value
            for key, value in _ATTRIBUTE.findall(found.group(2))
        }
    if empty := _EMPTY_BACKEND.search(text):
        return empty.group(1), {}
    return None


# Settings that say where a backend keeps a root's state: a change of any of them points the root
# at another object (S3 and OSS: bucket, prefix, key, region; azurerm: account, container, key;
# local: path). The others (encryption, locking, endpoints) do not move the state.
_LOCATION_SETTINGS = (
    "bucket",
    "prefix",
    "key",
    "region",
    "workspace_key_prefix",
    "resource_group_name",
    "storage_account_name",
    "container_name",
    "path",
)
# What `terraform init` records of the backend it initialized (type and configuration).
_INITIALIZED_BACKEND = ".terraform/terraform.tfstate"


def _moved_backend(directory: Path) -> str | None:
    """ "OLD -> NEW" when the backend a root was initialized with (its ``.terraform``) keeps its
    state somewhere else than the backend its files now configure, else None.

    The runner initializes with ``-reconfigure``, which forgets the old backend without moving
    anything: after a render moved a root's state (its backend now in its own region, say),
    that would start from an empty state and plan to create everything again. A root last
    initialized with local state (an interrupted bootstrap) is left to the bootstrap checks."""
    try:
        recorded = json.loads((directory / _INITIALIZED_BACKEND).read_text(encoding="utf-8"))
        old_type = str(recorded["backend"]["type"])
        old = recorded["backend"].get("config") or {}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    current = _effective_backend(directory)
    if current is None or old_type == "local" or not isinstance(old, Mapping):
        return None
    new_type, new = current
    moved = old_type != new_type or any(
        old.get(name) is not None and str(old[name]) != new[name]
        for name in _LOCATION_SETTINGS
        if name in new
    )
    if not moved:
        return None
    return f"{_describe(old_type, old)} -> {_describe(new_type, new)}"


def _describe(kind: str, settings: Mapping[str, object]) -> str:
    shown = [f"{k}={settings[k]}" for k in _LOCATION_SETTINGS if settings.get(k) is not None]
    return " ".join([kind, *shown])


def _refuse_moved_backend(run: Run, root: Root, directory: Path) -> None:
    moved = _moved_backend(directory)
    if moved is not None:
        raise InfraError(
            f"{root.path}: its state backend changed since it was initialized ({moved}); move "
            f"the state first: cd {directory} && terraform init -migrate-state (to a replica "
            "that already holds it: terraform init -reconfigure), see docs/state.md"
        )


def _state_modules(directory: Path) -> list[str]:
    """The clouds' state backend modules a root calls."""
    known = {f"modules/{cloud.state_module}": cloud.state_module for cloud in CLOUDS.values()}
    called: set[str] = set()
    for path in sorted(directory.glob("*.tf")):
        for source in _MODULE_SOURCE.findall(path.read_text(encoding="utf-8", errors="replace")):
            for suffix, module in known.items():
                if source.endswith(suffix):
                    called.add(module)
    return sorted(called)


def _remove_leftovers(out: Path, roots: Sequence[Root]) -> None:
    """Transient override files an interrupted bootstrap or destroy may have left behind (the
    local state of an interrupted bootstrap stays: bootstrap picks it up)."""
    for root in roots:
        for name in (LOCAL_BACKEND_OVERRIDE, DELETE_LOGS_OVERRIDE):
            (out / root.path / name).unlink(missing_ok=True)


def _blocker(
    operation: str, root: Root, roots: Sequence[Root], results: Mapping[str, RootResult]
) -> str:
    """Why ``root`` cannot run because of a root it depends on (or, for destroy, a dependant)."""
    if operation == "destroy":
        related = [r.path for r in roots if root.path in r.depends_on]
    else:
        related = list(root.depends_on)
    failed = [p for p in related if p in results and not results[p].ok]
    return f"{failed[0]} did not succeed" if failed else ""


def _report(
    run: Run, result: RootResult, results: Mapping[str, RootResult], total: int
) -> RootResult:
    if run.progress is not None:
        run.progress(result, len(results) + 1, total)
    return result


# -- selection and order -------------------------------------------------------------------------


def load_roots(out: Path) -> list[Root]:
    """The Terraform roots of the render in ``out``, as its manifest lists them."""
    return _load(out)[1]


def _load(out: Path) -> tuple[dict[str, object], list[Root]]:
    try:
        previous = inspect_output(out)
    except OutputError as exc:
        raise OutputError(f"{exc}; run infra render -o {out} first") from None
    if previous is None:
        raise OutputError(f"{out}: no render here; run infra render -o {out} first")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    roots = [
        Root(
            str(r["path"]),
            str(r.get("stack", "")),
            r.get("cluster") if isinstance(r.get("cluster"), str) else None,
            str(r.get("cloud", "")),
            str(r.get("region", "")),
            tuple(str(d) for d in r.get("depends_on", ())),
        )
        for r in previous.roots
    ]
    if not roots:
        raise OutputError(f"{out}: the render has no Terraform roots (render --target terraform)")
    return manifest, roots


def select_roots(
    out: Path, roots: Sequence[Root], *, changed: bool = False, since: str | None = None
) -> set[str]:
    """The paths of the roots to run: every root; with ``changed``, those whose files differ
    from their last successful plan or apply; with ``since``, those whose files differ from that
    git revision. Either way with the roots that depend on them."""
    every = {r.path for r in roots}
    if since is not None:
        picked = _changed_since(out, since, roots)
    elif changed:
        records = _read_runs(out)
        picked = {r.path for r in roots if records.get(r.path) != _digest(out, r.path)}
    else:
        return every
    # The roots that depend on a picked root come along (a cluster's DR root, say).
    grown = True
    while grown:
        more = {r.path for r in roots if set(r.depends_on) & picked} - picked
        grown = bool(more)
        picked |= more
    return picked


def _changed_since(out: Path, revision: str, roots: Sequence[Root]) -> set[str]:
    try:
        top = _git(out, "rev-parse", "--show-toplevel").strip()
        names = _git(out, "diff", "--name-only", revision, "--", ".").splitlines()
        names += _git(
            out, "ls-files", "--others", "--exclude-standard", "--full-name", "."
        ).splitlines()
    except InfraError as exc:
        raise UsageError(f"--since {revision}: {exc}") from None
    base = out.resolve().relative_to(Path(top).resolve())
    changed = set()
    for name in names:
        path = Path(name)
        if path.is_relative_to(base):
            changed.add(path.relative_to(base).as_posix())
    return {r.path for r in roots if changed & set(_inputs(out, r.path))}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InfraError(" ".join(done.stderr.split()) or f"git {args[0]} failed")
    return done.stdout


# -- digests and records -------------------------------------------------------------------------


def _inputs(out: Path, root: str) -> list[str]:
    """Every file a root's plan is made from (relative to ``out``): its own files (not
    Terraform's working files, saved plans or state) and the files of the modules it calls."""
    directory = out / root
    files = [p for p in _files(directory) if not _is_runner_file(p.name)]
    modules: set[Path] = set()
    for path in files:
        if path.suffix == ".tf":
            for source in _MODULE_SOURCE.findall(
                path.read_text(encoding="utf-8", errors="replace")
            ):
                modules.add((path.parent / source).resolve())
    for module in sorted(modules):
        files += _files(module)
    resolved = out.resolve()
    inside = []
    for p in files:
        full = p.resolve()
        if full.is_relative_to(resolved):
            inside.append(full.relative_to(resolved).as_posix())
    return sorted(inside)


def _files(directory: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        found += [Path(dirpath) / name for name in sorted(filenames)]
    return found


def _is_runner_file(name: str) -> bool:
    return name.startswith((PLAN_FILE, "terraform.tfstate")) or name in {
        ".terraform.lock.hcl",
        ".terraform.tfstate.lock.info",
    }


def _digest(out: Path, root: str) -> str:
    digest = hashlib.sha256()
    for relative in _inputs(out, root):
        digest.update(relative.encode() + b"\0")
        digest.update(_file_digest(out / relative))
    return digest.hexdigest()


# Module files are shared by many roots: each is hashed once while it is unchanged (same inode,
# size and modification time), not once per root that calls it.
_HASHES: dict[tuple[str, int, int, int], bytes] = {}
_HASHES_LOCK = threading.Lock()


def _file_digest(path: Path) -> bytes:
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _HASHES_LOCK:
        known = _HASHES.get(key)
    if known is not None:
        return known
    value = hashlib.sha256(path.read_bytes()).digest()
    with _HASHES_LOCK:
        if len(_HASHES) > 100_000:
            _HASHES.clear()
        _HASHES[key] = value
    return value


def _plan_record(directory: Path) -> dict[str, object] | None:
    try:
        record = json.loads((directory / PLAN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (directory / PLAN_FILE).is_file() or not isinstance(record, dict):
        return None
    return record


def _save_plan_record(directory: Path, digest: str, changes: Changes) -> None:
    record = {
        "digest": digest,
        "destroy": False,
        "changes": {
            "add": changes.add,
            "change": changes.change,
            "destroy": changes.destroy,
            "outputs": changes.outputs,
        },
    }
    _write_json(directory / PLAN_RECORD, record)


def _record_changes(record: Mapping[str, object]) -> Changes:
    counts = record.get("changes")
    if not isinstance(counts, Mapping):
        return Changes()
    add, change, destroy, outputs = (
        int(counts.get(k, 0)) for k in ("add", "change", "destroy", "outputs")
    )
    return Changes(add, change, destroy, outputs)


def _forget_plan(directory: Path) -> None:
    for name in (PLAN_FILE, PLAN_RECORD):
        (directory / name).unlink(missing_ok=True)


def _read_runs(out: Path) -> dict[str, str]:
    try:
        records = json.loads((out / RUNS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in records.items()} if isinstance(records, dict) else {}


def _write_runs(out: Path, records: Mapping[str, str]) -> None:
    (out / RUNS).parent.mkdir(exist_ok=True)
    _write_json(out / RUNS, dict(sorted(records.items())))


def _write_json(path: Path, document: object) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


# -- endpoint overrides --------------------------------------------------------------------------


def _write_overrides(
    out: Path, manifest: dict[str, object], roots: Sequence[Root], endpoints: Mapping[str, str]
) -> None:
    """An override file per root that has an AWS provider or S3 backend, listed in the manifest
    as generated (so the next render removes it and points the root at the cloud again)."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise OutputError(f"{out}/{MANIFEST}: no file list")
    for name, url in endpoints.items():
        services = _ENDPOINT_CLOUDS[name].endpoint_services
        for root in roots:
            text = _aws_override(out / root.path, url, services)
            path = f"{root.path}/{ENDPOINT_OVERRIDE}"
            if text is None:
                continue
            (out / path).write_text(text, encoding="utf-8")
            files[path] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    manifest["files"] = dict(sorted(files.items()))
    _write_json(out / MANIFEST, manifest)


_BLOCK = re.compile(r'^(provider "aws"|  backend "s3") \{\n(.*?)^\s*\}\n', re.M | re.S)
_BACKEND = re.compile(r'^  backend "([a-z0-9_]+)" \{\n(.*?)^\s*\}\n', re.M | re.S)
_EMPTY_BACKEND = re.compile(r'^\s*backend "([a-z0-9_]+)"\s*\{\s*\}', re.M)
_ATTRIBUTE = re.compile(r"^\s*([a-z_]+)\s*=\s*(.+?)\s*$", re.M)


def _aws_override(directory: Path, url: str, services: Sequence[str]) -> str | None:
    """The override of a root's ``provider "aws"`` blocks and ``s3`` backend, or None."""
    providers: list[str] = []
    backend: list[str] = []
    for path in sorted(directory.glob("*.tf")):
        if path.name.endswith("_override.tf"):
            continue
        for kind, body in _BLOCK.findall(path.read_text(encoding="utf-8")):
            attributes = dict(_ATTRIBUTE.findall(body))
            if kind.startswith("provider"):
                providers.append(_provider_override(attributes.get("alias"), url, services))
            else:
                backend.append(_backend_override(attributes, url))
    if not providers and not backend:
        return None
    header = (
        "# Generated by infra (--endpoint aws=URL): points the AWS provider and the S3 state\n"
        "# backend at a local API. The next infra render removes this file.\n"
    )
    return header + "".join(f"\n{block}" for block in (*providers, *backend))


def _provider_override(alias: str | None, url: str, services: Sequence[str]) -> str:
    lines = ['provider "aws" {']
    if alias:
        lines.append(f"  alias                       = {alias}")
    lines += [
        "  s3_use_path_style           = true",
        "  skip_credentials_validation = true",
        "  skip_metadata_api_check     = true",
        # An API that answers 500 to what it does not implement would be retried for minutes.
        "  max_retries                 = 2",
        "  endpoints {",
        *(f'    {service:<10} = "{url}"' for service in services),
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _backend_override(attributes: Mapping[str, str], url: str) -> str:
    # An override's backend block replaces the root's: every setting is written again.
    kept = {k: v for k, v in attributes.items() if k not in {"endpoints", "use_path_style"}}
    lines = ["terraform {", '  backend "s3" {']
    lines += [f"    {key} = {value}" for key, value in kept.items()]
    lines += [
        "    use_path_style              = true",
        "    skip_credentials_validation = true",
        "    skip_requesting_account_id  = true",
        "    skip_metadata_api_check     = true",
        f'    endpoints = {{ s3 = "{url}", sts = "{url}", iam = "{url}" }}',
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"
