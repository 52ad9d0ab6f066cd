"""Check Terraform files against provider schema snapshots, offline.

Walks every ``resource`` block of the given ``.tf`` files (parsed with python-hcl2), including
nested blocks and ``dynamic "x" { content { ... } }``, and every ``provider`` block whose
snapshot records the provider configuration (``provider_config``: kubernetes, helm), and reports:

- resource types missing from the snapshot of their provider,
- arguments and nested blocks the provider does not have,
- required arguments and blocks that are missing.

Nested attributes (plugin-framework providers such as hashicorp/helm 3.x: ``set = [{...}]``,
``kubernetes = {...}``) are arguments listed under ``nested`` with the schema of their object:
the keys of a literal object (or list of objects) are checked like a block's, and writing one
as a block (``kubernetes { }``) is reported, as Terraform does.

Snapshots are ``tests/schemas/*.json`` (written by ``tools/extract_schemas.py``,
``tools/extract_kubernetes_schema.py`` and ``tools/extract_alicloud_schema.py``). Usage: ``python tests/tfschema.py [PATH ...]`` (files or
directories, default ``modules/``); exit status 1 when a problem is found.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import hcl2

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# Accepted in every resource whatever the provider schema says.
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider"})
META_BLOCKS = frozenset({"lifecycle", "connection", "provisioner"})
# Accepted in every provider block (Terraform's own; "version" is deprecated but still taken).
PROVIDER_META_ARGUMENTS = frozenset({"alias", "version"})
# Resource types built into Terraform itself (no provider schema to snapshot).
BUILTIN_RESOURCES: dict[str, dict[str, Any]] = {
    "terraform_data": {
        "arguments": ["input", "triggers_replace"],
        "blocks": {},
        "required": [],
    },
}


@dataclass(frozen=True, order=True)
class Problem:
    """One schema violation, located in a file."""

    path: Path
    line: int
    address: str  # resource address plus the nested block path, e.g. aws_x.this.ebs
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.address}: {self.message}"


@dataclass(frozen=True)
class Schemas:
    """Resource schemas by type, and the providers they cover (short names: aws, azurerm)."""

    resources: Mapping[str, Mapping[str, Any]]
    providers: frozenset[str]
    # The ``provider "<name>"`` block's schema, for the snapshots that record it.
    provider_configs: Mapping[str, Mapping[str, Any]] = dataclass_field(default_factory=dict)

    @classmethod
    def load(cls, schema_dir: Path = SCHEMA_DIR) -> Schemas:
        resources: dict[str, Mapping[str, Any]] = dict(BUILTIN_RESOURCES)
        providers: set[str] = set()
        configs: dict[str, Mapping[str, Any]] = {}
        for path in sorted(schema_dir.glob("*.json")):
            document = json.loads(path.read_text())
            name = str(document["provider"]).rsplit("/", 1)[-1]
            providers.add(name)
            resources.update(document["resources"])
            if "provider_config" in document:
                configs[name] = document["provider_config"]
        return cls(resources=resources, providers=frozenset(providers), provider_configs=configs)


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


class _LineFinder:
    """Find line numbers by text search (python-hcl2 does not report them)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: str, start: int) -> int:
        """1-based line of the first match of ``pattern`` at or after 1-based ``start``."""
        regex = re.compile(pattern)
        for index in range(max(start, 1) - 1, len(self.lines)):
            if regex.search(self.lines[index]):
                return index + 1
        return start

    def resource(self, rtype: str, name: str) -> int:
        return self.find(rf'^\s*resource\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"', 1)

    def provider(self, name: str, start: int) -> int:
        return self.find(rf'^\s*provider\s+"{re.escape(name)}"', start)

    def member(self, name: str, start: int) -> int:
        escaped = re.escape(name)
        return self.find(rf'^\s*({escaped}\s*[={{]|dynamic\s+"{escaped}"|"{escaped}"\s*=)', start)


