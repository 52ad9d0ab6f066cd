"""Loading stack files: each file runs in its own namespace and defines ``stack`` or ``stacks``.

Anything a stack file does wrong (syntax, imports, exceptions, wrong objects, exiting, crashing,
running forever) becomes one :class:`~infra.errors.Problem` naming the file and line; loading goes
on with the other files.

A stack file is user code that may do anything to the process running it. Where ``os.fork``
exists, stack files therefore run in a forked child: their ``chdir``, ``sys.path``, imports,
environment, signals, ``os._exit`` and closed streams never reach the caller, and a file still
running at the load timeout is killed. The child sends back the stacks each file defines, pickled,
through a pipe. Between two files the child puts back the working directory, ``sys.path``,
``sys.argv``, the environment and the modules the file brought along. Without fork (Windows)
the files run in the caller's process, with the same putting back but no timeout.

While a stack file runs, its output (``print``, ``os.write(1, ...)``, subprocesses) goes to stderr
and stdin reads nothing: stdout carries only infra's own report (``--json``: one JSON document).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import pickle
import re
import runpy
import select
import signal
import struct
import sys
import sysconfig
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from infra.errors import Problem, StackError, UsageError
from infra.model import Stack, display_path

__all__ = [
    "DEFAULT_LOAD_TIMEOUT",
    "LOAD_TIMEOUT_VARIABLE",
    "LoadResult",
    "load_stacks",
    "load_timeout",
    "stack_files",
]

DEFAULT_LOAD_TIMEOUT = 60.0  # seconds one stack file may run
LOAD_TIMEOUT_VARIABLE = "INFRA_LOAD_TIMEOUT"

# Modules whose classes and functions may come back from a child: importing them runs no code of
# the stack file's own. Anything else (a class defined in the stack file, a helper module next to
# it) would have to be imported, and so run, in the caller to unpickle.
_TRUSTED_PACKAGES = frozenset({"infra", "pydantic", "pydantic_core"})
_PASSABLE = (
    "allowed: infra's models holding str, int, float, bool, None, list, tuple and dict values"
)
_HEADER = struct.Struct("!Q")  # length of the child's message: a complete result needs no EOF
_CHILD_FAILED = 70  # the child's status when its own loader code failed (EX_SOFTWARE)
_BACKSTOP = 1.0  # seconds past the deadline at which an orphaned child ends itself
_GONE = -1  # wait status of a child reaped by someone else (SIGCHLD ignored, a reaper thread)


_Loaded = tuple[list[Stack], list[Problem]]  # one file's stacks and problems


@dataclass(frozen=True)
class LoadResult:
    stacks: tuple[tuple[str, Stack], ...]  # (display path of the defining file, stack)
    problems: tuple[Problem, ...]


def load_timeout(value: float | None = None) -> float:
    """Seconds a stack file may run: ``value`` if given, else ``$INFRA_LOAD_TIMEOUT``, else 60.

    Raises :class:`~infra.errors.UsageError` for a value that is not a positive number.
    """
    if value is not None:
        if not _positive(value):
            raise UsageError(
                f"load timeout: {value!r} is not a positive number of seconds "
                "(allowed: a number above 0, e.g. 60 or 2.5)"
            )
        return float(value)
    raw = os.environ.get(LOAD_TIMEOUT_VARIABLE, "")
    if not raw.strip():  # set but empty counts as unset, like INFRA_CATALOG_DIR
        return DEFAULT_LOAD_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not _positive(seconds):
        raise UsageError(
            f"{LOAD_TIMEOUT_VARIABLE}={raw!r} is not a positive number of seconds "
            "(allowed: a number above 0, e.g. 60 or 2.5)"
        )
    return seconds


def _positive(value: float) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


def stack_files(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files named, and every ``*.py`` directly in directories named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.py") if p.is_file())
            if not found:
                problems.append(Problem(raw, "", "", "no stack files (*.py) in this directory"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(raw, "", "", "no such file or directory"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return [Path(display_path(str(p))) for p in unique], problems


def load_stacks(paths: Sequence[str], *, timeout: float | None = None) -> LoadResult:
    """Run every stack file and collect the stacks they define.

    Each file may run ``timeout`` seconds (default: :func:`load_timeout`); an invalid limit raises
    :class:`~infra.errors.UsageError` before any file runs.
    """
    limit = load_timeout(timeout)
    files, problems = stack_files(paths)
    stacks: list[tuple[str, Stack]] = []
    for file, (found, file_problems) in zip(files, _load_files(files, limit), strict=True):
        stacks.extend((str(file), s) for s in found)
        problems.extend(file_problems)
    return LoadResult(tuple(stacks), tuple(problems))


def _load_files(files: Sequence[Path], timeout: float) -> list[_Loaded]:
    if not hasattr(os, "fork"):
        # No fork (Windows): the files run in this process. Their output still goes to stderr and
        # the process state they change is put back, but nothing stops a file that hangs or exits.
        results: list[_Loaded] = []
        for file in files:
            found, problems = _load_here(file, fatal=(KeyboardInterrupt, MemoryError))
            results.append(([stack for _, stack in found], problems))
        return results
    results = []
    while len(results) < len(files):
        # One child loads the files in turn: a fresh fork costs more than loading a file (every
        # page the file's code writes to is copied first). A file that ends or hangs its child
        # costs a new child for the files after it.
        results += _load_in_child(files[len(results) :], timeout)
    return results


def _load_here(
    file: Path, fatal: tuple[type[BaseException], ...]
) -> tuple[list[tuple[str, Stack]], list[Problem]]:
    """Run one file in this process: the stacks it defines, each with the name it has there
    (``stacks[1]``), and its problems."""
    with _restored_process_state(), _stack_file_io() as closed:
        found, problems = _run_file(file, fatal)
        problems += _closed_problems(str(file), closed())
    return found, [_clean(p) for p in problems]


# -- running one file (in the child, or here without fork) --------------------------------------


def _run_file(
    file: Path, fatal: tuple[type[BaseException], ...]
) -> tuple[list[tuple[str, Stack]], list[Problem]]:
    shown = str(file)
    # A unique module name per path: two files called llm.py in different folders both load,
    # and neither sees the other's globals.
    run_name = _run_name(file)
    try:
        namespace = runpy.run_path(shown, run_name=run_name)
    except StackError as exc:
        return [], [_in_file(p, shown) for p in exc.problems]
    except SyntaxError as exc:
        where = f"{shown}:{exc.lineno}" if exc.lineno else shown
        return [], [Problem(where, "", "", f"syntax error: {exc.msg}")]
    except SystemExit as exc:
        return [], [Problem(_line_in(file, exc), "", "", _exit_text(exc))]
    except fatal:
        raise
    except BaseException as exc:  # a stack file is user code: anything may come out of it
        return [], [Problem(_line_in(file, exc), "", "", _exception_text(exc))]

    has_stack, has_stacks = "stack" in namespace, "stacks" in namespace
    if not has_stack and not has_stacks:
        return [], [
            Problem(
                shown,
                "",
                "",
                "defines neither `stack` nor `stacks` (allowed: "
                "stack = Stack(...) or stacks = [Stack(...), ...])",
            )
        ]
    found: list[tuple[str, Stack]] = []
    problems: list[Problem] = []
    if has_stack:
        value = namespace["stack"]
        if isinstance(value, Stack):
            found.append(("stack", value))
        else:
            problems.append(
                Problem(shown, "", "stack", f"expected a Stack, got {type(value).__name__}")
            )
    if has_stacks:
        value = namespace["stacks"]
        if not isinstance(value, list | tuple):
            problems.append(
                Problem(
                    shown, "", "stacks", f"expected a list of Stack, got {type(value).__name__}"
                )
            )
        else:
            for index, item in enumerate(value):
                if isinstance(item, Stack):
                    found.append((f"stacks[{index}]", item))
                else:
                    problems.append(
                        Problem(
                            shown,
                            "",
                            f"stacks[{index}]",
                            f"expected a Stack, got {type(item).__name__}",
                        )
                    )
    return found, problems


def _run_name(file: Path) -> str:
    return "infra_stack_" + hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:12]


def _in_file(problem: object, file: str) -> Problem:
    # A stack file may raise StackError itself, with anything inside.
    if not isinstance(problem, Problem):
        return Problem(file, "", "", _text(problem))
    return Problem(file, _text(problem.stack), _text(problem.path), _text(problem.message))


def _clean(problem: Problem) -> Problem:
    """Every field a plain ``str``: user code supplies some, maybe as str subclasses of its own,
    which the caller could not unpickle. (Problem.__str__ keeps each problem one line.)"""
    fields = (problem.file, problem.stack, problem.path, problem.message)
    return Problem(*(str.__str__(field) for field in fields))


def _line_in(file: Path, exc: BaseException) -> str:
    """``file:line`` of the innermost traceback frame inside the stack file itself."""
    target = os.path.realpath(file)
    line = None
    with contextlib.suppress(Exception):
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.realpath(frame.filename) == target:
                line = frame.lineno
    return f"{file}:{line}" if line else str(file)


def _exception_text(exc: BaseException) -> str:
    try:
        text = str(exc).strip().splitlines()
    except KeyboardInterrupt:
        raise
    except BaseException:  # the exception's own __str__ is user code too
        text = ["<str() failed>"]
    # ImportError names the module's file on disk: machine-specific noise in a one-line error.
    detail = re.sub(r" \([^()]*[/\\][^()]*\)$", "", text[0]) if text else ""
    name = type(exc).__name__
    return f"{name}: {detail}" if detail else name


def _exit_text(exc: SystemExit) -> str:
    code = exc.code
    if code is None or isinstance(code, int):
        call = f"sys.exit({'' if code is None else _text(code)})"  # ints past 4300 digits raise
    else:  # sys.exit("message"): the message is the reason
        call = f"sys.exit() ({_exception_text(exc).removeprefix('SystemExit: ')})"
    return f"stack file called {call} before it finished; {_RUN_TO_THE_END}"


_RUN_TO_THE_END = "a stack file must run to its end and define `stack` or `stacks`"


def _text(value: object) -> str:
    try:
        return str(value)
    except KeyboardInterrupt:
        raise
    except BaseException:
        return "<str() failed>"


def _closed_problems(shown: str, closed: Sequence[str]) -> list[Problem]:
    return [
        Problem(
            shown,
            "",
            "",
            f"stack file closed {name} (sys.{name}.close() or os.close({fd})); "
            f"a stack file may write to {name} but must not close it",
        )
        for name, fd in (("stdout", 1), ("stderr", 2))
        if name in closed
    ]


@contextlib.contextmanager
def _stack_file_io() -> Iterator[Callable[[], list[str]]]:
    """While a stack file runs: stdout, at the Python and the file-descriptor level, is stderr,
    and stdin is empty. Yields a check naming the standard streams the file closed."""
    _flush_standard_streams()
    saved = (sys.stdin, sys.stdout, sys.stderr)
    saved_fds = {fd: _dup(fd) for fd in (0, 1, 2)}
    # (name, fd, the interpreter's own stream on it, whether both were open before)
    watched = [
        (name, fd, original, _fd_open(fd) and original is not None and not original.closed)
        for name, fd, original in (("stdout", 1, sys.__stdout__), ("stderr", 2, sys.__stderr__))
    ]
    with contextlib.suppress(OSError):
        os.dup2(2, 1)
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (closed below)
    writers = {"stdout": _stderr_writer(), "stderr": _stderr_writer()}
    sys.stdin, sys.stdout, sys.stderr = stdin, writers["stdout"], writers["stderr"]

    def closed() -> list[str]:
        return [
            name
            for name, fd, original, was_open in watched
            if writers[name].closed
            or (was_open and (not _fd_open(fd) or original is None or original.closed))
        ]

    try:
        yield closed
    finally:
        # Before fd 1 is stdout again: what the file left in the interpreter's buffers is its own.
        for _, _, original, _ in watched:
            if original is not None:
                with contextlib.suppress(Exception):
                    original.flush()
        stdin.close()
        sys.stdin, sys.stdout, sys.stderr = saved
        for fd, copy in saved_fds.items():
            if copy is None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            else:
                os.dup2(copy, fd)
                os.close(copy)


def _stderr_writer() -> io.TextIOWrapper:
    # Unbuffered, like ``python -u``: Python-level output keeps its order with fd-level writes and
    # subprocesses, and nothing is left in a buffer when the child ends with os._exit.
    encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
    try:
        raw: IO[bytes] = io.FileIO(2, "w", closefd=False)
    except OSError:  # no stderr at all: the output goes nowhere, as it would have
        raw = open(os.devnull, "wb", buffering=0)  # noqa: SIM115 (lives as long as the writer)
    return io.TextIOWrapper(raw, encoding=encoding, errors="backslashreplace", write_through=True)


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.flush()


def _dup(fd: int) -> int | None:
    try:
        return os.dup(fd)
    except OSError:
        return None


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


# -- after each file: the process as it was (for the next file, or the caller without fork) ----


@contextlib.contextmanager
def _restored_process_state() -> Iterator[None]:
    cwd = os.getcwd()
    lists = {name: getattr(sys, name) for name in ("path", "argv", "meta_path", "path_hooks")}
    contents = {name: list(value) for name, value in lists.items()}
    modules = set(sys.modules)
    environ, environ_items = os.environ, dict(os.environ)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # the file may have removed it
            os.chdir(cwd)
        for name, value in lists.items():
            value[:] = contents[name]
            setattr(sys, name, value)
        for name in set(sys.modules) - modules:
            # The file's own helper modules go, so the next file imports its own; libraries stay
            # (importing some twice in one process fails).
            if not _trusted_module(name) and not _installed(sys.modules[name]):
                del sys.modules[name]
        os.environ = environ  # noqa: B003 (the mapping itself, should the file replace it)
        for key in set(environ) - set(environ_items):
            del environ[key]
        for key, value in environ_items.items():
            if environ.get(key) != value:
                environ[key] = value


def _installed(module: object) -> bool:
    try:
        file = getattr(module, "__file__", None)
    except Exception:
        return False
    if not isinstance(file, str):
        return getattr(getattr(module, "__spec__", None), "origin", None) in {"built-in", "frozen"}
    roots = {sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    absolute = os.path.abspath(file)
    return any(absolute.startswith(os.path.join(root, "")) for root in roots if root)


# -- in a forked child -------------------------------------------------------------------------


def _load_in_child(files: Sequence[Path], timeout: float) -> list[_Loaded]:
    """Load ``files`` in one child, in turn, until one of them ends or hangs it: the results of
    the files loaded, that one included (at least one result)."""
    _flush_standard_streams()  # else the child would write the caller's pending output again
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        return [([], [Problem(str(files[0]), "", "", f"cannot start a process to load it: {exc}")])]
    if pid == 0:  # the child must never return into the caller (a CLI, a test runner)
        try:
            os.close(read_fd)
            _child(files, write_fd, timeout)
        finally:
            os._exit(_CHILD_FAILED)
    os.close(write_fd)

    results: list[_Loaded] = []
    status: int | None = None
    try:
        channel = _Channel(read_fd)
        for file in files:
            deadline = time.monotonic() + timeout
            message = channel.receive(deadline)
            if message is None:
                break
            results.append(_unpack(str(file), message))
        # Having sent its last result the child is in os._exit. Otherwise it closed the pipe or
        # exec'd and may run on, so it gets only until the deadline.
        status = _wait(pid, None if len(results) == len(files) else deadline)
    except TimeoutError:
        pass
    finally:
        os.close(read_fd)
        killed = status is None  # the deadline passed, or the caller was interrupted (Ctrl-C)
        if killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = _wait(pid, None)
    if len(results) < len(files):
        assert status is not None
        problem = Problem(str(files[len(results)]), "", "", _ending(status, killed, timeout))
        results.append(([], [problem]))
    return results


def _ending(status: int, killed: bool, timeout: float) -> str:
    """Why a child gave no result for the file it was loading."""
    alarm = status != _GONE and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM
    if killed or alarm:  # stopped here, or by its own backstop timer
        return (
            f"stack file still running after {timeout:g} s; stopped "
            f"(raise the limit with --load-timeout or {LOAD_TIMEOUT_VARIABLE})"
        )
    if status == _GONE:
        how = "status unknown"
    elif (code := os.waitstatus_to_exitcode(status)) >= 0:
        how = f"exit status {code}"
    else:
        try:
            how = f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    return f"stack file ended its process ({how}) before it finished; {_RUN_TO_THE_END}"


def _child(files: Sequence[Path], write_fd: int, timeout: float) -> NoReturn:
    status = _CHILD_FAILED
    try:
        me = os.getpid()
        _child_signals()
        for file in files:
            # If the caller dies without stopping it, the child still ends soon after the deadline.
            with contextlib.suppress(OverflowError, ValueError, OSError):
                signal.setitimer(signal.ITIMER_REAL, timeout + _BACKSTOP)
            # Even KeyboardInterrupt is the file's problem here: Ctrl-C reaches the caller too.
            found, problems = _load_here(file, fatal=())
            # A stack file that forks runs on in its own child, which comes back here too: only
            # the loader's child answers.
            if os.getpid() != me:
                break
            _send(write_fd, _pack(file, found, problems))
        else:
            status = 0
    finally:
        # Nothing may run after the last result is sent: the parent then waits without a deadline.
        os._exit(status)


def _child_signals() -> None:
    # The caller's Python handlers (its cleanup, a test runner's timeout) are not the child's;
    # ignored signals stay ignored (nohup).
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        handler = signal.getsignal(number)
        if callable(handler) and handler is not signal.default_int_handler:
            default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            signal.signal(number, default)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the backstop timer must end the child


def _pack(file: Path, found: Sequence[tuple[str, Stack]], problems: list[Problem]) -> bytes:
    shown, run_name = str(file), _run_name(file)
    blobs: list[tuple[str, bytes]] = []
    for label, stack in found:
        buffer = io.BytesIO()
        try:
            _CheckedPickler(buffer, run_name).dump(stack)
        except _Unpassable as exc:
            problems.append(Problem(shown, "", label, str(exc)))
        except Exception as exc:  # arbitrary objects inside a model_construct()ed stack
            problems.append(Problem(shown, "", label, _cannot_pass(exc)))
        else:
            blobs.append((label, buffer.getvalue()))
    rows = [(p.file, p.stack, p.path, p.message) for p in problems]
    return pickle.dumps((blobs, rows), protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(shown: str, message: bytes) -> tuple[list[Stack], list[Problem]]:
    try:
        blobs, rows = _loads(message)
        problems = [Problem(*(_plain(field) for field in row)) for row in rows]
        items = [(_plain(label), blob) for label, blob in blobs]
        if not all(isinstance(blob, bytes) for _, blob in items):
            raise TypeError("not a stack")
    except Exception as exc:  # the file wrote into the loader's pipe itself
        return [], [Problem(shown, "", "", f"unreadable result: {_exception_text(exc)}")]
    found: list[Stack] = []
    for label, blob in items:
        try:
            value = _loads(blob)
        except Exception as exc:
            problems.append(Problem(shown, "", label, _cannot_pass(exc)))
            continue
        if isinstance(value, Stack):
            found.append(value)
        else:
            problems.append(
                Problem(shown, "", label, f"expected a Stack, got {type(value).__name__}")
            )
    return found, problems


def _plain(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    return value


def _cannot_pass(exc: Exception) -> str:
    if isinstance(exc, _Unpassable):
        return str(exc)
    return f"cannot pass this value out of the stack file: {_exception_text(exc)}"


class _Unpassable(Exception):
    """A value only the stack file's own process can rebuild."""


