"""Fuzzing the command line with near-valid stack files.

Each example starts from a valid multi-cloud stack, applies a few mutations (wrong types, sizes
from 0 to 10**5000, unicode and control characters, duplicates, missing and unknown fields,
``model_construct`` / ``model_copy`` variants, raw dicts for components), writes the stack as a
Python file and runs ``infra validate`` and ``infra render`` in-process. Whatever the input:
no traceback, exit 0 or 1, one printable line per problem, each naming the file, one JSON
document with ``--json``, and nothing written for invalid input.

Bounded by default (reproducible, a few seconds); ``INFRA_FUZZ_EXAMPLES=N`` or ``--fuzz-long``
runs more, with a random seed. The counts are printed as one ``fuzz:`` line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
import pytest
import yaml  # type: ignore[import-untyped]
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from infra.cli import main

DEFAULT_EXAMPLES = 40
LONG_EXAMPLES = 2000
SUMMARY = re.compile(r"infra: (\d+) problems? found")
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
# The generated files never raise on their own, so an exception the loader reports as a problem
# ("file:3: ValueError: ...") was raised by infra inside Stack(...): a bug, not a message.
INFRA_EXCEPTION = re.compile(
    r": (ValueError|TypeError|AttributeError|KeyError|IndexError|OverflowError|RecursionError"
    r"|UnicodeEncodeError|AssertionError|ZeroDivisionError|MemoryError)\b"
)


@dataclass(frozen=True)
class Expr:
    """Python source written into the stack file as is: values repr() cannot spell
    (10**5000 has no repr past 4300 digits; nan and objects have no literal)."""

    text: str


@dataclass
class Node:
    """One constructor call of the stack file: ``Kind(...)``, ``Kind.model_construct(...)`` or
    a plain dict where the component would go."""

    kind: str
    fields: dict[str, object]
    build: str = "call"
    copy_update: dict[str, object] | None = None  # Stack(...).model_copy(update=...)


FIELDS = {
    "Stack": ("name", "owner", "environment", "tags", "clusters", "dr"),
    "Cluster": (
        "name",
        "cloud",
        "region",
        "cidr",
        "pools",
        "kubernetes_version",
        "zones",
        "gpu_capacity",
    ),
    "NodePool": (
        "name",
        "gpu",
        "gpus",
        "instance_type",
        "nodes",
        "min_gpus",
        "max_gpus",
        "rdma",
        "spot",
        "workload",
        "labels",
        "taints",
    ),
    "DisasterRecovery": (
        "rpo_minutes",
        "rto_minutes",
        "strategy",
        "failover",
        "allow_gpu_substitution",
    ),
}
EXTRA_FIELDS = ("gpuss", "Name", "region_", "nodes_count", "x")


def base_stack() -> Node:
    """A valid stack against the test catalog (tests/data/catalog), like those in stacks/."""
    taint = "nvidia.com/gpu=present:NoSchedule"
    return Node(
        "Stack",
        {
            "name": "llm-train",
            "owner": "ml-infra",
            "environment": "prod",
            "tags": {"cost-center": "ml-1234", "team": "foundation"},
            "clusters": [
                Node(
                    "Cluster",
                    {
                        "name": "use1",
                        "cloud": "aws",
                        "region": "us-east-1",
                        "cidr": "10.10.0.0/16",
                        "pools": [
                            Node(
                                "NodePool",
                                {
                                    "name": "h100",
                                    "gpu": "H100",
                                    "gpus": 16,
                                    "max_gpus": 32,
                                    "rdma": True,
                                    "labels": {"workload": "pretrain"},
                                    "taints": [taint],
                                },
                            ),
                            Node(
                                "NodePool",
                                {"name": "system", "instance_type": "m7i.2xlarge", "nodes": 2},
                            ),
                        ],
                        "gpu_capacity": {"H100": 64},
                    },
                ),
                Node(
                    "Cluster",
                    {
                        "name": "usw2",
                        "cloud": "aws",
                        "region": "us-west-2",
                        "cidr": "10.11.0.0/16",
                        "pools": [
                            Node(
                                "NodePool",
                                {"name": "system", "instance_type": "m7i.2xlarge", "nodes": 2},
                            )
                        ],
                        "gpu_capacity": {"H100": 32},
                    },
                ),
                Node(
                    "Cluster",
                    {
                        "name": "eus",
                        "cloud": "azure",
                        "region": "eastus",
                        "cidr": "10.20.0.0/16",
                        "pools": [
                            Node("NodePool", {"name": "h100", "gpu": "H100", "gpus": 8}),
                            Node(
                                "NodePool",
                                {"name": "system", "instance_type": "Standard_D4s_v5", "nodes": 2},
                            ),
                        ],
                    },
                ),
                Node(
                    "Cluster",
                    {
                        "name": "bj",
                        "cloud": "alicloud",
                        "region": "cn-beijing",
                        "cidr": "10.30.0.0/16",
                        "pools": [
                            Node(
                                "NodePool",
                                {"name": "a10", "gpu": "A10", "gpus": 2, "workload": "inference"},
                            )
                        ],
                    },
                ),
            ],
            "dr": Node(
                "DisasterRecovery",
                {
                    "rpo_minutes": 15,
                    "rto_minutes": 60,
                    "failover": {"use1": ["usw2"], "bj": ["eus"]},
                    "allow_gpu_substitution": {"H100": ["H200"]},
                },
            ),
        },
    )


# -- writing the stack file -------------------------------------------------------------------


def source(value: object) -> str:
    """Python source that evaluates to ``value`` (repr for plain values)."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Node):
        if value.build == "dict":
            return "{" + ", ".join(f"{k!r}: {source(v)}" for k, v in value.fields.items()) + "}"
        args = ", ".join(f"{k}={source(v)}" for k, v in value.fields.items())
        call = f"{value.kind}.model_construct" if value.build == "construct" else value.kind
        text = f"{call}({args})"
        if value.copy_update is not None:
            text += f".model_copy(update={source(value.copy_update)})"
        return text
    if isinstance(value, list):
        return "[" + ", ".join(source(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(source(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{source(k)}: {source(v)}" for k, v in value.items()) + "}"
    return repr(value)


def stack_file(stack: Node, layout: str) -> str:
    """``stack = ...``, or ``stacks = [...]`` with a copy of it (renamed, or a duplicate)."""
    head = "from infra import Cluster, DisasterRecovery, NodePool, Stack\n\n"
    if layout == "one":
        return f"{head}stack = {source(stack)}\n"
    update = "{'name': 'llm-copy'}" if layout == "renamed" else "{}"
    return f"{head}one = {source(stack)}\nstacks = [one, one.model_copy(update={update})]\n"


# -- mutations ----------------------------------------------------------------------------------

SUFFIXES = (
    "\n",
    "\r\n",
    "\x1b[31m",
    "\u202e",
    "\u200b",
    "\x00",
    "\x7f",
    "\x85",
    "\u2028",
    "\t",
    " ",
    "é",
    "中文",
    "\ud800",
    "\ufeff",
)
INTS: tuple[object, ...] = (
    0,
    -1,
    -8,
    1,
    7,
    8,
    9,
    16,
    64,
    1440,
    1441,
    5000,
    5001,
    80000,
    80001,
    10**6,
    2**63,
    10**60,
    Expr("10**5000"),
    Expr("-10**5000"),
    Expr("10**4300"),
)
WRONG_TYPES: tuple[object, ...] = (
    None,
    1.5,
    True,
    "",
    "8",
    b"bytes",
    [],
    {},
    ["x"],
    {"a": 1},
    (1, 2),
    Expr("float('nan')"),
    Expr("float('inf')"),
    Expr("object()"),
    Expr("NodePool(name='p', gpu='H100', gpus=8)"),
)


INT_FIELDS = frozenset(("gpus", "nodes", "min_gpus", "max_gpus", "rpo_minutes", "rto_minutes"))
BOOL_FIELDS = frozenset(("rdma", "spot"))
TEXT_MAPS = frozenset(("tags", "labels"))
LIST_MAPS = frozenset(("failover", "allow_gpu_substitution"))
TEXT_LISTS = frozenset(("zones", "taints"))
COMPONENT_LISTS = frozenset(("clusters", "pools"))


def text_values(base: object) -> st.SearchStrategy[object]:
    """Strings near ``base``: control or invisible characters added, other case, unicode."""
    word = base if isinstance(base, str) and base else "x"
    near = st.tuples(st.sampled_from(SUFFIXES), st.booleans()).map(
        lambda pair: word + pair[0] if pair[1] else pair[0] + word
    )
    return st.one_of(
        near,
        near,
        st.just(word + "\n"),  # what `^...$` with .match accepted
        st.sampled_from((word.upper(), word.title(), word * 30, word + "-" * 40)),
        st.text(st.characters(codec="utf-8"), max_size=12),
        st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Zs")), min_size=1, max_size=4),
    )


def int_values() -> st.SearchStrategy[object]:
    return st.one_of(st.sampled_from(INTS), st.sampled_from(INTS), st.integers())


def mappings(base: object, values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """``base`` with up to three entries added or replaced: odd keys, near-valid values."""
    existing = dict(base) if isinstance(base, dict) else {}
    first = next(iter(existing), "key")
    keys: st.SearchStrategy[object] = st.one_of(
        text_values(first),
        text_values(first),
        st.sampled_from((5, -1, Expr("10**5000"), None, 1.5, (1, 2))),
    )
    entries = st.dictionaries(keys, st.one_of(values, values, st.sampled_from(WRONG_TYPES)))
    return entries.map(lambda extra: {**existing, **extra})


def field_values(name: str, base: object) -> st.SearchStrategy[object]:
    """Mostly values of the field's own type, at odd sizes or with odd characters; sometimes a
    value of the wrong type."""
    right: st.SearchStrategy[object]
    if name in INT_FIELDS:
        right = int_values()
    elif name in BOOL_FIELDS:
        right = st.booleans()
    elif name in TEXT_MAPS:
        right = mappings(base, text_values("value"))
    elif name == "gpu_capacity":
        right = mappings(base, int_values())
    elif name in LIST_MAPS:
        targets = st.lists(text_values("use1"), max_size=3)
        right = mappings(base, st.one_of(targets, targets.map(tuple)))
    elif name in TEXT_LISTS:
        first = base[0] if isinstance(base, list) and base else "us-east-1a"
        right = st.lists(text_values(first), max_size=3)
    elif name in COMPONENT_LISTS:
        right = st.lists(st.sampled_from(WRONG_TYPES), min_size=1, max_size=2)
    else:
        right = text_values(base)
    return st.one_of(right, right, right, st.sampled_from(WRONG_TYPES))


# Characters that do not print, any script's letters, and what UTF-8 cannot encode.
ODD_CHARACTERS = st.one_of(
    st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Zs", "Cs", "Co", "Cn")),
    st.characters(codec="utf-8"),
)


def free_text(data: st.DataObject, tree: Node) -> None:
    """One odd character inside the free-text fields that pass validation most easily (owner,
    tags), or near rules that used to match only up to a newline (labels, taints): these reach
    the renderers, where a bad character does damage."""
    char = data.draw(ODD_CHARACTERS)
    spot = data.draw(st.sampled_from(("owner", "tag-key", "tag-value", "label", "taint")))
    pool = next((n for n in nodes(tree) if n.kind == "NodePool"), None)
    if pool is None or spot == "owner":
        tree.fields["owner"] = f"ml{char}infra"
    elif spot in ("tag-key", "tag-value"):
        key, value = (f"team{char}", "x") if spot == "tag-key" else ("team", f"x{char}")
        tags = tree.fields.get("tags")
        tree.fields["tags"] = {**(tags if isinstance(tags, dict) else {}), key: value}
    elif spot == "label":
        pool.fields["labels"] = {"tier": f"gold{char}"}
    else:
        pool.fields["taints"] = [f"dedicated=gpu{char}:NoSchedule"]


def nodes(tree: Node) -> list[Node]:
    found = [tree]
    for value in tree.fields.values():
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, Node):
                found.extend(nodes(child))
    return found


def mutate(data: st.DataObject, tree: Node) -> str:
    """Apply one mutation to a node of ``tree``; the name of the mutation, for statistics."""
    # The kind first, so the one Stack and DisasterRecovery get as much attention as the pools.
    kind_of_target = data.draw(st.sampled_from(tuple(FIELDS)))
    targets = [n for n in nodes(tree) if n.kind == kind_of_target] or [tree]
    target = data.draw(st.sampled_from(targets))
    kind = data.draw(
        st.sampled_from(
            (
                "set",
                "set",
                "set",
                "text",
                "text",
                "delete",
                "extra",
                "build",
                "dup",
                "empty",
                "copy",
            )
        )
    )
    names = FIELDS[target.kind]
    if kind == "text":
        free_text(data, tree)
    elif kind == "set":
        name = data.draw(st.sampled_from(names))
        target.fields[name] = data.draw(field_values(name, target.fields.get(name)))
    elif kind == "delete" and target.fields:
        del target.fields[data.draw(st.sampled_from(sorted(target.fields)))]
    elif kind == "extra":
        extra = data.draw(st.sampled_from(EXTRA_FIELDS))
        target.fields[extra] = data.draw(field_values(extra, None))
    elif kind == "build":
        target.build = data.draw(st.sampled_from(("construct", "dict", "call")))
        if target.kind == "Stack" and target.build == "dict":
            target.build = "construct"  # a dict is no Stack: the loader's business, not ours
    elif kind == "dup":
        lists = [v for v in target.fields.values() if isinstance(v, list) and v]
        if lists:
            chosen = data.draw(st.sampled_from(lists))
            chosen.append(chosen[data.draw(st.integers(0, len(chosen) - 1))])
    elif kind == "empty":
        containers = [k for k, v in target.fields.items() if isinstance(v, list | dict)]
        if containers:
            target.fields[data.draw(st.sampled_from(containers))] = []
    elif kind == "copy":
        name = data.draw(st.sampled_from(FIELDS["Stack"]))
        tree.copy_update = {name: data.draw(field_values(name, tree.fields.get(name)))}
    return kind


# -- running the CLI -----------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Workspace:
    """Where examples run: stack files go under ``inputs``, the CLI runs in ``cwd``."""

    inputs: Path
    cwd: Path
    count: Counter[str] = field(default_factory=Counter)


def check_run(run: Run, file: Path, as_json: bool, what: str) -> int:
    """The invariants of one CLI run; the number of problems reported."""
    assert "Traceback" not in run.err, f"{what}: traceback\n{run.err}"
    assert run.code in (0, 1), f"{what}: exit {run.code}\n{run.err}"
    if as_json:
        document = json.loads(run.out)  # exactly one JSON document on stdout
        assert isinstance(document, dict)
        assert document["ok"] is (run.code == 0)
        assert isinstance(document["problems"], list)
    if run.code == 0:
        assert run.err == "", f"{what}: exit 0 with stderr\n{run.err}"
        return 0
    *lines, last = run.err.splitlines()
    summary = SUMMARY.fullmatch(last)
    assert summary, f"{what}: last line {last!r}"
    assert int(summary.group(1)) == len(lines), f"{what}: one line per problem\n{run.err}"
    for line in lines:
        assert line.startswith(f"{file}:"), f"{what}: problem not naming the file: {line!r}"
        assert line.isprintable(), f"{what}: raw control character in {line!r}"
        assert not INFRA_EXCEPTION.search(line), f"{what}: an exception of infra: {line!r}"
    if as_json:
        texts = [p["text"] for p in json.loads(run.out)["problems"]]
        assert texts == lines, f"{what}: JSON texts differ from the lines"
    return len(lines)


# The Terraform files that carry user text (names, tags, labels, taints, owner hashes); the
# others hold catalog-checked values only, and parsing HCL is the slowest part of a valid example.
USER_TEXT_TF = frozenset(("main.tf", "backend.tf"))


def check_rendered(out: Path) -> None:
    """The files rendered from the stack parse (module sources are copied, not rendered): a
    character that slips through validation shows up as broken HCL, Python or YAML here."""
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.relative_to(out).parts[0] == "modules":
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".tf" and path.name in USER_TEXT_TF:
            hcl2.parses_to_tree(text)  # syntax is the point; building dicts is slower
        elif path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".yaml":
            yaml.safe_load(text)


def run_example(
    workspace: Workspace,
    capfd: pytest.CaptureFixture[str],
    tree: Node,
    layout: str,
    render_json: bool,
) -> None:
    for left in workspace.cwd.iterdir():  # a failed example (while shrinking) leaves its output
        shutil.rmtree(left)
    workspace.count["examples"] += 1
    folder = workspace.inputs / f"example{workspace.count['examples']}"
    folder.mkdir()
    file = (folder / "stack.py").resolve()
    file.write_text(stack_file(tree, layout), encoding="utf-8")

    def cli(*args: str) -> Run:
        capfd.readouterr()
        code = main(list(args))
        out, err = capfd.readouterr()
        return Run(code, out, err)

    text = cli("validate", str(file))
    check_run(text, file, False, "validate")
    as_json = cli("validate", str(file), "--json")
    check_run(as_json, file, True, "validate --json")
    assert as_json.code == text.code
    assert ADDRESS.sub("", as_json.err) == ADDRESS.sub("", text.err)  # object() reprs differ

    render_args = ["render", str(file), "-o", "out", *(["--json"] if render_json else [])]
    render = cli(*render_args)
    check_run(render, file, render_json, "render")
    assert render.code == text.code, f"render exit {render.code}, validate {text.code}"
    if render.code == 0:
        assert (workspace.cwd / "out" / "manifest.json").is_file()
        check_rendered(workspace.cwd / "out")
        shutil.rmtree(workspace.cwd / "out")
        workspace.count["valid"] += 1
    else:
        workspace.count["invalid"] += 1
    assert list(workspace.cwd.iterdir()) == [], "files left in the working directory"


def fuzz_examples(request: pytest.FixtureRequest) -> int:
    configured = os.environ.get("INFRA_FUZZ_EXAMPLES")
    if configured:
        return int(configured)
    return LONG_EXAMPLES if request.config.getoption("--fuzz-long") else DEFAULT_EXAMPLES


@pytest.mark.usefixtures("test_catalog_env")
def test_fuzzed_stacks_never_break_the_cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    record_property: Callable[[str, object], None],
) -> None:
    examples = fuzz_examples(request)
    workspace = Workspace(tmp_path / "inputs", tmp_path / "cwd")
    workspace.inputs.mkdir()
    workspace.cwd.mkdir()
    monkeypatch.chdir(workspace.cwd)

    @settings(
        max_examples=examples,
        deadline=None,
        # Reproducible in CI; long runs explore with a fresh seed each time.
        derandomize=examples <= DEFAULT_EXAMPLES,
        database=None,  # the example database would be a new file in the working directory
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        data=st.data(),
        mutations=st.integers(0, 3),
        layout=st.sampled_from(("one", "one", "renamed", "same")),
    )
    def fuzz(data: st.DataObject, mutations: int, layout: str) -> None:
        tree = base_stack()
        for _ in range(mutations):
            event(f"mutation: {mutate(data, tree)}")
        run_example(workspace, capfd, tree, layout, data.draw(st.booleans(), label="json"))

    fuzz()
    count = workspace.count
    for name in ("examples", "valid", "invalid"):
        record_property(f"fuzz_{name}", count[name])
    with capfd.disabled():
        print(
            f"\nfuzz: {count['examples']} examples run ({count['valid']} valid, "
            f"{count['invalid']} invalid), max_examples={examples}"
        )
    assert count["examples"] >= min(examples, 10)