class _Checker:
    def __init__(self, path: Path, text: str, schemas: Schemas, explicit_blocks: bool) -> None:
        self.path = path
        self.lines = _LineFinder(text)
        self.schemas = schemas
        self.explicit_blocks = explicit_blocks
        self.problems: list[Problem] = []

    def report(self, line: int, address: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, address, message))

    def is_block(self, value: Any) -> bool:
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            return False
        if self.explicit_blocks:  # python-hcl2 >= 8 marks blocks
            return all(v.get("__is_block__") is True for v in value)
        return True  # python-hcl2 7: a list of objects is how blocks come out

    def resource(self, rtype: str, name: str, body: dict[str, Any]) -> None:
        line = self.lines.resource(rtype, name)
        address = f"{rtype}.{name}"
        schema = self.schemas.resources.get(rtype)
        if schema is None:
            provider = rtype.split("_", 1)[0]
            if provider in self.schemas.providers:
                known = [t for t in self.schemas.resources if t.startswith(f"{provider}_")]
                hint = _suggest(rtype, known)
                self.report(
                    line,
                    address,
                    f"unknown resource type {rtype!r}{hint} (or not in the schema snapshot: "
                    "run `make schemas`)",
                )
            else:
                self.report(line, address, f"no schema snapshot for provider {provider!r}")
            return
        self.body(body, schema, address, line, top_level=True)

    def provider(self, name: str, body: dict[str, Any], line: int) -> None:
        """Check a ``provider`` block, if the snapshot of that provider records its schema."""
        schema = self.schemas.provider_configs.get(name)
        if schema is None:
            return  # aws, azurerm, alicloud: their snapshots hold resources only
        config = {k: v for k, v in body.items() if k not in PROVIDER_META_ARGUMENTS}
        self.body(config, schema, f"provider.{name}", line)

    def body(
        self,
        body: dict[str, Any],
        schema: Mapping[str, Any],
        address: str,
        line: int,
        *,
        top_level: bool = False,
    ) -> None:
        arguments = set(schema.get("arguments", []))
        blocks: Mapping[str, Any] = schema.get("blocks", {})
        nested: Mapping[str, Any] = schema.get("nested", {})
        present: set[str] = set()
        for key, value in body.items():
            if key.startswith("__"):
                continue  # hcl2 metadata: __is_block__, __comments__, __start_line__ ...
            if key == "dynamic" and isinstance(value, list):
                for dynamic in (d for d in value if isinstance(d, dict)):
                    present.update(self.dynamic(dynamic, blocks, address, line))
                continue
            present.add(key)
            if top_level and (key in META_ARGUMENTS or key in META_BLOCKS):
                continue
            member_line = self.lines.member(key, line)
            if self.is_block(value):
                if key in blocks:
                    for instance in value:
                        self.body(instance, blocks[key], f"{address}.{key}", member_line)
                elif key in nested:
                    self.report(
                        member_line,
                        address,
                        f"{key!r} is a nested attribute, not a block: write {key} = {{ ... }}",
                    )
                elif key in arguments:
                    self.report(member_line, address, f"{key!r} is an argument, not a block")
                else:
                    hint = _suggest(key, blocks)
                    self.report(member_line, address, f"unknown block {key!r}{hint}")
            elif key in nested:
                for instance in _literal_objects(value):
                    self.body(instance, nested[key], f"{address}.{key}", member_line)
            elif key not in arguments:
                if key in blocks:
                    self.report(member_line, address, f"{key!r} is a block, not an argument")
                else:
                    hint = _suggest(key, arguments)
                    self.report(member_line, address, f"unknown argument {key!r}{hint}")
        for required in sorted(set(schema.get("required", [])) - present):
            kind = "block" if required in blocks else "argument"
            self.report(line, address, f"missing required {kind} {required!r}")

    def dynamic(
        self, dynamic: dict[str, Any], blocks: Mapping[str, Any], address: str, line: int
    ) -> Iterator[str]:
        for label, spec in dynamic.items():
            if label.startswith("__"):
                continue
            name = _unquote(label)
            dyn_line = self.lines.member(name, line)
            yield name
            if name not in blocks:
                hint = _suggest(name, blocks)
                self.report(dyn_line, address, f"unknown block {name!r} (dynamic){hint}")
                continue
            for content in spec.get("content", []) if isinstance(spec, dict) else []:
                if isinstance(content, dict):
                    self.body(content, blocks[name], f"{address}.{name}", dyn_line)


def _literal_objects(value: Any) -> list[dict[str, Any]]:
    """The objects written literally in a nested attribute's value (none for an expression)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []  # "${var.x}", "${[for ...]}": only Terraform can see inside


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _uses_block_markers(tree: Any) -> bool:
    if isinstance(tree, dict):
        return "__is_block__" in tree or any(_uses_block_markers(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_uses_block_markers(v) for v in tree)
    return False


def check_file(path: Path, schemas: Schemas) -> list[Problem]:
    """Schema problems of the resources in one ``.tf`` file."""
    text = path.read_text()
    try:
        tree = hcl2.loads(text)
    except Exception as exc:  # python-hcl2 raises lark errors of several types
        return [Problem(path, 1, "-", f"cannot parse: {exc}".splitlines()[0])]
    checker = _Checker(path, text, schemas, explicit_blocks=_uses_block_markers(tree))
    for entry in tree.get("resource", []):
        for rtype_label, named in entry.items():
            if rtype_label.startswith("__") or not isinstance(named, dict):
                continue
            for name_label, body in named.items():
                if name_label.startswith("__") or not isinstance(body, dict):
                    continue
                checker.resource(_unquote(rtype_label), _unquote(name_label), body)
    line = 1
    for entry in tree.get("provider", []):
        for name_label, body in entry.items():
            if name_label.startswith("__") or not isinstance(body, dict):
                continue
            name = _unquote(name_label)
            line = checker.lines.provider(name, line)
            checker.provider(name, body, line)
            line += 1
    return checker.problems


def tf_files(paths: Iterable[Path]) -> list[Path]:
    """``.tf`` files named or under the given directories (skipping ``.terraform``)."""
    files: set[Path] = set()
    for path in paths:
        if path.is_dir():
            files.update(p for p in path.rglob("*.tf") if ".terraform" not in p.parts)
        else:
            files.add(path)
    return sorted(files)


def check_paths(paths: Iterable[Path], schemas: Schemas | None = None) -> list[Problem]:
    """Schema problems of every ``.tf`` file under ``paths``, sorted by file and line."""
    loaded = schemas or Schemas.load()
    return sorted(p for f in tf_files(paths) for p in check_file(f, loaded))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or [REPO_ROOT / "modules"]
    problems = check_paths(paths)
    for problem in problems:
        print(problem)
    files = len(tf_files(paths))
    print(f"{len(problems)} problem(s) in {files} file(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
