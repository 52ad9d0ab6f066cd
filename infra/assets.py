"""Where the files that ship beside the code live: Terraform ``modules/`` and ``templates/``.

In a source checkout (and an editable install) they are the repository's top-level folders; a
wheel carries them inside the package as ``infra/_modules`` and ``infra/_templates``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["modules_dir", "templates_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _asset(name: str) -> Path:
    packaged = _PACKAGE / f"_{name}"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def modules_dir() -> Path:
    """The Terraform modules rendered roots call (``modules/<module>/``)."""
    return _asset("modules")


def templates_dir() -> Path:
    """Jinja2 templates for text meant for people or tools."""
    return _asset("templates")
