"""Snapshot the hashicorp/kubernetes and hashicorp/helm schemas the Terraform code uses.

The CDK Terrain bindings of these providers are generated from their real schemas, like the AWS
and AzureRM ones ``tools/extract_schemas.py`` reads. They are not published on npm, but the PyPI
distributions ``cdktn-provider-kubernetes`` and ``cdktn-provider-helm`` carry the npm package
itself (the jsii assembly tarball ``_jsii/provider-<name>@<version>.jsii.tgz``). This downloads
the pinned wheel with pip, unpacks the tarball and reads it with ``tools/extract_schemas.py``'s
reader: the resource types used in ``modules/`` and the rendered roots, plus the ``provider``
block's configuration (the add-ons roots configure both providers from the cluster's data
sources). The generated JavaScript calls the functions of nested blocks through a module object
(``structs0_1.fooToHclTerraform``) rather than by bare name, which is undone first.

The bindings do not say whether a nested object is a block or a nested attribute: cdktn marks
both ``isBlock``. hashicorp/helm 3.x is a plugin-framework provider that declares no blocks at
all: ``set``, ``set_list``, ``set_sensitive``, ``set_wo``, ``postrender`` and ``timeouts`` of
``helm_release`` and ``kubernetes``, ``kubernetes.exec``, ``registries`` and ``experiments`` of
the provider are ``ListNestedAttribute`` / ``SingleNestedAttribute`` / ``timeouts.Attributes``
(github.com/hashicorp/terraform-provider-helm, helm/resource_helm_release.go and
helm/provider.go; the v3 upgrade guide, docs/guides/v3-upgrade-guide.md, shows
``set = [{...}]`` and ``kubernetes = {...}``). So the helm snapshot records every nested object
as a nested attribute (``nested``: written ``name = {...}`` or ``name = [{...}]``, never as a
block). hashicorp/kubernetes 3.x keeps its SDKv2 blocks (``metadata { }``, provider ``exec { }``).

Usage: python tools/extract_kubernetes_schema.py [--provider kubernetes|helm ...]
       [--wheel FILE] [--scan DIR ...] [--out FILE]
(``--wheel`` and ``--out`` need a single provider; without ``--provider`` both are written,
with ``--wheel`` or ``--out`` alone it is kubernetes, as before.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.extract_schemas import (
    SCAN_DIRS,
    SCHEMA_DIR,
    ResourceModule,
    SchemaExtractionError,
    add_scan_argument,
    jsii_types_by_dir,
    lib_dir_for,
    used_resource_types,
    write_json,
)

# "structs0_1.fooToHclTerraform" and "(0, index_1.fooToHclTerraform)": the bare function name.
_QUALIFIED_FN = re.compile(r"\b\w+_\d+\.(\w+ToHclTerraform)\b")


@dataclass(frozen=True)
class Distribution:
    """A PyPI wheel carrying one provider's cdktn npm package."""

    key: str  # file stem in tests/schemas and the resource type prefix
    distribution: str
    version: str
    npm_package: str
    nested_attributes: bool  # every nested object is a nested attribute (no blocks)


DISTRIBUTIONS = {
    # provider hashicorp/kubernetes 3.4.0 (its package.json, cdktf.provider)
    "kubernetes": Distribution(
        "kubernetes", "cdktn-provider-kubernetes", "17.1.0", "@cdktn/provider-kubernetes", False
    ),
    # provider hashicorp/helm 3.3.0, in the ">= 3.0.0, < 4.0.0" the add-ons roots require
    # (infra/terraform/addons.py, HELM_PROVIDER); 15.0.0 and 14.1.0 carry 3.2.0.
    "helm": Distribution("helm", "cdktn-provider-helm", "15.1.0", "@cdktn/provider-helm", True),
}
# The kubernetes-only CLI of before: --wheel / --out without --provider.
DEFAULT_SINGLE = "kubernetes"