def _trusted_module(name: str) -> bool:
    top = name.partition(".")[0]
    return top in _TRUSTED_PACKAGES or top in sys.stdlib_module_names


def _refuse(module: object, name: str, run_name: str) -> _Unpassable:
    if module == run_name:
        what = f"{name} (defined in the stack file)"
    else:
        what = f"{module}.{name}" if isinstance(module, str) else name
    return _Unpassable(f"cannot pass {what} out of the stack file ({_PASSABLE})")


class _CheckedPickler(pickle.Pickler):
    """Refuses, with a readable reason, what :class:`_TrustedUnpickler` would refuse."""

    def __init__(self, file: IO[bytes], run_name: str) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._run_name = run_name

    def reducer_override(self, obj: Any) -> Any:
        by_name = isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType)
        owner = obj if by_name else type(obj)
        module = getattr(owner, "__module__", None)
        if not isinstance(module, str) or not _trusted_module(module):
            name = getattr(owner, "__qualname__", None) or getattr(owner, "__name__", "?")
            raise _refuse(module, str(name), self._run_name)
        return NotImplemented


class _TrustedUnpickler(pickle.Unpickler):
    """Rebuilds only classes of modules the caller has already imported and trusts: unpickling
    must neither import nor run the stack file's code here."""

    def find_class(self, module: str, name: str) -> Any:
        if _trusted_module(module) and module in sys.modules:
            return super().find_class(module, name)
        raise _refuse(module, name, "")


