"""Writing artifacts: every target's files into ``DIR``, atomically, with a manifest.

Emitters are pure (a deploy plan or a resolved stack in, ``{relative path: text}`` out); this
module is the only one that touches the output directory. A render is built in a temporary sibling of ``DIR`` and
swapped into place at once, so a failed or killed render leaves the previous tree untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from infra import __version__
from infra.catalog import Catalog
from infra.deploy import DeployedStack, deploy_plan
from infra.errors import OutputError
from infra.output import MANIFEST, Carry, PreviousRender, inspect_output, plan_carry
from infra.resolve import ResolvedStack
from infra.roots import Root, apply_order, depths

__all__ = [
    "ATLANTIS",
    "TARGETS",
    "Rendered",
    "Root",
    "Target",
    "atlantis_yaml",
    "render_stacks",
    "write_tree",
]

ATLANTIS = "atlantis.yaml"


@dataclass(frozen=True, slots=True)
class Emitted:
    files: Mapping[str, str]
    roots: tuple[Root, ...] = ()
    # Files the render only seeds: once they exist, users own them (a Pulumi stack's config,
    # which `pulumi config set` writes), so a re-render keeps the previous copy.
    seeds: frozenset[str] = frozenset()


class Source:
    """One stack as the targets read it: as defined, and its deploy plan, made on first use
    (planning standby pools is the costly part of DR; only infrastructure targets need it)."""

    def __init__(self, stack: ResolvedStack, catalog: Catalog) -> None:
        self.stack = stack
        self.catalog = catalog

    @cached_property
    def plan(self) -> DeployedStack:
        return deploy_plan(self.stack, self.catalog)


Emitter = Callable[[Source], Emitted]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    emit: Emitter
    subtrees: tuple[str, ...]  # the top-level folders of DIR this target owns and replaces


def _terraform(source: Source) -> Emitted:
    from infra.terraform.emit import terraform_files  # noqa: PLC0415  (keeps CLI start-up lean)

    files, roots = terraform_files(source.plan)
    return Emitted(files, roots)


def _dr(source: Source) -> Emitted:
    # The DR plans are made from the stack as the user defined it, not from its deploy plan.
    from infra.dr.emit import dr_files  # noqa: PLC0415

    stack = source.stack
    return Emitted(dr_files(stack, source.catalog) if stack.dr is not None else {})


def _pulumi(source: Source) -> Emitted:
    from infra.pulumi.emit import pulumi_files  # noqa: PLC0415  (keeps CLI start-up lean)

    files = pulumi_files(source.plan)
    seeds = frozenset(
        path
        for path in files
        if path.rsplit("/", 1)[-1].startswith("Pulumi.")
        and path.endswith(".yaml")
        and not path.endswith("/Pulumi.yaml")
    )
    return Emitted(files, seeds=seeds)


TARGETS: Mapping[str, Target] = {
    # atlantis.yaml (the Atlantis projects of the roots) goes with the roots it lists.
    "terraform": Target("terraform", _terraform, ("terraform", "modules", "atlantis.yaml")),
    "pulumi": Target("pulumi", _pulumi, ("pulumi",)),
    "dr": Target("dr", _dr, ("dr",)),
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A finished render: its manifest, and the units it let go."""

    manifest: Mapping[str, object]
    removed: tuple[str, ...]  # roots and Pulumi projects gone, that held only generated files
    pruned: tuple[str, ...]  # the same, deleted with their state or user files (--prune)