def download_wheel(spec: Distribution, dest: Path) -> Path:
    """``pip download`` the pinned wheel (no dependencies) into ``dest``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(dest),
            f"{spec.distribution}=={spec.version}",
        ],
        check=True,
    )
    wheels = sorted(dest.glob(f"{spec.distribution.replace('-', '_')}-{spec.version}-*.whl"))
    if not wheels:
        raise SchemaExtractionError(f"pip downloaded no {spec.distribution} {spec.version} wheel")
    return wheels[0]


def unpack_npm_package(wheel: Path, dest: Path) -> Path:
    """The npm package the wheel carries, unpacked into ``dest``; its ``package`` folder."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".jsii.tgz") and "/_jsii/" in n]
        if len(names) != 1:
            raise SchemaExtractionError(f"{wheel.name}: expected one .jsii.tgz, found {names}")
        tarball = dest / Path(names[0]).name
        tarball.write_bytes(archive.read(names[0]))
    with tarfile.open(tarball) as package:
        wanted = [m for m in package.getmembers() if not m.name.endswith(".d.ts")]
        package.extractall(dest / "npm", members=wanted, filter="data")
    return dest / "npm" / "package"


def as_nested_attributes(block: dict[str, Any]) -> dict[str, Any]:
    """``block`` with each nested block turned into a nested attribute, all the way down.

    A nested attribute is an argument (``name = {...}``) whose object keys are still checked:
    its name moves from ``blocks`` to ``arguments`` and its schema to ``nested``.
    """
    nested = {name: as_nested_attributes(inner) for name, inner in block["blocks"].items()}
    out: dict[str, Any] = {
        "arguments": sorted([*block["arguments"], *nested]),
        "blocks": {},
        "required": block["required"],
    }
    if nested:
        out["nested"] = nested
    return out


def _module(package_dir: Path, lib_dir: Path, types: dict[str, Any]) -> ResourceModule:
    module = ResourceModule(lib_dir, types.get(lib_dir.name, {}))
    module.js = _QUALIFIED_FN.sub(r"\1", module.js)
    return module


def extract(
    spec: Distribution, package_dir: Path, resource_types: list[str], wheel: Path
) -> dict[str, Any]:
    """The schema document of ``resource_types``, in the format of tests/schemas/*.json."""
    package_json = json.loads((package_dir / "package.json").read_text())
    if package_json["name"] != spec.npm_package or package_json["version"] != spec.version:
        raise SchemaExtractionError(
            f"{wheel.name} carries {package_json['name']} {package_json['version']}"
        )
    provider = package_json["cdktf"]["provider"]
    types = jsii_types_by_dir(package_dir)
    shape = as_nested_attributes if spec.nested_attributes else (lambda block: block)
    resources: dict[str, Any] = {}
    for resource_type in resource_types:
        lib_dir = lib_dir_for(package_dir, f"{spec.key}_", resource_type)
        resources[resource_type] = shape(
            _module(package_dir, lib_dir, types).resource(resource_type)
        )
    provider_config = shape(
        _module(package_dir, package_dir / "lib" / "provider", types).provider()
    )
    return {
        "provider": provider["name"],
        "version": provider["version"],
        "source": {
            "kind": "pypi",
            "package": spec.distribution,
            "package_version": spec.version,
            "npm_package": spec.npm_package,
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "extractor": "tools/extract_kubernetes_schema.py",
        },
        "provider_config": provider_config,
        "resources": resources,
    }


def _selected(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    keys: list[str] = args.provider or (
        [DEFAULT_SINGLE] if args.wheel or args.out else sorted(DISTRIBUTIONS)
    )
    if (args.wheel or args.out) and len(keys) != 1:
        parser.error("--wheel and --out take a single --provider")
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(DISTRIBUTIONS), action="append")
    parser.add_argument("--wheel", type=Path, help="a downloaded wheel (default: pip download)")
    add_scan_argument(parser)
    parser.add_argument("--out", type=Path, help="default: tests/schemas/<provider>.json")
    args = parser.parse_args(argv)
    for key in _selected(args, parser):
        spec = DISTRIBUTIONS[key]
        resource_types = used_resource_types(args.scan or SCAN_DIRS, f"{key}_")
        out = args.out or SCHEMA_DIR / f"{key}.json"
        with tempfile.TemporaryDirectory(prefix=f"infra-{key}-schema-") as tmp:
            work = Path(tmp)
            wheel = args.wheel or download_wheel(spec, work)
            document = extract(spec, unpack_npm_package(wheel, work), resource_types, wheel)
        write_json(out, document)
        print(
            f"{out}: {document['provider']} {document['version']} "
            f"({spec.distribution}=={spec.version}): {len(resource_types)} resource types"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
