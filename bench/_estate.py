"""Shared helpers of the benchmarks: a render directory as infra writes it, and timing.

The estates are provider-free (``terraform_data``, Terraform's built-in provider) with local
state (no backend block), so a plan needs no network, no cloud and no credentials: what is
measured is infra's runner and Terraform's own start-up, init and plan.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
STACK = "bench"
# A module all cluster roots call, of about the size of the real cluster modules (8 files,
# ~50 KB), so that digests (what --changed compares) hash what a real render would.
MODULE = "modules/bench-cluster"
_MODULE_FILES = ("main.tf", "network.tf", "iam.tf", "kms.tf", "node_groups.tf", "storage.tf")


def cluster_names(count: int) -> list[str]:
    return [f"c{index:03d}" for index in range(count)]


def build_estate(
    out: Path, clusters: int, *, module: bool = False, shared: bool = True
) -> list[str]:
    """Write a render into ``out``: ``_global``, ``clusters`` cluster roots depending on it and
    ``_dr`` depending on every cluster (the shape of a rendered stack); without ``shared``, the
    cluster roots alone. With ``module``, the cluster roots call a shared local module under
    ``modules/``, as rendered roots do. Returns the root paths in apply order."""
    files: dict[str, str] = {}

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files[relative] = hashlib.sha256(text.encode()).hexdigest()

    if module:
        for name in _MODULE_FILES:
            write(f"{MODULE}/{name}", _module_file(name))
        write(f"{MODULE}/variables.tf", 'variable "name" {\n  type = string\n}\n')
        write(f"{MODULE}/outputs.tf", 'output "id" {\n  value = terraform_data.main.id\n}\n')
    names = cluster_names(clusters)
    depends: dict[str, list[str]] = {}
    if shared:
        depends = {name: ["_global"] for name in names} | {"_dr": list(names)}
        names = ["_global", *names, "_dr"]
    for name in names:
        write(root_path(name) + "/main.tf", root_text(name, "v1", module=module))
    entries = [
        {
            "path": root_path(name),
            "stack": STACK,
            "cluster": None if name.startswith("_") else name,
            "cloud": "aws",
            "region": "us-east-1",
            "depends_on": [root_path(d) for d in depends.get(name, [])],
        }
        for name in names
    ]
    manifest = {
        "schema_version": 1,
        "generator": "infra 0.1.0",
        "targets": ["terraform"],
        "stacks": [STACK],
        "files": dict(sorted(files.items())),
        "kept": [],
        "roots": entries,
        "apply_order": [e["path"] for e in entries],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [str(e["path"]) for e in entries]


def root_path(name: str) -> str:
    return f"terraform/{STACK}/{name}"


def root_text(name: str, value: str, *, module: bool = False) -> str:
    """A root's ``main.tf``: one ``terraform_data`` resource, no backend (local state)."""
    text = f'resource "terraform_data" "root" {{\n  input = "{name}-{value}"\n}}\n'
    if module and not name.startswith("_"):
        text += f'\nmodule "cluster" {{\n  source = "../../../{MODULE}"\n  name   = "{name}"\n}}\n'
    return text


def _module_file(name: str) -> str:
    resource = name.removesuffix(".tf")
    # One real resource and ~8 KB of comment: the size of a module file, not its complexity.
    filler = "".join(f"# {resource} line {i:03d}: {'x' * 60}\n" for i in range(120))
    body = f'resource "terraform_data" "{resource}" {{\n  input = var.name\n}}\n'
    return filler + body


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def environment_line() -> str:
    terraform = shutil.which("terraform") or "terraform (not on PATH)"
    version = "?"
    try:
        done = subprocess.run(
            [terraform, "version", "-json"], capture_output=True, text=True, check=False
        )
        version = json.loads(done.stdout).get("terraform_version", "?")
    except (OSError, ValueError):
        pass
    cpus = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    return (
        f"python {platform.python_version()}, terraform {version}, "
        f"{usable} usable CPU(s) of {cpus}, {platform.system()} {platform.machine()}"
    )


def plugin_cache_env(base: Path) -> dict[str, str]:
    """The environment the runs get: a plugin cache shared by every root, in the benchmark's
    temporary directory (nothing is downloaded for ``terraform_data``, but the runner's path of
    a real estate is the one measured)."""
    cache = base / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return {"TF_PLUGIN_CACHE_DIR": str(cache), "CHECKPOINT_DISABLE": "1"}
