"""Regenerate the inputs table of every ``modules/*/README.md`` from its ``variables.tf``.

The table sits between ``<!-- BEGIN_INPUTS -->`` and ``<!-- END_INPUTS -->``; everything else
in the README is hand-written. ``--check`` reports stale READMEs instead of writing them
(exit 1), for CI and ``tests/test_module_docs.py``.

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
BEGIN = "<!-- BEGIN_INPUTS -->"
END = "<!-- END_INPUTS -->"
LONG_TYPE = 60


class ModuleDocsError(ValueError):
    """A README or variables.tf that cannot be documented."""


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


def inputs_table(variables_tf: Path) -> str:
    """The Markdown inputs table for one ``variables.tf``, in file order."""
    tree = hcl2.loads(variables_tf.read_text())
    rows = [
        "| Name | Description | Type | Default | Required |",
        "| --- | --- | --- | --- | :---: |",
    ]
    for entry in tree.get("variable", []):
        for label, body in entry.items():
            if label.startswith("__"):
                continue
            name = _hcl_string(label)
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


def updated_readme(readme: str, table: str, path: Path) -> str:
    """``readme`` with the text between the markers replaced by ``table``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ModuleDocsError(f"{path}: needs {BEGIN} and {END} markers, in that order")
    return f"{readme[: start + len(BEGIN)]}\n{table}\n{readme[end:]}"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def module_dirs(root: Path) -> list[Path]:
    """Module directories under ``root`` (those with a variables.tf)."""
    return sorted(p.parent for p in root.glob("*/variables.tf"))


def stale_readmes(dirs: list[Path], *, write: bool) -> list[Path]:
    """READMEs whose inputs table differs from their variables.tf (rewritten when ``write``)."""
    stale: list[Path] = []
    for module in dirs:
        readme_path = module / "README.md"
        if not readme_path.is_file():
            raise ModuleDocsError(f"{module}: no README.md")
        readme = readme_path.read_text()
        fresh = updated_readme(readme, inputs_table(module / "variables.tf"), readme_path)
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
