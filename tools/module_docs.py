"""Regenerate the inputs and outputs tables of every ``modules/*/README.md`` from its ``.tf`` files.

The inputs table, from ``variables.tf``, sits between ``<!-- BEGIN_INPUTS -->`` and
``<!-- END_INPUTS -->``; the outputs table, from ``outputs.tf``, between ``<!-- BEGIN_OUTPUTS -->``
and ``<!-- END_OUTPUTS -->``. Both list their blocks in file order. Everything else in the README
is hand-written. Every variable needs a type and a description, every output a description; a
README without both pairs of markers (each once, in order) is an error. ``--check`` reports stale
READMEs instead of writing them (exit 1), for ``make lint``, pre-commit and
``tests/test_module_docs.py``.

Usage: python tools/module_docs.py [--check] [MODULE_DIR ...]   (default: modules/*)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import hcl2

REPO_ROOT = Path(__file__).resolve().parent.parent
BEGIN_INPUTS = "<!-- BEGIN_INPUTS -->"
END_INPUTS = "<!-- END_INPUTS -->"
BEGIN_OUTPUTS = "<!-- BEGIN_OUTPUTS -->"
END_OUTPUTS = "<!-- END_OUTPUTS -->"
LONG_TYPE = 60


class ModuleDocsError(ValueError):
    """A README, variables.tf or outputs.tf that cannot be documented."""


def _hcl_string(value: Any) -> str:
    """The text of a string as python-hcl2 returns it (quoted since v8, bare before)."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except json.JSONDecodeError:
            return text[1:-1]
    return text


def _unwrap(expr: str) -> str:
    return expr[2:-1] if expr.startswith("${") and expr.endswith("}") else expr


def render_type(value: Any) -> str:
    """A variable type as HCL, long object types shortened to ``map(object({...}))``."""
    text = re.sub(r"\s+", " ", _unwrap(str(value))).strip()
    if len(text) > LONG_TYPE:
        text = re.sub(r"\{.*\}", "{...}", text, count=1)
    return text


def render_value(value: Any) -> str:
    """A default value in HCL notation."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{k} = {render_value(v)}" for k, v in value.items() if not k.startswith("__")]
        return "{" + ", ".join(items) + "}"
    text = str(value)
    if text.startswith("${"):
        return _unwrap(text)
    if text.startswith('"'):
        return text
    return json.dumps(text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _blocks(tf_file: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """``(name, body)`` of every ``kind`` block (``variable``, ``output``) in ``tf_file``."""
    if not tf_file.is_file():
        raise ModuleDocsError(f"{tf_file.parent}: no {tf_file.name}")
    tree = hcl2.loads(tf_file.read_text())
    return [
        (_hcl_string(label), body)
        for entry in tree.get(kind, [])
        for label, body in entry.items()
        if not label.startswith("__")
    ]


def inputs_table(variables_tf: Path) -> str:
    """The Markdown inputs table for one ``variables.tf``, in file order."""
    rows = [
        "| Name | Description | Type | Default | Required |",
        "| --- | --- | --- | --- | :---: |",
    ]
    for name, body in _blocks(variables_tf, "variable"):
        if "description" not in body or "type" not in body:
            raise ModuleDocsError(
                f"{variables_tf}: variable {name!r} needs a type and a description"
            )
        required = "default" not in body
        default = "n/a" if required else f"`{render_value(body['default'])}`"
        rows.append(
            f"| `{name}` | {_cell(_hcl_string(body['description']))} | "
            f"`{_cell(render_type(body['type']))}` | {_cell(default)} | "
            f"{'yes' if required else 'no'} |"
        )
    return "\n".join(rows)


def _is_sensitive(output_tf: Path, name: str, body: dict[str, Any]) -> bool:
    value = body.get("sensitive", False)
    if isinstance(value, str):
        value = {"true": True, "false": False}.get(_unwrap(_hcl_string(value)), value)
    if not isinstance(value, bool):
        raise ModuleDocsError(f"{output_tf}: output {name!r}: sensitive must be true or false")
    return value


def outputs_table(outputs_tf: Path) -> str:
    """The Markdown outputs table for one ``outputs.tf``, in file order."""
    rows = [
        "| Name | Description | Sensitive |",
        "| --- | --- | :---: |",
    ]
    for name, body in _blocks(outputs_tf, "output"):
        if "description" not in body:
            raise ModuleDocsError(f"{outputs_tf}: output {name!r} needs a description")
        sensitive = _is_sensitive(outputs_tf, name, body)
        rows.append(
            f"| `{name}` | {_cell(_hcl_string(body['description']))} | "
            f"{'yes' if sensitive else 'no'} |"
        )
    return "\n".join(rows)


def updated_readme(readme: str, table: str, path: Path, begin: str, end: str) -> str:
    """``readme`` with the text between ``begin`` and ``end`` replaced by ``table``."""
    start, stop = readme.find(begin), readme.find(end)
    if readme.count(begin) != 1 or readme.count(end) != 1 or stop < start:
        raise ModuleDocsError(f"{path}: needs {begin} and {end} markers, once each, in that order")
    return f"{readme[: start + len(begin)]}\n{table}\n{readme[stop:]}"


def fresh_readme(module: Path, readme: str) -> str:
    """``readme`` (of ``module``) with both generated tables regenerated."""
    path = module / "README.md"
    marks = [readme.find(m) for m in (BEGIN_INPUTS, END_INPUTS, BEGIN_OUTPUTS, END_OUTPUTS)]
    if min(marks) >= 0 and marks[1] > marks[2] and marks[3] > marks[0]:
        raise ModuleDocsError(f"{path}: the inputs and outputs markers overlap")
    text = updated_readme(
        readme, inputs_table(module / "variables.tf"), path, BEGIN_INPUTS, END_INPUTS
    )
    return updated_readme(
        text, outputs_table(module / "outputs.tf"), path, BEGIN_OUTPUTS, END_OUTPUTS
    )


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def module_dirs(root: Path) -> list[Path]:
    """Module directories under ``root`` (those with a variables.tf)."""
    return sorted(p.parent for p in root.glob("*/variables.tf"))


def stale_readmes(dirs: list[Path], *, write: bool) -> list[Path]:
    """READMEs whose inputs or outputs table is stale (rewritten when ``write``)."""
    stale: list[Path] = []
    for module in dirs:
        readme_path = module / "README.md"
        if not readme_path.is_file():
            raise ModuleDocsError(f"{module}: no README.md")
        readme = readme_path.read_text()
        fresh = fresh_readme(module, readme)
        if fresh != readme:
            stale.append(readme_path)
            if write:
                _write_atomic(readme_path, fresh)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale READMEs, write nothing")
    parser.add_argument("modules", nargs="*", type=Path)
    args = parser.parse_args(argv)
    dirs = args.modules or module_dirs(REPO_ROOT / "modules")
    try:
        stale = stale_readmes(dirs, write=not args.check)
    except ModuleDocsError as exc:
        print(f"module_docs: {exc}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"{'stale' if args.check else 'updated'}: {path}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
