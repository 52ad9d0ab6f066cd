"""Build hook: ship the top-level ``modules/`` and ``templates/`` inside the wheel.

All metadata is in pyproject.toml. The source tree keeps the Terraform modules and the Jinja2
templates at the top level (where Terraform tooling, ``make docs`` and an editable install use
them); a wheel carries copies as ``infra/_modules`` and ``infra/_templates``, which
``infra/assets.py`` prefers. MANIFEST.in puts the same folders into the sdist, so a wheel built
from the sdist gets them too. Terraform working files and caches are never shipped.
"""

from __future__ import annotations

import atexit
import fnmatch
import shutil
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# setuptools builds in ./build by default: the very folder `infra render` writes by default (and
# refuses to render into while it holds anything but a previous render), and files deleted from
# the source would ship again from a stale build/lib. Each build gets a fresh folder instead.
BUILD_BASE = Path(tempfile.mkdtemp(prefix="infra-setuptools-build-"))
atexit.register(shutil.rmtree, BUILD_BASE, ignore_errors=True)
# Top-level folder -> folder inside the package.
ASSETS = {"modules": "_modules", "templates": "_templates"}
# Never shipped: Terraform's working directory, lock files, state and plans, Python caches.
JUNK = (
    ".terraform",
    ".terraform.lock.hcl",
    "*.tfstate",
    "*.tfstate.*",
    "*.tfplan",
    "__pycache__",
    "*.py[cod]",
    ".DS_Store",
)


def asset_files(source: Path) -> list[Path]:
    """The files of ``source`` that ship, relative to it, sorted; junk folders are skipped."""
    files: list[Path] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in JUNK):
            continue
        if path.is_file():
            files.append(relative)
    return files


class BuildPyWithAssets(build_py):
    """``build_py`` that also copies ``modules/`` and ``templates/`` into ``build_lib/infra``."""

    def run(self) -> None:
        super().run()
        # An editable install reads the top-level folders in place (assets.py falls back to
        # them), so copies would only go stale.
        if getattr(self, "editable_mode", False):
            return
        for source, relative in self._assets():
            target = Path(self.build_lib) / relative
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode=include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs += [str(Path(self.build_lib) / relative) for _, relative in self._assets()]
        return outputs

    def _assets(self) -> list[tuple[Path, Path]]:
        """(source file, path relative to ``build_lib``) of every asset that ships."""
        pairs: list[tuple[Path, Path]] = []
        for top, packaged in ASSETS.items():
            source = HERE / top
            if not source.is_dir():
                # A wheel without its modules renders nothing: refuse to build one.
                raise FileNotFoundError(
                    f"{source} is missing: the wheel must ship it as infra/{packaged} "
                    "(an sdist needs it listed in MANIFEST.in)"
                )
            pairs += [(source / f, Path("infra", packaged, f)) for f in asset_files(source)]
        return pairs


setup(
    cmdclass={"build_py": BuildPyWithAssets},
    options={"build": {"build_base": str(BUILD_BASE)}},
)