def _loads(data: bytes) -> Any:
    return _TrustedUnpickler(io.BytesIO(data)).load()


def _send(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


class _Channel:
    """The parent's end of the pipe: one length-prefixed message per file, so that a complete
    result needs no EOF (a process the stack file started may hold the pipe open)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)
        self._buffer = bytearray()

    def receive(self, deadline: float) -> bytes | None:
        """The next message; None if the pipe closed first. Raises TimeoutError at ``deadline``."""
        while (end := self._end()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            # Capped: poll() takes an int of milliseconds, and a huge limit would overflow it.
            if not self._poller.poll(math.ceil(min(remaining, 3600.0) * 1000)):
                continue
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        message = bytes(self._buffer[_HEADER.size : end])
        del self._buffer[:end]
        return message

    def _end(self) -> int | None:
        if len(self._buffer) < _HEADER.size:
            return None
        end = _HEADER.size + int(_HEADER.unpack_from(self._buffer)[0])
        return end if len(self._buffer) >= end else None


def _wait(pid: int, deadline: float | None) -> int | None:
    """The child's wait status; None if it still runs at ``deadline`` (None: wait for it)."""
    delay = 0.001
    while True:
        try:
            done, status = os.waitpid(pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError:
            return _GONE
        if done:
            return status
        assert deadline is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)
