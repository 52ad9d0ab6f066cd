"""Stack files are user code: whatever one does, loading it cannot break the caller or the CLI.

Every stack file is written into a temporary directory. Scenarios that would end or corrupt the
process running them go through the real CLI (``python -m infra``); those processes all start at
once, in one module fixture, so that the file stays fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli import main
from infra.errors import UsageError
from infra.loader import load_stacks, load_timeout
from infra.model import Stack

posix = pytest.mark.skipif(not hasattr(os, "fork"), reason="stack files run in a child via fork")

# A stack the shipped catalog accepts, in lines 1-4 of every file that starts with it.
VALID = (
    "from infra import Cluster, NodePool, Stack\n"
    "stack = Stack(name='ok', owner='ml', environment='prod', clusters=[\n"
    "    Cluster(name='c', cloud='aws', region='us-east-1', cidr='10.0.0.0/16',\n"
    "            pools=[NodePool(name='p', gpu='H100', gpus=8)])])\n"
)
RUN_TO_THE_END = "a stack file must run to its end and define `stack` or `stacks`"
LIMIT_HINT = "(raise the limit with --load-timeout or INFRA_LOAD_TIMEOUT)"

# A file that defines a valid stack and then ends its process: the problem line it must give.
ENDINGS = {
    "os_exit_0": (
        "import os\nos._exit(0)\n",
        f"os_exit_0.py: stack file ended its process (exit status 0) before it finished; "
        f"{RUN_TO_THE_END}",
    ),
    "os_exit_3": (
        "import os\nos._exit(3)\n",
        f"os_exit_3.py: stack file ended its process (exit status 3) before it finished; "
        f"{RUN_TO_THE_END}",
    ),
    "sys_exit_0": (
        "import sys\nsys.exit(0)\n",
        f"sys_exit_0.py:6: stack file called sys.exit(0) before it finished; {RUN_TO_THE_END}",
    ),
    "sigterm": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n",
        f"sigterm.py: stack file ended its process (killed by signal SIGTERM) before it "
        f"finished; {RUN_TO_THE_END}",
    ),
    "sigkill": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        f"sigkill.py: stack file ended its process (killed by signal SIGKILL) before it "
        f"finished; {RUN_TO_THE_END}",
    ),
    "sigsegv": (
        # No core file: the crash is the point, not its dump.
        "import os, resource, signal\nresource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
        "os.kill(os.getpid(), signal.SIGSEGV)\n",
        f"sigsegv.py: stack file ended its process (killed by signal SIGSEGV) before it "
        f"finished; {RUN_TO_THE_END}",
    ),
    "close_fd_1": (
        "import os\nos.close(1)\n",
        "close_fd_1.py: stack file closed stdout (sys.stdout.close() or os.close(1)); "
        "a stack file may write to stdout but must not close it",
    ),
    "close_sys_stdout": (
        "import sys\nsys.stdout.close()\n",
        "close_sys_stdout.py: stack file closed stdout (sys.stdout.close() or os.close(1)); "
        "a stack file may write to stdout but must not close it",
    ),
}

NOISY = """
import os, subprocess, sys
print("marker-print")
sys.stdout.write("marker-sys-stdout\\n")
sys.__stdout__.write("marker-dunder-stdout\\n")
os.write(1, b"marker-fd-1\\n")
subprocess.run(["echo", "marker-echo"], check=True)
subprocess.run([sys.executable, "-c", "print('marker-python-child')"], check=True)
"""
MARKERS = [
    "marker-print",
    "marker-sys-stdout",
    "marker-dunder-stdout",
    "marker-fd-1",
    "marker-echo",
    "marker-python-child",
]

Run = subprocess.CompletedProcess[str]


def _environment() -> dict[str, str]:
    # Deterministic runs: the shipped catalog, the default limit, no faulthandler dump on SIGSEGV,
    # and a buffered stdout as users have it.
    drop = {"INFRA_CATALOG_DIR", "INFRA_LOAD_TIMEOUT", "PYTHONFAULTHANDLER", "PYTHONUNBUFFERED"}
    return {k: v for k, v in os.environ.items() if k not in drop}


# Each run separately too (its exit status is its own); the rest only in the run of them all.
SEPARATELY = ("os_exit_0", "sys_exit_0", "sigterm", "sigkill", "close_fd_1")


def _stack_named(name: str) -> str:
    return VALID.replace("name='ok'", f"name={name!r}")


class Runs:
    """CLI runs started together; each one's result is waited for when a test first asks."""

    def __init__(self, processes: dict[str, subprocess.Popen[str]]) -> None:
        self._processes = processes
        self._done: dict[str, Run] = {}

    def __getitem__(self, name: str) -> Run:
        if name not in self._done:
            process = self._processes[name]
            out, err = process.communicate(timeout=120)
            self._done[name] = subprocess.CompletedProcess(
                process.args, process.returncode, out, err
            )
        return self._done[name]


