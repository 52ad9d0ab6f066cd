"""The Pulumi ``Args`` classes and the cloud classes agree with the modules' ``variables.tf``.

Each input rule is written in three places: the validator (``infra/clouds/*``), the modules'
``validation`` blocks and the Pulumi components' ``Args``. These tests parse every
``modules/*/variables.tf`` with python-hcl2 and prove

* the matching ``Args`` dataclass declares the same inputs (no extra, none missing) with
  compatible types and the same defaults, required where the module has no default;
* the regexes and ranges the cloud classes declare (``pool_name_pattern``,
  ``network_prefix_range``, ``max_pool_nodes``, ``state_name_pattern``, the module ``name`` and
  DR key patterns) are the ones in the modules' conditions,

so that changing one side alone fails here.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hcl2
import pytest

from infra.clouds import CLOUDS
from infra.clouds.base import DR_KEY_PATTERN, MODULE_NAME_PATTERN

MODULES = Path(__file__).resolve().parent.parent / "modules"


def _unquote(value: Any) -> Any:
    """A value as python-hcl2 returns it, strings unquoted (quoted since v8, bare before)."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not k.startswith("__")}
    return value


def variables(module: str) -> dict[str, dict[str, Any]]:
    """``variable`` name -> body (``type``, ``default``, ``conditions``) of one module."""
    tree = hcl2.loads((MODULES / module / "variables.tf").read_text())
    result: dict[str, dict[str, Any]] = {}
    for entry in tree.get("variable", []):
        for label, body in entry.items():
            if label.startswith("__"):
                continue
            result[_unquote(label)] = {
                "type": re.sub(r"\s+", " ", str(body["type"])).removeprefix("${").strip(),
                "has_default": "default" in body,
                "default": _unquote(body.get("default")),
                "conditions": [str(v["condition"]) for v in body.get("validation", [])],
            }
    return result


def regexes(condition: str) -> list[str]:
    """The regex literals of ``regex("...", ...)`` calls in a condition, HCL escapes undone."""
    return [json.loads(f'"{lit}"') for lit in re.findall(r'regex\("((?:[^"\\]|\\.)*)"', condition)]


def _condition(module: str, variable: str, needle: str) -> str:
    (found,) = [c for c in variables(module)[variable]["conditions"] if needle in c]
    return found


# -- which Args mirrors which module -------------------------------------------------------


def _args_class(module_path: str, suffix: str) -> type:
    module = importlib.import_module(module_path)
    (name,) = [n for n in dir(module) if n.endswith(suffix) and not n.startswith("_")]
    cls = getattr(module, name)
    assert dataclasses.is_dataclass(cls)
    return cls  # type: ignore[no-any-return]


PAIRS = [
    *((c.cluster_module, c.pulumi_components, "GpuClusterArgs") for c in CLOUDS.values()),
    *((c.dr_module, c.pulumi_dr_component, "DisasterRecoveryArgs") for c in CLOUDS.values()),
    ("checkpoint-sync", "infra.clouds.checkpoint_sync", "CheckpointSyncArgs"),
]


def test_every_module_is_covered_or_has_no_args() -> None:
    covered = {module for module, _, _ in PAIRS}
    state = {c.state_module for c in CLOUDS.values()}
    on_disk = {p.parent.name for p in MODULES.glob("*/variables.tf")}
    # The state backends have no Pulumi component (a Pulumi stack keeps its own state).
    assert on_disk == covered | state