def render_stacks(
    stacks: Sequence[ResolvedStack],
    out: Path,
    targets: Sequence[str],
    catalog: Catalog,
    *,
    prune: bool = False,
    previous: PreviousRender | Literal["inspect"] | None = "inspect",
) -> Rendered:
    """Emit every target for every stack and write the tree atomically.

    ``out`` must be absent, empty or a previous render (see :mod:`infra.output`); the folders
    of the other targets and every file a user added are carried over. ``previous`` is what
    :func:`~infra.output.inspect_output` found, when the caller checked before other work.
    """
    if previous == "inspect":
        previous = inspect_output(out)
    assert not isinstance(previous, str)
    files: dict[str, str] = {}
    roots: list[Root] = []
    seeds: set[str] = set()
    for stack in stacks:
        source = Source(stack, catalog)
        for name in targets:
            emitted = TARGETS[name].emit(source)
            for path, text in emitted.files.items():
                # Stacks share module copies; anything else written twice is a naming clash.
                if files.get(path, text) != text:
                    raise OutputError(f"two different artifacts would be written to {path}")
                files[path] = text
            roots.extend(emitted.roots)
            seeds |= emitted.seeds
    if "terraform" in targets:
        files[ATLANTIS] = atlantis_yaml(files, roots)
    carry = plan_carry(
        previous,
        files,
        [r.path for r in roots],
        {name: target.subtrees for name, target in TARGETS.items()},
        targets,
        seeds=seeds,
        prune=prune,
    )
    manifest = _manifest(stacks, targets, files, roots, carry)
    # Seeds of the targets carried from the previous render stay listed as seeds.
    carried_seeds = previous.seeded & carry.files.keys() if previous else set()
    manifest["seeded"] = sorted(seeds | carried_seeds)
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    write_tree(out, files, keep=carry.keep)
    return Rendered(manifest, carry.removed, carry.pruned)


def _manifest(
    stacks: Sequence[ResolvedStack],
    targets: Sequence[str],
    files: Mapping[str, str],
    roots: Sequence[Root],
    carry: Carry,
) -> dict[str, object]:
    hashes = {
        path: hashlib.sha256(text.encode("utf-8")).hexdigest() for path, text in files.items()
    }
    every_root = [*roots, *(_root_from(entry) for entry in carry.roots)]
    return {
        "schema_version": 1,
        "generator": f"infra {__version__}",
        "targets": sorted({*targets, *carry.targets}),
        "stacks": sorted(s.name for s in stacks),
        "files": dict(sorted({**hashes, **carry.files}.items())),
        "kept": list(carry.kept),
        "roots": [
            {
                "path": r.path,
                "stack": r.stack,
                "cluster": r.cluster,
                "cloud": r.cloud,
                "region": r.region,
                "depends_on": list(r.depends_on),
            }
            for r in sorted(every_root, key=lambda r: r.path)
        ],
        "apply_order": apply_order(every_root),
    }


def _root_from(entry: Mapping[str, Any]) -> Root:
    """A root of a target carried from the previous manifest."""
    cluster = entry.get("cluster")
    return Root(
        path=str(entry["path"]),
        stack=str(entry.get("stack", "")),
        cluster=cluster if isinstance(cluster, str) else None,
        cloud=str(entry.get("cloud", "")),
        region=str(entry.get("region", "")),
        depends_on=tuple(str(d) for d in entry.get("depends_on", ())),
    )


# -- atlantis.yaml ------------------------------------------------------------------------------

# The repo-level config, as https://www.runatlantis.io/docs/repo-level-atlantis-yaml describes it
# (source: runatlantis/atlantis, runatlantis.io/docs/repo-level-atlantis-yaml.md). Keys used:
# version 3; parallel_plan, parallel_apply and abort_on_execution_order_fail (v0.17+); per
# project name, dir (relative to the repo root, no ".."), execution_order_group (v0.17+),
# depends_on (project names, v0.20+) and autoplan {enabled, when_modified (.dockerignore
# patterns relative to the project's dir)}. No `workflow` key: it is restricted (a repo may set
# it only where the server's repos.yaml allows `workflow` in allowed_overrides, whatever its
# value), and without it Atlantis uses its default workflow.
_MODULE_CALL = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