@pytest.fixture(scope="module", autouse=True)
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Every CLI scenario of this module, started before its first test (each is a fresh
    interpreter, so they run while the in-process tests do)."""
    root = tmp_path_factory.mktemp("cli")
    infra = [sys.executable, "-m", "infra", "validate"]
    commands: dict[str, list[str]] = {}
    for name, (ending, _) in ENDINGS.items():
        (root / f"{name}.py").write_text(_stack_named(name.replace("_", "-")) + ending)
    for name in SEPARATELY:
        commands[name] = [*infra, f"{name}.py", "--json"]
    # After a file ends its child, the next files load in a new one: the last one is loaded and
    # validated (its unknown GPU is reported).
    (root / "unknown_gpu.py").write_text(VALID.replace("gpu='H100'", "gpu='H10'"))
    commands["all_endings"] = [*infra, *(f"{n}.py" for n in ENDINGS), "unknown_gpu.py"]
    (root / "noisy.py").write_text(VALID + NOISY)
    commands["noisy"] = [*infra, "noisy.py", "--json"]
    # The caller's output still pending in its stdout buffer is written once, by the caller.
    (root / "ok.py").write_text(VALID)
    pending = "import sys; from infra.loader import load_stacks; sys.stdout.write('pending|'); "
    pending += "load_stacks(['ok.py', 'noisy.py']); sys.stdout.write('done')"
    commands["pending"] = [sys.executable, "-c", pending]
    processes = {
        name: subprocess.Popen(
            command,
            cwd=root,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, command in commands.items()
    }
    yield Runs(processes)
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


# -- the caller's process state -------------------------------------------------------------------

CHANGES = """
import os, sys
print("marker-print")
os.write(1, b"marker-fd-1\\n")
os.chdir("elsewhere")
sys.path.insert(0, os.getcwd())
import leaky_helper
sys.argv.append("--leak")
os.environ["INFRA_TEST_LEAK"] = "changed"
os.environ["INFRA_TEST_NEW"] = "new"
sys.modules["infra_test_fake"] = leaky_helper
"""


def _state() -> tuple[object, ...]:
    return os.getcwd(), list(sys.path), list(sys.argv), dict(os.environ), set(sys.modules)


def _write_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setenv("INFRA_TEST_LEAK", "before")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "leaky_helper.py").write_text("VALUE = 1\n")
    (tmp_path / "changes.py").write_text(VALID + CHANGES)


@posix
def test_cwd_sys_path_modules_argv_env_of_the_caller_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_changes(tmp_path, monkeypatch)
    before = _state()
    result = load_stacks(["changes.py"])
    assert result.problems == ()
    assert [(file, s.name) for file, s in result.stacks] == [("changes.py", "ok")]
    assert _state() == before


def test_without_fork_files_run_here_and_the_state_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    _write_changes(tmp_path, monkeypatch)
    monkeypatch.delattr(os, "fork", raising=False)
    (tmp_path / "first.py").write_text(VALID)
    load_stacks(["first.py"])  # what runpy itself imports on first use stays, as libraries do
    before = _state()
    result = load_stacks(["changes.py"])
    assert result.problems == ()
    assert [s.name for _, s in result.stacks] == ["ok"]
    assert _state() == before
    out, err = capfd.readouterr()
    assert out == ""
    assert "marker-print" in err and "marker-fd-1" in err


def test_files_of_one_load_import_their_own_helpers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("one", "two"):
        (tmp_path / name / "lib").mkdir(parents=True)
        (tmp_path / name / "lib" / "common.py").write_text(f"NAME = {name!r}\n")
        (tmp_path / name / "stack.py").write_text(
            "import os, sys\n"
            "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))\n"
            "import common\n" + VALID.replace("name='ok'", "name=common.NAME")
        )
    result = load_stacks(["one", "two"])
    assert result.problems == ()
    assert [(file, s.name) for file, s in result.stacks] == [
        ("one/stack.py", "one"),
        ("two/stack.py", "two"),
    ]
    assert "common" not in sys.modules


# -- the load timeout -----------------------------------------------------------------------------


@posix
def test_a_file_that_runs_forever_is_stopped_and_the_next_one_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_forever.py").write_text("while True:\n    pass\n")
    (tmp_path / "b_ok.py").write_text(VALID)
    result = load_stacks(["."], timeout=1)  # returns at all only because the child is stopped
    assert [str(p) for p in result.problems] == [
        f"a_forever.py: stack file still running after 1 s; stopped {LIMIT_HINT}"
    ]
    assert [(file, s.name) for file, s in result.stacks] == [("b_ok.py", "ok")]


@posix
def test_the_limit_comes_from_infra_load_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INFRA_LOAD_TIMEOUT", "0.5")
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(3)\n" + VALID)
    result = load_stacks(["slow.py"])  # the message below comes only from the timeout path
    assert [str(p) for p in result.problems] == [
        f"slow.py: stack file still running after 0.5 s; stopped {LIMIT_HINT}"
    ]
    assert result.stacks == ()


@pytest.mark.parametrize("value", ["abc", "0", "-2", "nan", "inf", "1e999", "5s"])
def test_invalid_infra_load_timeout_is_a_usage_error(
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INFRA_LOAD_TIMEOUT", value)
    (tmp_path / "ok.py").write_text(VALID)
    message = (
        f"INFRA_LOAD_TIMEOUT={value!r} is not a positive number of seconds "
        "(allowed: a number above 0, e.g. 60 or 2.5)"
    )
    with pytest.raises(UsageError) as caught:
        load_stacks(["ok.py"])
    assert str(caught.value) == message
    assert main(["validate", "ok.py"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"infra: error: {message}\n")


def test_load_timeout_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_LOAD_TIMEOUT", raising=False)
    assert load_timeout(None) == 60.0
    monkeypatch.setenv("INFRA_LOAD_TIMEOUT", "")
    assert load_timeout(None) == 60.0
    monkeypatch.setenv("INFRA_LOAD_TIMEOUT", " 2.5 ")
    assert load_timeout(None) == 2.5
    assert load_timeout(7) == 7.0  # an explicit value (the CLI flag) wins
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(UsageError, match="is not a positive number of seconds"):
            load_timeout(bad)


# -- one line per problem, whatever the exception -------------------------------------------------


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.py").write_text(textwrap.dedent(body))
    return [str(p) for p in load_stacks(["f.py"]).problems]


def test_exception_whose_str_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = """\
        class Odd(Exception):
            def __str__(self):
                raise RuntimeError("no text")

        raise Odd()
    """
    assert _problems(tmp_path, monkeypatch, body) == ["f.py:5: Odd: <str() failed>"]


def test_multi_line_exception_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "raise ValueError('first line\\nsecond line')\n"
    assert _problems(tmp_path, monkeypatch, body) == ["f.py:1: ValueError: first line"]


def test_stack_error_raised_by_the_file_with_multi_line_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = """\
        from infra import Problem, StackError
        raise StackError([Problem("x", "s", "a.b", "one\\ntwo"), "plain\\ntext"])
    """
    # The loader keeps the text as raised; printing a Problem escapes what does not print.
    assert _problems(tmp_path, monkeypatch, body) == [
        "f.py: s/a.b: one\\ntwo",
        "f.py: plain\\ntext",
    ]


@posix
def test_input_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "answer = input('name? ')\n"
    assert _problems(tmp_path, monkeypatch, body) == ["f.py:1: EOFError: EOF when reading a line"]


@posix
def test_a_file_that_forks_answers_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # The fork returns twice, so the rest of the file (and the loader after it) runs twice.
    (tmp_path / "a_forks.py").write_text(
        "import os\npid = os.fork()\nif pid:\n    os.waitpid(pid, 0)\n" + VALID
    )
    (tmp_path / "b_ok.py").write_text(_stack_named("after"))
    result = load_stacks(["."])
    assert result.problems == ()
    assert [(file, s.name) for file, s in result.stacks] == [
        ("a_forks.py", "ok"),
        ("b_ok.py", "after"),
    ]


# -- what comes back from the child ---------------------------------------------------------------


def test_constructed_and_copied_stacks_come_back_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "constructed.py").write_text(
        textwrap.dedent("""\
            from infra import Stack
            stack = Stack.model_construct(name="built", owner="ml", environment="prod")
            stacks = [stack.model_copy(update={"name": "copied", "owner": 42})]
        """)
    )
    result = load_stacks(["constructed.py"])
    assert result.problems == ()
    built, copied = (s for _, s in result.stacks)
    assert type(built) is Stack and type(copied) is Stack
    assert (built.name, built.owner, built.clusters) == ("built", "ml", ())
    assert built.model_fields_set == {"name", "owner", "environment"}
    assert (copied.name, copied.owner) == ("copied", 42)  # not validated: the loader's job is not


@posix
def test_values_that_cannot_leave_the_stack_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "helper_values.py").write_text(
        "import enum\nclass Colour(enum.Enum):\n    RED = 1\n"
    )
    (tmp_path / "odd.py").write_text(
        textwrap.dedent("""\
            import os, sys
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from helper_values import Colour
            from infra import Stack

            class MyStack(Stack):
                pass

            def make(name, owner="ml", kind=Stack):
                return kind.model_construct(name=name, owner=owner, environment="prod")

            stacks = [
                make("subclass", kind=MyStack),
                make("plain"),
                make("generator", owner=(i for i in range(3))),
                make("enum", owner=Colour.RED),
            ]
        """)
    )
    result = load_stacks(["odd.py"])
    allowed = "allowed: infra's models holding str, int, float, bool, None, list, tuple and dict"
    assert [str(p) for p in result.problems] == [
        f"odd.py: stacks[0]: cannot pass MyStack (defined in the stack file) out of the stack "
        f"file ({allowed} values)",
        "odd.py: stacks[2]: cannot pass this value out of the stack file: "
        "TypeError: cannot pickle 'generator' object",
        f"odd.py: stacks[3]: cannot pass helper_values.Colour out of the stack file "
        f"({allowed} values)",
    ]
    assert [s.name for _, s in result.stacks] == ["plain"]
    assert "helper_values" not in sys.modules


# -- output goes to stderr (CLI runs, last: they run meanwhile) -----------------------------------


@posix
def test_stack_file_output_goes_to_stderr_and_json_stays_one_document(runs: Runs) -> None:
    run = runs["noisy"]
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)  # exactly one JSON document, nothing around it
    assert document["ok"] is True
    assert [s["name"] for s in document["stacks"]] == ["ok"]
    for marker in MARKERS:
        assert marker in run.stderr
        assert marker not in run.stdout


@posix
def test_callers_pending_output_is_written_once(runs: Runs) -> None:
    run = runs["pending"]
    assert run.returncode == 0, run.stderr
    assert run.stdout == "pending|done"
    assert "pending" not in run.stderr
    assert "marker-print" in run.stderr


# -- ending the process gives a problem and exit 1 ------------------------------------------------


@posix
@pytest.mark.parametrize("name", SEPARATELY)
def test_a_file_that_ends_its_process_fails_the_cli(runs: Runs, name: str) -> None:
    run = runs[name]
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [ENDINGS[name][1], "infra: 1 problem found"]
    document = json.loads(run.stdout)
    assert document["ok"] is False
    assert [p["text"] for p in document["problems"]] == [ENDINGS[name][1]]


@posix
def test_every_file_after_one_that_ends_its_process_still_loads(runs: Runs) -> None:
    run = runs["all_endings"]
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    unknown_gpu = "unknown_gpu.py: ok/clusters[0].pools[0].gpu: unknown GPU 'H10'"
    lines = run.stderr.splitlines()
    assert lines[: len(ENDINGS)] == [line for _, line in ENDINGS.values()]
    assert lines[len(ENDINGS)].startswith(unknown_gpu)
    assert lines[len(ENDINGS) + 1 :] == [f"infra: {len(ENDINGS) + 1} problems found"]
