"""Snapshot provider resource schemas (AWS, AzureRM) from their prebuilt CDK packages.

Terraform providers cannot be downloaded in CI, but the CDK-for-Terraform provider packages on
npm (``@cdktn/provider-aws``, ``@cdktn/provider-azurerm``) are generated from the real provider
schema. This packs one of them with ``npm pack``, reads the provider name and version from
``package.json`` (``cdktf.provider``), the Terraform argument and block names from the generated
``lib/<resource>/index.js`` (plus ``index-structs/``), and required-ness from the ``.jsii``
assembly. It keeps only the resource types used in ``modules/`` and in the rendered roots of
the example stacks (``tests/golden/render``) and writes ``tests/schemas/<provider>.json``, which
``tests/tfschema.py`` checks the modules and the rendered roots against.

Usage: python tools/extract_schemas.py [--provider aws|azurerm ...] [--work-dir DIR]

``make schemas`` runs this, then ``tools/extract_kubernetes_schema.py`` (the kubernetes and helm
snapshots, whose packages come from PyPI and which also record the provider configuration).
The Alibaba Cloud schema comes from ``tools/extract_alicloud_schema.py`` (no package: it reads
a git mirror of the provider, so ``make schemas`` does not run it).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO_ROOT / "tests" / "schemas"
# Where resource types are used: the modules, and the committed renders of the example stacks
# (the add-ons roots declare helm_release, kubernetes_* and alicloud_cs_kubernetes_addon there).
SCAN_DIRS = (REPO_ROOT / "modules", REPO_ROOT / "tests" / "golden" / "render")
RESOURCE_RE = re.compile(r'resource\s+"([a-z0-9_]+)"')
ATTR_ENTRY_RE = re.compile(
    r'^\s+"?(?P<name>[A-Za-z0-9_]+)"?: \{\s*value: (?P<value>.*?),\s*'
    r'isBlock: (?P<block>true|false),\s*type: "(?P<type>\w+)"',
    re.MULTILINE | re.DOTALL,
)
STRUCT_FN_RE = re.compile(r"(?<![.\w])([a-z]\w*ToHclTerraform)\b")
JS_PROP_RE = re.compile(r"(?:this\._|struct!?\.)(\w+)")
HCL_FN_SUFFIX = "ToHclTerraform"


@dataclass(frozen=True)
class PackageSpec:
    """An npm package holding one provider's generated bindings."""

    key: str  # file stem in tests/schemas and the resource type prefix
    package: str
    version: str


PACKAGES = {
    "aws": PackageSpec("aws", "@cdktn/provider-aws", "25.7.0"),
    "azurerm": PackageSpec("azurerm", "@cdktn/provider-azurerm", "16.1.0"),
}


class SchemaExtractionError(RuntimeError):
    """The package did not have the layout this extractor understands."""


