"""Who owns what in an output directory, so that a render never destroys what it did not write.

A render writes only into a directory that is absent, empty, or a previous infra render (its
``manifest.json`` says so). Inside a previous render, every file the previous manifest does not
list belongs to the user (tfvars, overrides, local state, ``.terraform/``, notes) and is carried
into the new tree. A unit that would disappear (a Terraform root whose cluster left the stack, a
Pulumi project whose stack did) but holds such files stops the render unless ``prune`` is given.

This module only reads the old tree and decides; :mod:`infra.render` writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from infra.errors import OutputError

__all__ = ["MANIFEST", "Carry", "PreviousRender", "inspect_output", "plan_carry"]

MANIFEST = "manifest.json"
_SHOWN = 3  # names quoted in a one-line refusal before "..."


@dataclass(frozen=True, slots=True)
class PreviousRender:
    """What the previous render in a directory wrote, as its manifest lists it."""

    directory: Path
    files: Mapping[str, str]  # relative path -> sha256
    roots: tuple[Mapping[str, Any], ...]
    seeded: frozenset[str]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Carry:
    """What a new render brings over from the previous tree, and what it lets go."""

    keep: tuple[str, ...]  # relative paths (files, symlinks, whole directories) to carry over
    kept: tuple[str, ...]  # user entries among them, as the manifest lists them ("dir/" for a dir)
    files: Mapping[str, str]  # manifest entries of carried files of targets not rendered now
    roots: tuple[Mapping[str, Any], ...]  # manifest roots of targets not rendered now
    targets: tuple[str, ...]  # targets not rendered now whose files are carried
    removed: tuple[str, ...]  # units (roots, Pulumi projects) that go, with only generated files
    pruned: tuple[str, ...]  # units that go with their user files, because prune was asked


def inspect_output(out: Path) -> PreviousRender | None:
    """``None`` for an absent or empty directory, the previous render it holds, or OutputError.

    Called before any other work, so a refused directory is never touched.
    """
    shown = str(out)
    if not out.exists():
        if out.is_symlink():
            raise OutputError(f"{shown}: output path is a broken symbolic link")
        return None
    if not out.is_dir():
        raise OutputError(f"{shown}: output path is a file (allowed: a directory, new or existing)")
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        raise OutputError(f"{shown}: cannot read the output directory ({exc.strerror})") from None
    if entries and MANIFEST not in entries:
        raise OutputError(f"{shown}: {_not_ours(entries)}")
    # The tree is swapped for a new one: a shell or process inside it would be left in a
    # deleted directory.
    cwd = Path.cwd().resolve()
    resolved = out.resolve()
    if cwd == resolved or resolved in cwd.parents:
        raise OutputError(
            f"{shown}: output directory holds the working directory; render into a folder of its own"
        )
    return _read_manifest(out, shown) if entries else None


def _not_ours(entries: Sequence[str]) -> str:
    if ".git" in entries:
        why = "is a git checkout"
    elif any(name.endswith(".py") for name in entries):
        why = "holds Python files (stack files?)"
    else:
        why = "is not empty"
    names = ", ".join(entries[:_SHOWN]) + (", ..." if len(entries) > _SHOWN else "")
    return (
        f"refusing to render here: it {why} ({names}) and has no {MANIFEST} of a previous "
        "infra render (allowed: a new or empty directory, or a previous render)"
    )


def _read_manifest(out: Path, shown: str) -> PreviousRender:
    refusal = f"{shown}: refusing to render here: its {MANIFEST} was not written by infra"
    try:
        document = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise OutputError(refusal) from None
    if not isinstance(document, dict):
        raise OutputError(refusal)
    files = document.get("files")
    roots = document.get("roots", [])
    generator = document.get("generator")
    if not (
        isinstance(generator, str)
        and generator.startswith("infra ")
        and isinstance(files, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
        and isinstance(roots, list)
        and all(isinstance(r, dict) and isinstance(r.get("path"), str) for r in roots)
    ):
        raise OutputError(refusal)
    for path in [*files, *(r["path"] for r in roots)]:
        if not _is_relative(path):
            raise OutputError(f"{refusal} (it lists a path outside the directory: {path!r})")
    seeded = document.get("seeded", [])
    targets = document.get("targets", [])
    return PreviousRender(
        directory=out,
        files=dict(files),
        roots=tuple(roots),
        seeded=frozenset(s for s in seeded if isinstance(s, str))
        if isinstance(seeded, list)
        else frozenset(),
        targets=tuple(t for t in targets if isinstance(t, str))
        if isinstance(targets, list)
        else (),
    )


def _is_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(pure.parts) and not pure.is_absolute() and ".." not in pure.parts


def plan_carry(
    previous: PreviousRender | None,
    files: Mapping[str, str],
    roots: Sequence[str],
    subtrees: Mapping[str, tuple[str, ...]],
    rendered: Sequence[str],
    seeds: Iterable[str] = (),
    prune: bool = False,
) -> Carry:
    """Decide what the new tree (``files``, with Terraform ``roots``) takes from ``previous``.

    ``subtrees`` maps each target to the top-level folders it owns; only the folders of the
    ``rendered`` targets are replaced, the others are carried as they are. Raises OutputError
    when a unit that goes holds user files (and ``prune`` is false), or when a user file stands
    where the new render writes.
    """
    if previous is None:
        return Carry((), (), {}, (), (), (), ())
    replaced = {folder for name in rendered for folder in subtrees[name]}
    carried_targets = tuple(
        sorted(t for t in previous.targets if t in subtrees and t not in rendered)
    )

    def replaced_here(path: str) -> bool:
        return path.split("/", 1)[0] in replaced

    owned = set(previous.files) | {MANIFEST}
    # Seeded files become the user's once they exist (`pulumi config set` writes them).
    user_owned_seeds = previous.seeded | set(seeds)
    carried_files = {
        path: digest
        for path, digest in previous.files.items()
        if not replaced_here(path) and path != MANIFEST and path not in files
    }
    carried_roots = tuple(r for r in previous.roots if not replaced_here(r["path"]))
    structure = _ancestors([*owned, *files])
    user = _unowned(previous.directory, owned, structure)
    keep: list[str] = sorted(carried_files)
    keep += [path for path in sorted(user_owned_seeds) if path in files and _exists(previous, path)]

    old_units = _units(previous.files, (r["path"] for r in previous.roots), replaced)
    new_units = _units(files, roots, replaced)
    gone = sorted(old_units - new_units)
    held: dict[str, list[str]] = {unit: [] for unit in gone}
    for path in sorted(previous.seeded):
        unit = _unit_of(path, gone)
        if unit is not None and _edited(previous, path):
            held[unit].append(path)

    new_structure = _ancestors(files)
    kept: list[str] = []
    for path, is_dir in user:
        unit = _unit_of(path, gone)
        if unit is not None:
            held[unit].append(path + ("/" if is_dir else ""))
            continue
        if path in files or path in new_structure:
            raise OutputError(
                f"{previous.directory / path}: was not written by infra, and the render now "
                "writes there; move it away and render again"
            )
        keep.append(path)
        kept.append(path + ("/" if is_dir else ""))

    blocked = {unit: names for unit, names in held.items() if names}
    if blocked and not prune:
        unit, names = next(iter(sorted(blocked.items())))
        others = len(blocked) - 1
        more = f" (and {others} more like it)" if others else ""
        shown = ", ".join(n.rsplit("/", 1)[-1] or n for n in names[:_SHOWN])
        raise OutputError(
            f"{previous.directory / unit}: no longer rendered, but holds state or user files "
            f"({shown}{', ...' if len(names) > _SHOWN else ''}){more}; destroy it first, move the "
            "files away, or render with --prune to delete it anyway"
        )
    return Carry(
        keep=tuple(keep),
        kept=tuple(sorted(kept)),
        files=carried_files,
        roots=carried_roots,
        targets=carried_targets,
        removed=tuple(u for u in gone if u not in blocked),
        pruned=tuple(sorted(blocked)),
    )


def _exists(previous: PreviousRender, path: str) -> bool:
    return os.path.lexists(previous.directory / path)


def _edited(previous: PreviousRender, path: str) -> bool:
    """A file the previous render wrote that has changed since (a seed the user configured)."""
    try:
        data = (previous.directory / path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() != previous.files.get(path)


def _ancestors(paths: Iterable[str]) -> set[str]:
    """Every directory (relative) that holds one of ``paths``."""
    found: set[str] = set()
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent and parent not in found:
            found.add(parent)
            parent = parent.rpartition("/")[0]
    return found


def _unowned(directory: Path, owned: set[str], structure: set[str]) -> list[tuple[str, bool]]:
    """Entries under ``directory`` that no render wrote: files, symlinks and whole folders."""
    found: list[tuple[str, bool]] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(directory / relative) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            raise OutputError(
                f"{directory / relative}: cannot read the previous render ({exc.strerror})"
            ) from None
        for entry in listing:
            path = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                if path in structure:
                    pending.append(path)
                else:
                    found.append((path, True))
            elif path not in owned:
                found.append((path, False))
    return sorted(found)


def _units(files: Iterable[str], roots: Iterable[str], replaced: set[str]) -> set[str]:
    """Terraform roots and Pulumi projects (``pulumi/<stack>``) in the replaced folders."""
    units = {root for root in roots if root.split("/", 1)[0] in replaced}
    if "pulumi" in replaced:
        units |= {
            "/".join(parts[:2])
            for parts in (path.split("/") for path in files)
            if parts[0] == "pulumi" and len(parts) > 2
        }
    return units


def _unit_of(path: str, units: Iterable[str]) -> str | None:
    for unit in units:
        if path == unit or path.startswith(unit + "/"):
            return unit
    return None
