"""The neutral values every layer passes around: module inputs, provider and backend settings.

Plain Python data (str, int, float, bool, None, lists, mappings) plus :class:`Raw` for an
expression such as ``var.dr_endpoints``. Only :mod:`infra.terraform.hcl` turns them into HCL
text; the Pulumi program reads the same values from ``stack.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Raw", "Value"]


@dataclass(frozen=True, slots=True)
class Raw:
    """An expression written as is (a reference or function call, never user text)."""

    text: str


Value = str | int | float | bool | None | Raw | Sequence["Value"] | Mapping[str, "Value"]
