"""Where the files that ship beside the code live: Terraform ``modules/`` and ``templates/``.

A wheel carries them inside the package as ``infra/_modules`` and ``infra/_templates`` (setup.py
copies the repository's top-level folders there at build time), found through
``importlib.resources``. In a source checkout and an editable install the package has no such
folders and the repository's top-level ``modules/`` and ``templates/`` are used in place.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from infra.errors import InfraError

__all__ = ["modules_dir", "templates_dir"]


def _asset(name: str) -> Path:
    package = files("infra")
    # A regular install or a checkout: the package is a directory (not a zip), as the
    # Terraform copies and Jinja2's FileSystemLoader need.
    root = package if isinstance(package, Path) else Path(__file__).resolve().parent
    candidates = (root / f"_{name}", root.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise InfraError(
        f"infra's {name} folder is missing (looked in {', '.join(map(str, candidates))}): "
        "reinstall infra from a wheel or a complete checkout"
    )


def modules_dir() -> Path:
    """The Terraform modules rendered roots call (``modules/<module>/``)."""
    return _asset("modules")


def templates_dir() -> Path:
    """Jinja2 templates for text meant for people or tools."""
    return _asset("templates")
