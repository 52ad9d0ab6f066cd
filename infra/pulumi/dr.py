"""The ``_dr`` root's calls as ``stack.json`` holds them, and the root variables the program reads
from Pulumi config.

Pure Python (no Pulumi import): the emitter writes :func:`dr_document` into ``stack.json`` from
the same :class:`~infra.dr.terraform.DrModuleCall` list the Terraform ``_dr`` root renders, and the
program (``infra.pulumi.program``) reads it back with :func:`load_dr_calls`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.dr.terraform import DrModuleCall, RootVariable
from infra.errors import InfraError

__all__ = [
    "ConfigVariable",
    "DrCall",
    "config_document",
    "dr_document",
    "load_config",
    "load_dr_calls",
]


@dataclass(frozen=True, slots=True)
class ConfigVariable:
    """A root variable of the ``_dr`` root, read by the program from Pulumi config (same name)."""

    name: str
    type: str  # the Terraform type expression; "string" is read raw, anything else as JSON
    description: str
    default: object = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class DrCall:
    """One DR component of the program: a ``module "<label>"`` block of the ``_dr`` root."""

    cloud: str
    label: str
    module: str
    region: str
    inputs: Mapping[str, object]
    variables: Mapping[str, ConfigVariable]  # module input -> the config key that feeds it

    @property
    def resource_name(self) -> str:
        """The component's logical name: the label with dashes ("dr-aws-us-east-1")."""
        return self.label.replace("_", "-")


def config_document(variables: Mapping[str, RootVariable]) -> dict[str, object]:
    """The ``config`` entry of ``stack.json``: every root variable the program reads, by name."""
    return {
        name: {
            "type": v.type,
            "description": v.description,
            "default": v.default,
            "required": v.required,
        }
        for name, v in sorted(variables.items())
    }


def load_config(data: Mapping[str, Any]) -> dict[str, ConfigVariable]:
    """The ``config`` entry of a ``stack.json`` document, by name."""
    try:
        return {
            name: ConfigVariable(
                name,
                str(v["type"]),
                str(v["description"]),
                v.get("default"),
                bool(v.get("required", False)),
            )
            for name, v in (data.get("config") or {}).items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(
            f"stack.json: malformed config entry ({exc!r}); re-render the stack"
        ) from None


def dr_document(calls: Sequence[DrModuleCall]) -> dict[str, object]:
    """The ``dr`` entry of ``stack.json`` for the calls of the ``_dr`` root (the variables they
    read are in :func:`config_document`'s entry)."""
    return {
        "dr": [
            {
                "cloud": call.cloud,
                "label": call.label,
                "module": call.module,
                "region": call.region,
                "inputs": dict(call.inputs),
                "variables": {key: v.name for key, v in call.variables.items()},
            }
            for call in calls
        ],
    }


def load_dr_calls(data: Mapping[str, Any]) -> tuple[DrCall, ...]:
    """The DR calls of a ``stack.json`` document (``()`` when the stack has no DR)."""
    config = load_config(data)
    try:
        return tuple(
            DrCall(
                str(c["cloud"]),
                str(c["label"]),
                str(c["module"]),
                str(c["region"]),
                dict(c["inputs"]),
                {key: config[name] for key, name in (c.get("variables") or {}).items()},
            )
            for c in data.get("dr") or ()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(f"stack.json: malformed DR entry ({exc!r}); re-render the stack") from None
