"""Extract resource argument schemas for aliyun/alicloud from a git mirror of its source.

The Alibaba Cloud provider has no npm package with a generated schema, so this reads the
``schema.Schema`` maps in ``alicloud/resource_alicloud_<name>.go`` (Terraform plugin SDK v2
Go literals) straight out of a bare git directory and records, per resource type, the settable
arguments, nested blocks and required names. Only facts are written, no provider code. The types
kept are those ``modules/`` and the rendered roots of the example stacks (``tests/golden/render``,
where the add-ons roots declare ``alicloud_cs_kubernetes_addon``) use.

Usage: python tools/extract_alicloud_schema.py --git-dir /work/.mirror/aliyun+terraform-provider-alicloud/repo
(get the mirror with the ``fetch`` tool or ``git clone --bare``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.extract_schemas import add_scan_argument

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "tests" / "schemas" / "alicloud.json"
SCAN_DIRS = (REPO_ROOT / "modules", REPO_ROOT / "tests" / "golden" / "render")
PROVIDER = "registry.terraform.io/aliyun/alicloud"
SCHEMA_MAP_OPEN = "map[string]*schema.Schema{"
RESOURCE_RE = re.compile(r'resource\s+"(alicloud_[a-z0-9_]+)"')
VERSION_RE = re.compile(r"^## (\d+\.\d+\.\d+) \(([^)]+)\)", re.MULTILINE)


class GoParseError(ValueError):
    """The Go source did not have the schema shape this extractor understands."""


@dataclass
class Block:
    """Settable arguments and nested blocks of one schema level, in Terraform names."""

    arguments: set[str] = field(default_factory=set)
    blocks: dict[str, Block] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    deprecated: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "arguments": sorted(self.arguments),
            "blocks": {name: self.blocks[name].to_json() for name in sorted(self.blocks)},
            "required": sorted(self.required),
        }
        if self.deprecated:
            out["deprecated"] = sorted(self.deprecated)
        return out


def _skip_literal(text: str, i: int) -> int:
    """Return the index just past the string, rune or comment starting at ``i`` (else ``i``)."""
    ch = text[i]
    if ch in {'"', "'"}:
        j = i + 1
        while j < len(text) and text[j] != ch:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    if ch == "`":
        return text.index("`", i + 1) + 1
    if text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return text.index("*/", i + 2) + 2
    return i


def _matching_brace(text: str, open_idx: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_idx``."""
    depth = 0
    i = open_idx
    while i < len(text):
        nxt = _skip_literal(text, i)
        if nxt != i:
            i = nxt
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise GoParseError(f"unbalanced brace at offset {open_idx}")


def _split_top_level(body: str) -> list[str]:
    """Split a composite literal body at its depth-0 commas."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(body):
        nxt = _skip_literal(body, i)
        if nxt != i:
            i = nxt
            continue
        ch = body[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def _strip_comments(fragment: str) -> str:
    return re.sub(r"^\s*//[^\n]*\n", "", fragment, flags=re.MULTILINE).strip()


def parse_schema_map(text: str, open_idx: int) -> Block:
    """Parse the ``map[string]*schema.Schema{...}`` literal whose ``{`` is at ``open_idx``."""
    close = _matching_brace(text, open_idx)
    block = Block()
    for raw_entry in _split_top_level(text[open_idx + 1 : close]):
        entry = _strip_comments(raw_entry)
        helper = re.fullmatch(r'"([A-Za-z0-9_]+)"\s*:\s*(\w+)\(\)', entry)
        if helper:
            # Shared helpers such as tagsSchema() build optional map attributes.
            block.arguments.add(helper.group(1))
            continue
        match = re.match(r'"([A-Za-z0-9_]+)"\s*:\s*(?:&schema\.Schema)?\{', entry)
        if not match:
            raise GoParseError(f"unexpected schema entry: {entry[:80]!r}")
        name = match.group(1)
        brace = match.end() - 1
        fields = _entry_fields(entry, brace)
        _add_entry(block, name, fields, entry, brace)
    return block


def _entry_fields(entry: str, brace: int) -> dict[str, str]:
    body = entry[brace + 1 : _matching_brace(entry, brace)]
    fields: dict[str, str] = {}
    for raw_part in _split_top_level(body):
        key, sep, value = _strip_comments(raw_part).partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _add_entry(block: Block, name: str, fields: dict[str, str], entry: str, brace: int) -> None:
    if "Removed" in fields:
        return
    settable = fields.get("Optional") == "true" or fields.get("Required") == "true"
    if not settable:
        return  # computed-only attribute: not an argument
    if fields.get("Required") == "true":
        block.required.add(name)
    if "Deprecated" in fields:
        block.deprecated.add(name)
    elem = fields.get("Elem", "")
    kind = fields.get("Type", "")
    if elem.startswith("&schema.Resource{") and kind in ("schema.TypeList", "schema.TypeSet"):
        inner = elem.find(SCHEMA_MAP_OPEN)
        if inner < 0:
            raise GoParseError(f"nested block {name!r} has no inline schema map")
        block.blocks[name] = parse_schema_map(elem, inner + len(SCHEMA_MAP_OPEN) - 1)
    else:
        block.arguments.add(name)


def _git_show(git_dir: Path, rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def resource_schema(git_dir: Path, rev: str, resource_type: str) -> Block:
    """Schema of one ``alicloud_*`` resource type at ``rev`` of the mirror."""
    source = _git_show(git_dir, rev, f"alicloud/resource_{resource_type}.go")
    anchor = source.find("Schema: " + SCHEMA_MAP_OPEN)
    if anchor < 0:
        raise GoParseError(f"{resource_type}: no inline Schema map in its resource file")
    return parse_schema_map(source, anchor + len("Schema: " + SCHEMA_MAP_OPEN) - 1)


def used_resource_types(dirs: Iterable[Path], prefix: str) -> list[str]:
    """Every ``resource "TYPE"`` with the given prefix in ``<dir>/**/*.tf`` of each of ``dirs``."""
    found: set[str] = set()
    for directory in dirs:
        for path in sorted(directory.rglob("*.tf")):
            text = path.read_text()
            found.update(t for t in RESOURCE_RE.findall(text) if t.startswith(prefix))
    return sorted(found)


def released_version(git_dir: Path, rev: str) -> tuple[str, str]:
    """The newest released version named in CHANGELOG.md at ``rev`` and its date."""
    for match in VERSION_RE.finditer(_git_show(git_dir, rev, "CHANGELOG.md")):
        if match.group(2).strip().lower() != "unreleased":
            return match.group(1), match.group(2)
    raise GoParseError("CHANGELOG.md names no released version")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="bare git dir of the provider")
    parser.add_argument("--rev", default="HEAD")
    add_scan_argument(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    commit = subprocess.run(
        ["git", "--git-dir", str(args.git_dir), "rev-parse", args.rev],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    version, date = released_version(args.git_dir, commit)
    resources = {
        rtype: resource_schema(args.git_dir, commit, rtype).to_json()
        for rtype in used_resource_types(args.scan or SCAN_DIRS, "alicloud_")
    }
    document = {
        "provider": PROVIDER,
        "version": version,
        "source": {
            "kind": "git",
            "repository": "github.com/aliyun/terraform-provider-alicloud",
            "commit": commit,
            "note": f"newest release in CHANGELOG.md at that commit: {version} ({date})",
            "extractor": "tools/extract_alicloud_schema.py",
        },
        "resources": resources,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    tmp.replace(args.out)
    print(f"{args.out}: {PROVIDER} {version} @ {commit[:12]}: {len(resources)} resource types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
