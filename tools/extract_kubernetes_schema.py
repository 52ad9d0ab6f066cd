"""Snapshot the hashicorp/kubernetes resource schemas that modules/ uses, from its CDK package.

The CDK Terrain bindings of the provider are generated from its real schema, like the AWS and
AzureRM ones ``tools/extract_schemas.py`` reads. They are not published on npm, but the PyPI
distribution ``cdktn-provider-kubernetes`` carries the npm package itself (the jsii assembly
tarball ``_jsii/provider-kubernetes@<version>.jsii.tgz``). This downloads that wheel with pip,
unpacks the tarball and reads it with ``tools/extract_schemas.py``'s reader. The only difference
is how the generated JavaScript calls the functions of nested blocks: through a module object
(``structs0_1.fooToHclTerraform``) rather than by bare name, which is undone first.

Usage: python tools/extract_kubernetes_schema.py [--wheel FILE] [--modules DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from tools.extract_schemas import (
    REPO_ROOT,
    SCHEMA_DIR,
    ResourceModule,
    SchemaExtractionError,
    jsii_types_by_dir,
    lib_dir_for,
    used_resource_types,
    write_json,
)

DISTRIBUTION = "cdktn-provider-kubernetes"
VERSION = "17.1.0"  # provider hashicorp/kubernetes 3.4.0 (its package.json, cdktf.provider)
NPM_PACKAGE = "@cdktn/provider-kubernetes"
PREFIX = "kubernetes_"
# "structs0_1.fooToHclTerraform" and "(0, index_1.fooToHclTerraform)": the bare function name.
_QUALIFIED_FN = re.compile(r"\b\w+_\d+\.(\w+ToHclTerraform)\b")


def download_wheel(dest: Path) -> Path:
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
            f"{DISTRIBUTION}=={VERSION}",
        ],
        check=True,
    )
    wheels = sorted(dest.glob(f"{DISTRIBUTION.replace('-', '_')}-{VERSION}-*.whl"))
    if not wheels:
        raise SchemaExtractionError(f"pip downloaded no {DISTRIBUTION} {VERSION} wheel")
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


def extract(package_dir: Path, resource_types: list[str], wheel: Path) -> dict[str, Any]:
    """The schema document of ``resource_types``, in the format of tests/schemas/*.json."""
    import json  # noqa: PLC0415

    package_json = json.loads((package_dir / "package.json").read_text())
    if package_json["name"] != NPM_PACKAGE or package_json["version"] != VERSION:
        raise SchemaExtractionError(
            f"{wheel.name} carries {package_json['name']} {package_json['version']}"
        )
    provider = package_json["cdktf"]["provider"]
    types = jsii_types_by_dir(package_dir)
    resources: dict[str, Any] = {}
    for resource_type in resource_types:
        lib_dir = lib_dir_for(package_dir, PREFIX, resource_type)
        module = ResourceModule(lib_dir, types.get(lib_dir.name, {}))
        module.js = _QUALIFIED_FN.sub(r"\1", module.js)
        resources[resource_type] = module.resource(resource_type)
    return {
        "provider": provider["name"],
        "version": provider["version"],
        "source": {
            "kind": "pypi",
            "package": DISTRIBUTION,
            "package_version": VERSION,
            "npm_package": NPM_PACKAGE,
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "extractor": "tools/extract_kubernetes_schema.py",
        },
        "resources": resources,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded wheel (default: pip download)")
    parser.add_argument("--modules", type=Path, default=REPO_ROOT / "modules")
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR / "kubernetes.json")
    args = parser.parse_args(argv)
    resource_types = used_resource_types(args.modules, PREFIX)
    with tempfile.TemporaryDirectory(prefix="infra-k8s-schema-") as tmp:
        work = Path(tmp)
        wheel = args.wheel or download_wheel(work)
        document = extract(unpack_npm_package(wheel, work), resource_types, wheel)
    write_json(args.out, document)
    print(f"wrote {args.out} ({len(resource_types)} resource types)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