def atlantis_yaml(files: Mapping[str, str], roots: Sequence[Root]) -> str:
    """One Atlantis project per Terraform root: autoplanned when the root's files or the
    modules it calls change, in the roots' apply order (levels), with their dependencies."""
    names = {r.path: r.path.replace("/", "-") for r in roots}
    levels = depths(roots)
    tf_files: dict[str, list[str]] = {}
    for path, text in files.items():
        if path.endswith(".tf"):
            tf_files.setdefault(posixpath.dirname(path), []).append(text)
    lines = [
        "# Generated by infra render: one Atlantis project per Terraform root, in apply order.",
        "# The next render rewrites it (change the stacks instead). Atlantis reads atlantis.yaml",
        "# at the root of the repository; each dir is relative to the folder of this file.",
        "version: 3",
        "parallel_plan: true",
        "parallel_apply: true",
        "abort_on_execution_order_fail: true",
    ]
    if not roots:
        lines.append("projects: []")
    else:
        lines.append("projects:")
    for root in sorted(roots, key=lambda r: (levels[r.path], r.path)):
        patterns = ["*.tf", "*.tfvars", ".terraform.lock.hcl"]
        patterns += [
            f"{posixpath.relpath(module, root.path)}/**/*.tf"
            for module in _modules_called(tf_files, root.path)
        ]
        lines += [
            f"  - name: {_quoted(names[root.path])}",
            f"    dir: {_quoted(root.path)}",
            f"    execution_order_group: {levels[root.path]}",
        ]
        depends = [names[d] for d in root.depends_on if d in names]
        if depends:
            lines.append(f"    depends_on: [{', '.join(_quoted(d) for d in depends)}]")
        lines += [
            "    autoplan:",
            "      enabled: true",
            f"      when_modified: [{', '.join(_quoted(p) for p in patterns)}]",
        ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar.
    return json.dumps(text)


def _modules_called(tf_files: Mapping[str, Sequence[str]], directory: str) -> list[str]:
    """The module folders (relative to DIR) the .tf files in ``directory`` call, and the
    modules those call in turn. ``tf_files``: the texts of the .tf files by folder."""
    found: set[str] = set()
    pending = [directory]
    while pending:
        folder = pending.pop()
        for text in tf_files.get(folder, ()):
            for source in _MODULE_CALL.findall(text):
                module = posixpath.normpath(posixpath.join(folder, source))
                if module.startswith("modules/") and module not in found:
                    found.add(module)
                    pending.append(module)
    return sorted(found)


# -- the atomic write ---------------------------------------------------------------------------


def write_tree(out: Path, files: Mapping[str, str], keep: Sequence[str] = ()) -> None:
    """Make ``out`` hold exactly ``files`` plus the ``keep`` entries of the previous ``out``.

    ``out`` must be absent, empty or a previous render. ``keep`` names files, symlinks or whole
    directories (relative) that come over from the previous tree as they are; a kept path that
    is also in ``files`` wins over it. On any failure the previous ``out`` is untouched.
    """
    inspect_output(out)
    out = out.absolute()
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.render-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write here ({exc.strerror or exc})") from None
    kept = {_safe_relative(path) for path in keep}
    try:
        for relative, text in sorted(files.items()):
            if _safe_relative(relative) in kept and os.path.lexists(out / relative):
                continue
            target = staging / _safe_relative(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        for relative in sorted(kept):
            _carry_entry(out / relative, staging / relative)
        _swap_into_place(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{out}: writing failed ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _safe_relative(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise OutputError(f"refusing to write outside the output directory: {path!r}")
    return str(pure)


def _carry_entry(source: Path, destination: Path) -> None:
    """Bring one entry of the previous tree into the staging tree without copying its bytes
    where the file system allows (hard links: provider caches in ``.terraform/`` are large)."""
    if not os.path.lexists(source):
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
    elif source.is_dir():
        shutil.copytree(source, destination, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(destination))


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _swap_into_place(staging: Path, out: Path) -> None:
    """Exchange ``staging`` and ``out`` in one step where the OS can, else rename aside."""
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous tree
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    os.replace(out, aside / "tree")
    os.replace(staging, out)
    shutil.rmtree(aside, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two directories atomically. False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
