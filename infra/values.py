"""The neutral values every layer passes around: module inputs, provider and backend settings.

Plain Python data (str, int, float, bool, None, lists, mappings) plus :class:`Raw` for an
expression such as ``var.dr_endpoints``, and :class:`Block` for a configuration block (a
provider's or a backend's settings, as a cloud package describes them). Only
:mod:`infra.terraform.hcl` turns them into HCL text; the Pulumi program reads the same values
from ``stack.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Block", "Raw", "Value"]


@dataclass(frozen=True, slots=True)
class Raw:
    """An expression written as is (a reference or function call, never user text)."""

    text: str


Value = str | int | float | bool | None | Raw | Sequence["Value"] | Mapping[str, "Value"]


@dataclass(frozen=True, slots=True)
class Block:
    """``type "label" ... { body }``; the body keeps the order given (attributes and blocks)."""

    type: str
    labels: tuple[str, ...] = ()
    body: tuple[tuple[str, Value] | Block, ...] = field(default=())