def _kind_of_hint(hint: Any) -> set[str]:
    """The Terraform type kinds a Python annotation can hold."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return set().union(*(_kind_of_hint(a) for a in args if a is not type(None)))
    origin = typing.get_origin(hint) or hint
    if origin is bool:
        return {"bool"}
    if origin is str:
        return {"string"}
    if origin in (int, float):
        return {"number"}
    if origin in (tuple, list, Sequence) or (
        isinstance(origin, type) and issubclass(origin, Sequence)
    ):
        return {"list"}
    if origin in (dict, Mapping) or dataclasses.is_dataclass(origin):
        return {"map"}
    return {"unknown"}


def _kind_of_tf(tf_type: str) -> str:
    head = tf_type.split("(", 1)[0].strip()
    return {
        "string": "string",
        "number": "number",
        "bool": "bool",
        "list": "list",
        "set": "list",
        "tuple": "list",
        "map": "map",
        "object": "map",
    }.get(head, head)


def _python_default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _as_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        return [_as_json(v) for v in value]
    return value


@pytest.mark.parametrize(("module", "component", "suffix"), PAIRS, ids=[p[0] for p in PAIRS])
def test_args_declare_the_modules_variables(module: str, component: str, suffix: str) -> None:
    pytest.importorskip("pulumi")
    cls = _args_class(component, suffix)
    declared = variables(module)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert sorted(fields) == sorted(declared), f"{cls.__name__} vs modules/{module}"
    hints = typing.get_type_hints(cls)
    for name, var in declared.items():
        kind = _kind_of_tf(var["type"])
        assert kind in _kind_of_hint(hints[name]), (
            f"{cls.__name__}.{name}: {hints[name]} does not hold Terraform {var['type']}"
        )
        default = _python_default(fields[name])
        if not var["has_default"]:
            assert default is dataclasses.MISSING, f"{cls.__name__}.{name} must be required"
            continue
        assert default is not dataclasses.MISSING, f"{cls.__name__}.{name} needs a default"
        if var["default"] == {} and dataclasses.is_dataclass(default):
            # An object default of {} whose attributes are optional(...) with their own defaults.
            continue
        assert _as_json(default) == var["default"], f"{cls.__name__}.{name} default"


# -- the cloud classes' rules are the modules' ----------------------------------------------


def _prefixes(pattern: str) -> set[int]:
    return {n for n in range(33) if re.search(pattern, f"10.0.0.0/{n}")}


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_cluster_module_rules_are_the_clouds(cloud: str) -> None:
    info = CLOUDS[cloud]
    module = info.cluster_module
    (name_re,) = regexes(_condition(module, "name", "regex"))
    assert name_re == f"^{MODULE_NAME_PATTERN}$"
    (cidr_re,) = regexes(_condition(module, "cidr", "regex"))
    low, high = info.network_prefix_range
    assert _prefixes(cidr_re) == set(range(low, high + 1))
    (pool_re,) = regexes(_condition(module, "node_pools", "for k, _ in var.node_pools"))
    assert pool_re == f"^{info.pool_name_pattern}$"
    counts = _condition(module, "node_pools", "p.max_nodes >=")
    assert "p.max_nodes >= 1" in counts
    cap = re.search(r"p\.max_nodes <= ([0-9]+)", counts)
    assert (int(cap.group(1)) if cap else None) == info.max_pool_nodes


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_state_and_dr_module_rules_are_the_clouds(cloud: str) -> None:
    info = CLOUDS[cloud]
    state_re = regexes(_condition(info.state_module, "name", "regex"))[0]
    assert state_re == f"^{info.state_name_pattern}$"
    (dr_name_re,) = regexes(_condition(info.dr_module, "name", "regex"))
    assert dr_name_re == f"^{MODULE_NAME_PATTERN}$"
    for variable in ("replication_pairs", "dns_records"):
        (key_re,) = regexes(_condition(info.dr_module, variable, "for k, _ in"))
        assert key_re == f"^{DR_KEY_PATTERN}$"


def test_patterns_are_anchored_by_fullmatch_only() -> None:
    # The patterns are used with fullmatch; an anchor inside one would hide a mismatch here.
    for pattern in (
        MODULE_NAME_PATTERN,
        DR_KEY_PATTERN,
        *(c.pool_name_pattern for c in CLOUDS.values()),
        *(c.state_name_pattern for c in CLOUDS.values()),
    ):
        assert not pattern.startswith("^") and not pattern.endswith("$"), pattern
        assert re.fullmatch(pattern, "ab\n") is None


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_args_use_the_clouds_rules(cloud: str) -> None:
    """check_common refuses exactly what the cloud's rules refuse, trailing newlines included."""
    from infra.clouds.args import ComponentInputError, NodePool, check_common

    info = CLOUDS[cloud]
    pool = NodePool(instance_type="t", min_nodes=0, desired_nodes=1, max_nodes=1)
    low, high = info.network_prefix_range
    check_common("ab-cd", f"10.0.0.0/{low}", {"a": pool}, info)
    check_common("ab-cd", f"10.0.0.0/{high}", {"a": pool}, info)
    bad: list[tuple[str, str, str]] = [
        ("ab-cd\n", f"10.0.0.0/{low}", "a"),
        ("ab-cd", f"10.0.0.0/{low - 1}", "a"),
        ("ab-cd", f"10.0.0.0/{high + 1}", "a"),
        ("ab-cd", f"10.0.0.0/{low}\n", "a"),
        ("ab-cd", f"10.0.0.0/{low}", "a\n"),
        ("ab-cd", f"10.0.0.0/{low}", "1a"),
    ]
    for name, cidr, key in bad:
        with pytest.raises(ComponentInputError):
            check_common(name, cidr, {key: pool}, info)
    if info.max_pool_nodes is not None:
        big = dataclasses.replace(pool, max_nodes=info.max_pool_nodes + 1)
        with pytest.raises(ComponentInputError):
            check_common("ab-cd", f"10.0.0.0/{low}", {"a": big}, info)
