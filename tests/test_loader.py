from __future__ import annotations

from pathlib import Path

from infra.loader import load_stacks

STACK = """
from infra import Cluster, NodePool, Stack
VALUE = {value!r}
stack = Stack(name=VALUE, owner="ml", environment="prod", clusters=[
    Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
            pools=[NodePool(name="p", gpu="H100", gpus=8)])])
"""


def test_same_file_name_in_two_folders_both_load(tmp_path: Path) -> None:
    for folder, value in (("one", "first"), ("two", "second")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "llm.py").write_text(STACK.format(value=value))
    result = load_stacks([str(tmp_path / "one"), str(tmp_path / "two" / "llm.py")])
    assert result.problems == ()
    assert [s.name for _, s in result.stacks] == ["first", "second"]


def test_files_do_not_share_globals(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(STACK.format(value="a") + "SHARED = 1\n")
    (tmp_path / "b.py").write_text("SHARED\n")
    result = load_stacks([str(tmp_path)])
    assert [s.name for _, s in result.stacks] == ["a"]
    assert [p.message for p in result.problems] == ["NameError: name 'SHARED' is not defined"]


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = load_stacks([str(tmp_path / "nope.py"), str(tmp_path / "empty")])
    assert [p.message for p in result.problems] == [
        "no such file or directory",
        "no stack files (*.py) in this directory",
    ]


def test_stacks_list(tmp_path: Path) -> None:
    body = STACK.format(value="x").replace("stack = Stack(name=VALUE", "one = Stack(name='one'")
    body += "stacks = [one, one.model_copy(update={'name': 'two'})]\n"
    (tmp_path / "fleet.py").write_text(body)
    result = load_stacks([str(tmp_path / "fleet.py")])
    assert result.problems == ()
    assert [s.name for _, s in result.stacks] == ["one", "two"]


def test_exception_line_is_inside_the_stack_file(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("x = 1\n\ny = 1 / 0\n")
    (problem,) = load_stacks([str(tmp_path / "bad.py")]).problems
    assert problem.file.endswith("bad.py:3")
    assert problem.message == "ZeroDivisionError: division by zero"