def _matching_brace(text: str, open_idx: int) -> int:
    depth = 0
    for i in range(open_idx, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise SchemaExtractionError(f"unbalanced brace at offset {open_idx}")


def _attrs_body(text: str, start: int) -> str:
    """The object literal of the first ``const attrs = {...}`` at or after ``start``."""
    idx = text.find("const attrs = {", start)
    if idx < 0:
        raise SchemaExtractionError("no 'const attrs' object found")
    open_idx = text.index("{", idx)
    return text[open_idx + 1 : _matching_brace(text, open_idx)]


class ResourceModule:
    """The generated JavaScript and jsii types of one resource type."""

    def __init__(self, lib_dir: Path, jsii_types: dict[str, dict[str, Any]]) -> None:
        files = [lib_dir / "index.js", *sorted((lib_dir / "index-structs").glob("*.js"))]
        self.js = "\n".join(p.read_text() for p in files if p.is_file())
        self.types = jsii_types

    def _optional_props(self, type_name: str) -> dict[str, bool]:
        jsii_type = self.types.get(type_name)
        if jsii_type is None:
            return {}
        return {p["name"]: bool(p.get("optional")) for p in jsii_type.get("properties", [])}

    def _block(self, attrs_body: str, type_name: str, seen: frozenset[str]) -> dict[str, Any]:
        optional = self._optional_props(type_name)
        arguments: list[str] = []
        blocks: dict[str, Any] = {}
        required: list[str] = []
        for entry in ATTR_ENTRY_RE.finditer(attrs_body):
            name, value = entry.group("name"), entry.group("value")
            prop = JS_PROP_RE.search(value)
            if prop and optional.get(prop.group(1)) is False:
                required.append(name)
            if entry.group("block") == "true":
                struct_fn = STRUCT_FN_RE.search(value)
                if struct_fn is None:
                    raise SchemaExtractionError(f"block {name!r} has no struct function")
                blocks[name] = self.struct(struct_fn.group(1), seen)
            else:
                arguments.append(name)
        return {"arguments": sorted(arguments), "blocks": blocks, "required": sorted(required)}

    def struct(self, fn_name: str, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Arguments and blocks of a nested block, from its ``...ToHclTerraform`` function."""
        if fn_name in seen:  # recursive schemas (rare) are cut at the second visit
            return {"arguments": [], "blocks": {}, "required": []}
        idx = self.js.find(f"function {fn_name}(")
        if idx < 0:
            raise SchemaExtractionError(f"function {fn_name} not found")
        type_name = fn_name[0].upper() + fn_name[1 : -len(HCL_FN_SUFFIX)]
        return self._block(_attrs_body(self.js, idx), type_name, seen | {fn_name})

    def resource(self, resource_type: str) -> dict[str, Any]:
        """Arguments, blocks and required names of the resource class for ``resource_type``."""
        class_name = self.class_name(resource_type)
        class_idx = self.js.find(f"class {class_name} extends cdktn.TerraformResource")
        synth = self.js.find("synthesizeHclAttributes()", class_idx)
        if class_idx < 0 or synth < 0:
            raise SchemaExtractionError(f"{resource_type}: class {class_name} not found")
        return self._block(_attrs_body(self.js, synth), f"{class_name}Config", frozenset())

    def provider(self) -> dict[str, Any]:
        """Arguments, blocks and required names of the ``provider`` block's configuration."""
        match = re.search(r"class (\w+) extends cdktn\.TerraformProvider", self.js)
        synth = self.js.find("synthesizeHclAttributes()", match.end()) if match else -1
        if match is None or synth < 0:
            raise SchemaExtractionError("no provider class found")
        return self._block(_attrs_body(self.js, synth), f"{match.group(1)}Config", frozenset())

    def class_name(self, resource_type: str) -> str:
        """The generated class for ``resource_type`` (both static-field and assignment styles)."""
        # str.find + a walk back: a regex starting with \w+ is quadratic on these files.
        idx = self.js.find(f'.tfResourceType = "{resource_type}";')
        if idx > 0:
            start = idx
            while start > 0 and (self.js[start - 1].isalnum() or self.js[start - 1] == "_"):
                start -= 1
            return self.js[start:idx]
        idx = self.js.find(f'static tfResourceType = "{resource_type}";')
        classes = list(re.finditer(r"class (\w+) extends cdktn\.TerraformResource", self.js[:idx]))
        if idx < 0 or not classes:
            raise SchemaExtractionError(f"{resource_type}: resource class not found")
        return classes[-1].group(1)


def used_resource_types(dirs: Path | Iterable[Path], prefix: str) -> list[str]:
    """Every ``resource "TYPE"`` with ``prefix`` in ``<dir>/**/*.tf`` of each of ``dirs``."""
    found: set[str] = set()
    for directory in [dirs] if isinstance(dirs, Path) else dirs:
        for path in sorted(directory.rglob("*.tf")):
            text = path.read_text()
            found.update(t for t in RESOURCE_RE.findall(text) if t.startswith(prefix))
    return sorted(found)


def npm_pack(spec: PackageSpec, dest: Path) -> tuple[Path, dict[str, Any]]:
    """``npm pack`` the package into ``dest``; return the unpacked dir and npm's metadata."""
    result = subprocess.run(
        [
            "npm",
            "pack",
            "--json",
            "--pack-destination",
            str(dest),
            f"{spec.package}@{spec.version}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    meta: dict[str, Any] = json.loads(result.stdout)[0]
    unpack = dest / spec.key
    with tarfile.open(dest / meta["filename"]) as archive:
        # The .d.ts typings (half the package) are not needed.
        wanted = [m for m in archive.getmembers() if not m.name.endswith(".d.ts")]
        archive.extractall(unpack, members=wanted, filter="data")
    return unpack / "package", meta


def jsii_types_by_dir(package_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """jsii types grouped by their source directory (``src/<dir>/...``), keyed by name."""
    assembly = json.loads((package_dir / ".jsii").read_text())
    grouped: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for jsii_type in assembly["types"].values():
        filename = jsii_type.get("locationInModule", {}).get("filename", "")
        parts = filename.split("/")
        if len(parts) >= 3 and parts[0] == "src":
            grouped[parts[1]][jsii_type["name"]] = jsii_type
    return grouped


def lib_dir_for(package_dir: Path, prefix: str, resource_type: str) -> Path:
    """``lib/<dir>`` of a resource type: ``aws_eks_node_group`` -> ``lib/eks-node-group``."""
    guess = package_dir / "lib" / resource_type.removeprefix(prefix).replace("_", "-")
    marker = f'tfResourceType = "{resource_type}";'
    if (guess / "index.js").is_file() and marker in (guess / "index.js").read_text():
        return guess
    for index in sorted((package_dir / "lib").glob("*/index.js")):
        if marker in index.read_text():
            return index.parent
    raise SchemaExtractionError(f"{resource_type}: not in {package_dir.name}")


def extract(
    spec: PackageSpec, package_dir: Path, resource_types: list[str], meta: dict[str, Any]
) -> dict[str, Any]:
    """The schema document for ``resource_types`` from an unpacked package."""
    package_json = json.loads((package_dir / "package.json").read_text())
    provider = package_json["cdktf"]["provider"]
    if package_json["version"] != spec.version:
        raise SchemaExtractionError(f"{package_dir}: version {package_json['version']}")
    types = jsii_types_by_dir(package_dir)
    prefix = f"{spec.key}_"
    resources: dict[str, Any] = {}
    for resource_type in resource_types:
        lib_dir = lib_dir_for(package_dir, prefix, resource_type)
        module = ResourceModule(lib_dir, types.get(lib_dir.name, {}))
        resources[resource_type] = module.resource(resource_type)
    return {
        "provider": provider["name"],
        "version": provider["version"],
        "source": {
            "kind": "npm",
            "package": spec.package,
            "package_version": spec.version,
            "integrity": meta.get("integrity"),
            "extractor": "tools/extract_schemas.py",
        },
        "resources": resources,
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def add_scan_argument(parser: argparse.ArgumentParser) -> None:
    """``--scan DIR`` (alias ``--modules``): the directories whose .tf files name the types kept."""
    parser.add_argument(
        "--scan",
        "--modules",
        dest="scan",
        type=Path,
        action="append",
        help="directory whose .tf files name the resource types to keep (default: "
        "modules/ and tests/golden/render/; repeatable)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(PACKAGES), action="append")
    add_scan_argument(parser)
    parser.add_argument("--out-dir", type=Path, default=SCHEMA_DIR)
    parser.add_argument(
        "--work-dir", type=Path, help="keep the packed packages here (default: a temp dir)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="infra-schemas-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for key in args.provider or sorted(PACKAGES):
            spec = PACKAGES[key]
            resource_types = used_resource_types(args.scan or SCAN_DIRS, f"{key}_")
            package_dir, meta = npm_pack(spec, work)
            document = extract(spec, package_dir, resource_types, meta)
            out = args.out_dir / f"{key}.json"
            write_json(out, document)
            print(
                f"{out}: {document['provider']} {document['version']} "
                f"({spec.package}@{spec.version}): {len(resource_types)} resource types"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
