"""Inputs that cannot break infra: whole-string names, escaped problem lines, bounded integers,
re-validated look-alike stacks, case-insensitive suggestions, and the bugs fuzzing found."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from infra import Cluster, DisasterRecovery, NodePool, Problem, Stack, StackError
from infra.catalog import Catalog
from infra.cli import main
from infra.clouds import CLOUDS
from infra.clouds.base import DNS_LABEL
from infra.errors import number, printable, unknown
from infra.validate import MAX_GPUS, MAX_POOL_NODES, validate_stacks

HEAD = "from infra import Cluster, DisasterRecovery, NodePool, Stack\n\n"
ALLOWED_GPUS = "allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200"


def stack_source(
    *,
    name: str = "'s'",
    owner: str = "'ml'",
    tags: str = "{}",
    cloud: str = "'aws'",
    region: str = "'us-east-1'",
    pool: str = "NodePool(name='p', gpu='H100', gpus=8)",
    dr: str = "None",
) -> str:
    """A stack file; every argument is Python source, so values repr() cannot spell fit."""
    return HEAD + textwrap.dedent(f"""\
        stack = Stack(
            name={name}, owner={owner}, environment="prod", tags={tags},
            clusters=[Cluster(name="c", cloud={cloud}, region={region}, cidr="10.0.0.0/16",
                              pools=[{pool}])],
            dr={dr},
        )
        """)


def validate_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *extra: str
) -> tuple[int, str, list[str]]:
    """Run ``infra validate`` on a stack file: exit code, stdout, stderr problem lines."""
    file = tmp_path / "stack.py"
    file.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["validate", str(file), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    lines = err.splitlines()
    if code == 1:
        assert lines[-1].startswith("infra: ") and lines[-1].endswith(" found")
        lines = lines[:-1]
    return code, out, [line.replace(str(file), "{file}") for line in lines]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_catalog_env: None) -> Path:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def valid_stack(**overrides: object) -> Stack:
    fields: dict[str, object] = {
        "name": "s",
        "owner": "ml",
        "environment": "prod",
        "clusters": [
            Cluster(
                name="c",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
            )
        ],
    }
    fields.update(overrides)
    return Stack(**fields)


# -- 1. names are matched whole ---------------------------------------------------------------

NAME_RULE = "(allowed: 1-24 lowercase letters, digits and '-', starting with a letter and not ending with '-')"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            stack_source(name="'llm-train\\n'"),
            "{file}: llm-train\\n/name: invalid stack name 'llm-train\\n' " + NAME_RULE,
        ),
        (
            stack_source(pool="NodePool(name='p\\n', gpu='H100', gpus=8)"),
            "{file}: s/clusters[0].pools[0].name: invalid pool name 'p\\n' for EKS (allowed: "
            "1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-')",
        ),
        (
            stack_source(tags="{'team': 'ml\\n'}"),
            "{file}: s/tags.team: tag has control or invisible characters (allowed: printable "
            "text)",
        ),
        (
            stack_source(pool="NodePool(name='p', gpu='H100', gpus=8, labels={'tier': 'gold\\n'})"),
            "{file}: s/clusters[0].pools[0].labels.tier: invalid label value 'gold\\n' (allowed: "
            "up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit, "
            "or empty)",
        ),
        (
            stack_source(
                pool="NodePool(name='p', gpu='H100', gpus=8, labels={'example.com\\n/tier': 'x'})"
            ),
            "{file}: s/clusters[0].pools[0].labels.example.com\\n/tier: invalid label key prefix "
            "'example.com\\n' (allowed: a DNS subdomain like example.com)",
        ),
    ],
    ids=["stack-name", "pool-name", "tag", "label-value", "label-prefix"],
)
def test_a_trailing_newline_is_not_a_valid_name(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], source: str, expected: str
) -> None:
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert (code, lines) == (1, [expected])


@pytest.mark.parametrize(
    ("cloud", "name"), [("aws", "gpu\n"), ("azure", "gpu\n"), ("alicloud", "gpu\n")]
)
def test_pool_name_rules_of_every_cloud_match_whole(cloud: str, name: str) -> None:
    assert CLOUDS[cloud].pool_name_problem(name) is not None
    assert CLOUDS[cloud].pool_name_problem(name.strip()) is None


def test_cluster_and_environment_names_match_whole(catalog: Catalog) -> None:
    stack = valid_stack(environment="prod\n").model_copy(
        update={"clusters": (valid_stack().clusters[0].model_copy(update={"name": "c\n"}),)}
    )
    _, problems = validate_stacks([("f.py", stack)], catalog)
    assert [p.path for p in problems] == ["environment", "clusters[0].name"]


def test_shared_dns_label_pattern_rejects_a_trailing_newline() -> None:
    assert DNS_LABEL.match("web\n") is None
    assert DNS_LABEL.match("web") is not None


# -- 2. one problem, one line, always ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("del\x7f", "del\\x7f"),
        ("c1\x85", "c1\\x85"),
        ("line\u2028sep", "line\\u2028sep"),
        ("para\u2029sep", "para\\u2029sep"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("bidi\u202eoverride", "bidi\\u202eoverride"),
        ("bom\ufeff", "bom\\ufeff"),
        ("tab\t", "tab\\t"),
        ("lone\ud800", "lone\\ud800"),
    ],
)
def test_problem_text_escapes_non_printing_characters(raw: str, shown: str) -> None:
    problem = Problem(f"stacks/{raw}.py", raw, f"tags.{raw}", f"message {raw}")
    assert str(problem) == f"stacks/{shown}.py: {shown}/tags.{shown}: message {shown}"
    assert str(problem).isprintable()


def test_printable_text_is_unchanged() -> None:
    for text in ("llm-train", "équipe", "機械学習", "tag with spaces", "back\\slash", ""):
        assert printable(text) == text
        assert str(Problem("f.py", text, "path", text)) == (
            f"f.py: {text}/path: {text}" if text else "f.py: path: "
        )


def test_control_characters_of_a_stack_file_are_escaped_in_text_and_json(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = stack_source(name="'evil\\x1b[2J\\u202e'", tags="{'a\\u2028b': 'x'}")
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert code == 1
    assert lines == [
        "{file}: evil\\x1b[2J\\u202e/name: invalid stack name 'evil\\x1b[2J\\u202e' " + NAME_RULE,
        "{file}: evil\\x1b[2J\\u202e/tags.a\\u2028b: tag has control or invisible characters "
        "(allowed: printable text)",
    ]
    code, out, _ = validate_file(in_tmp, capsys, source, "--json")
    document = json.loads(out)
    texts = [p["text"].replace(str(in_tmp / "stack.py"), "{file}") for p in document["problems"]]
    assert texts == lines
    assert document["problems"][0]["stack"] == "evil\x1b[2J\u202e"  # the raw value stays data


def test_a_stack_file_named_with_a_newline(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = in_tmp / "bad\nname.py"
    file.write_text(stack_source(name="'S'"), encoding="utf-8")
    code = main(["validate", str(file)])
    _, err = capsys.readouterr()
    assert code == 1
    shown = str(file).replace("\n", "\\n")
    assert err.splitlines() == [
        f"{shown}: S/name: invalid stack name 'S' " + NAME_RULE,
        "infra: 1 problem found",
    ]


# -- 3. integers beyond any cloud ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "expected"),
    [
        (
            "NodePool(name='p', gpu='H100', gpus=10**5000)",
            "gpus: an integer of 5001 digits is too large (allowed: 0 to 80000)",
        ),
        (
            "NodePool(name='p', gpu='H100', gpus=8, max_gpus=80008)",
            "max_gpus: 80008 is too large (allowed: 0 to 80000)",
        ),
        (
            "NodePool(name='p', gpu='H100', gpus=8, min_gpus=-10**5000)",
            "min_gpus: a negative integer of 5001 digits is negative (allowed: 0 or more)",
        ),
        (
            "NodePool(name='p', instance_type='m7i.2xlarge', nodes=5001)",
            "nodes: 5001 is too large (allowed: 0 to 5000)",
        ),
        (
            "NodePool(name='p', instance_type='m7i.2xlarge', nodes=2**64)",
            "nodes: 18446744073709551616 is too large (allowed: 0 to 5000)",
        ),
        (
            "NodePool(name=10**5000)",
            "name: expected a string, got an integer of 5001 digits",
        ),
    ],
    ids=["gpus-giant", "max-gpus", "min-gpus-giant-negative", "nodes", "nodes-2-64", "name"],
)
def test_integers_beyond_any_cloud_are_one_clear_line(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], pool: str, expected: str
) -> None:
    code, _, lines = validate_file(in_tmp, capsys, stack_source(pool=pool))
    assert (code, lines) == (1, ["{file}: s/clusters[0].pools[0]." + expected])


def test_giant_integers_elsewhere(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = stack_source(
        tags="{10**5000: 'x'}",
        dr="DisasterRecovery(rpo_minutes=10**5000, rto_minutes=-10**5000)",
    ).replace('cidr="10.0.0.0/16",', 'cidr="10.0.0.0/16", gpu_capacity={"H100": 10**5000},')
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert code == 1
    assert lines == [
        # pydantic names the key in the path itself, and cannot print it either
        "{file}: s/tags.<unprintable int object>.[key]: expected a string, got an integer of "
        "5001 digits",
    ]
    code, _, lines = validate_file(in_tmp, capsys, source.replace("{10**5000: 'x'}", "{}"))
    assert lines == [
        "{file}: s/clusters[0].gpu_capacity.H100: an integer of 5001 digits is too large "
        "(allowed: 0 to 80000)",
        "{file}: s/dr.rpo_minutes: an integer of 5001 digits is too large (allowed: 1 to 1440)",
        "{file}: s/dr.rto_minutes: a negative integer of 5001 digits is not positive (allowed: "
        "minutes > 0)",
    ]


def test_bounds_themselves_are_allowed(catalog: Catalog) -> None:
    pools = [
        NodePool(name="p", gpu="H100", gpus=8, max_gpus=MAX_GPUS),
        NodePool(name="q", instance_type="m7i.2xlarge", nodes=MAX_POOL_NODES),
    ]
    cluster = (
        valid_stack()
        .clusters[0]
        .model_copy(update={"pools": tuple(pools), "gpu_capacity": {"H100": MAX_GPUS}})
    )
    stack = valid_stack(
        clusters=[cluster], dr=DisasterRecovery(rpo_minutes=1440, rto_minutes=7 * 24 * 60)
    )
    resolved, problems = validate_stacks([("f.py", stack)], catalog)
    assert problems == []
    assert resolved[0].clusters[0].pools[0].max_nodes == MAX_GPUS // 8


def test_number_never_converts_a_giant_int() -> None:
    assert number(-8) == "-8"
    assert number(10**59) == str(10**59)
    assert number(10**60) == "an integer of 61 digits"
    assert number(10**5000 - 1) == "an integer of 5000 digits"
    assert number(-(10**20000)) == "a negative integer of 20001 digits"


# -- 4. objects that only look like a Stack -------------------------------------------------------


def paths_and_messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def test_model_construct_stack_is_revalidated(catalog: Catalog) -> None:
    resolved, problems = validate_stacks([("f.py", Stack.model_construct(name=5))], catalog)
    assert resolved == []
    assert paths_and_messages(problems) == [
        "f.py: <stack>/name: expected a string, got int 5",
        "f.py: <stack>/owner: required field is missing",
        "f.py: <stack>/environment: required field is missing",
    ]


def test_model_copy_update_is_revalidated(catalog: Catalog) -> None:
    bad_cluster = Cluster.model_construct(name="c", cloud="aws", pools=[NodePool(name="p")])
    copied = valid_stack().model_copy(update={"clusters": [bad_cluster], "owner": 5})
    _, problems = validate_stacks([("f.py", copied)], catalog)
    assert paths_and_messages(problems) == [
        "f.py: s/owner: expected a string, got int 5",
        "f.py: s/clusters[0].region: required field is missing",
        "f.py: s/clusters[0].cidr: required field is missing",
    ]


def test_nested_model_construct_is_revalidated(catalog: Catalog) -> None:
    # (model_construct drops unknown fields itself under extra="forbid": nothing to report)
    pool = NodePool.model_construct(name="p", gpu="H100", gpus="8", colour="red")
    cluster = valid_stack().clusters[0].model_copy(update={"pools": (pool,)})
    stack = valid_stack().model_copy(update={"clusters": (cluster,)})
    _, problems = validate_stacks([("f.py", stack)], catalog)
    assert paths_and_messages(problems) == [
        "f.py: s/clusters[0].pools[0].gpus: expected an integer, got str '8'",
    ]


def test_revalidated_values_are_the_ones_validated(catalog: Catalog) -> None:
    # model_copy keeps a raw dict where a Cluster belongs; re-validation makes it a Cluster.
    cluster = {"name": "c", "cloud": "aws", "region": "us-east-1", "cidr": "10.0.0.0/16"}
    copied = valid_stack().model_copy(update={"clusters": [cluster], "name": "copy"})
    resolved, problems = validate_stacks([("f.py", copied)], catalog)
    assert problems == []
    assert [s.name for s in resolved] == ["copy"]
    assert resolved[0].clusters[0].name == "c"
    # and a rename by model_copy still meets the name rules
    _, problems = validate_stacks(
        [("f.py", valid_stack().model_copy(update={"name": "Bad Name"}))], catalog
    )
    assert [p.path for p in problems] == ["name"]


def test_things_that_are_not_stacks(catalog: Catalog) -> None:
    broken = Stack.model_construct(name="s")
    object.__delattr__(broken, "__pydantic_fields_set__")
    not_a_stack: object = "stack"
    _, problems = validate_stacks(
        [("a.py", not_a_stack), ("b.py", broken)],  # type: ignore[list-item]
        catalog,
    )
    assert paths_and_messages(problems) == [
        "a.py: expected a Stack, got str",
        "b.py: not a valid Stack object (its pydantic attributes were replaced)",
    ]


def test_model_construct_through_the_cli(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = HEAD + "stack = Stack.model_construct(name='s', owner=['ml'], environment='prod')\n"
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert (code, lines) == (1, ["{file}: s/owner: expected a string, got list ['ml']"])


def test_a_big_stack_validates_with_revalidation(catalog: Catalog) -> None:
    """200 clusters x 50 pools go through revalidation and validation whole (its cost is
    measured, not asserted: timing belongs in bench/)."""
    clusters = [
        Cluster(
            name=f"c{i}",
            cloud="aws",
            region="us-east-1",
            cidr=f"10.{i}.0.0/16",
            pools=[NodePool(name=f"p{j}", gpu="H100", gpus=8) for j in range(50)],
        )
        for i in range(200)
    ]
    stack = Stack(name="big", owner="ml", environment="prod", clusters=clusters)
    resolved, problems = validate_stacks([("f.py", stack)], catalog)
    assert problems == [] and len(resolved[0].clusters) == 200
    assert sum(len(c.pools) for c in resolved[0].clusters) == 10_000


# -- 5. suggestions ignore case -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            stack_source(pool="NodePool(name='p', gpu='a10g', gpus=8)"),
            "{file}: s/clusters[0].pools[0].gpu: unknown GPU 'a10g' (did you mean 'A10G'? "
            f"{ALLOWED_GPUS})",
        ),
        (
            stack_source(cloud="'AWS'"),
            "{file}: s/clusters[0].cloud: unknown cloud 'AWS' (did you mean 'aws'? allowed: "
            "alicloud, aws, azure)",
        ),
        (
            stack_source(region="'US-EAST-1'"),
            "{file}: s/clusters[0].region: unknown AWS region 'US-EAST-1' (did you mean "
            "'us-east-1'? allowed: us-east-1, us-west-2)",
        ),
    ],
    ids=["gpu", "cloud", "region"],
)
def test_suggestions_ignore_case(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], source: str, expected: str
) -> None:
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert (code, lines) == (1, [expected])


def test_suggestions_keep_their_spelling_and_same_case_results() -> None:
    assert unknown("GPU", "a100-80gb", ["A100-40GB", "A100-80GB"]).startswith(
        "unknown GPU 'a100-80gb' (did you mean 'A100-80GB'?"
    )
    assert "did you mean 'H100'?" in unknown("GPU", "H10", ["A10", "H100", "H200"])
    assert "did you mean" not in unknown("GPU", "zzz", ["A10", "H100"])


def test_catalog_filter_suggestion_ignores_case(
    test_catalog_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "--region", "US-EAST-1"]) == 2
    assert "(did you mean 'us-east-1'?" in capsys.readouterr().err


# -- 6. bugs the fuzzing found --------------------------------------------------------------------


def test_owner_with_a_lone_surrogate_is_a_problem_not_a_traceback(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, lines = validate_file(in_tmp, capsys, stack_source(owner="'ml\\ud800'"))
    assert (code, lines) == (
        1,
        [
            "{file}: s/owner: 'ml\\ud800' has control or invisible characters (allowed: "
            "printable text)"
        ],
    )


def test_alicloud_tag_key_with_a_lone_surrogate(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = stack_source(
        tags="{'team\\ud800': 'x'}",
        cloud="'alicloud'",
        region="'cn-beijing'",
        pool="NodePool(name='p', gpu='A10', gpus=1)",
    )
    code, _, lines = validate_file(in_tmp, capsys, source)
    assert (code, lines) == (
        1,
        [
            "{file}: s/tags.team\\ud800: tag has control or invisible characters (allowed: "
            "printable text)"
        ],
    )
    assert CLOUDS["alicloud"].tag_problem("team\ud800", "x") is None  # counts, never raises


def test_tag_key_with_a_newline_is_not_rendered_into_hcl(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = stack_source(
        tags="{'team\\n': 'x'}",
        cloud="'azure'",
        region="'eastus'",
    )
    file = in_tmp / "stack.py"
    file.write_text(source, encoding="utf-8")
    assert main(["render", str(file), "-o", "out"]) == 1
    assert "tags.team\\n: tag has control" in capsys.readouterr().err
    assert not (in_tmp / "cwd" / "out").exists()


def test_values_that_cannot_be_shown_still_give_one_line() -> None:
    class BadRepr:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    for value, shown in (([10**5000], "a list"), (BadRepr(), "a BadRepr")):
        with pytest.raises(StackError) as caught:
            valid_stack(owner=value)
        (problem,) = caught.value.problems
        assert problem.message == f"expected a string, got {shown} that cannot be shown"
