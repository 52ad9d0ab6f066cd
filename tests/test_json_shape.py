"""One JSON shape: every ``--json`` document has ``ok`` and ``problems``, also on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main
from tests.conftest import ROOT

MINIMAL = str(ROOT / "stacks" / "minimal.py")
LLM = str(ROOT / "stacks" / "llm_train.py")
BAD = str(ROOT / "tests" / "bad_stacks" / "gpu_unknown.py")
PROBLEM_KEYS = {"file", "stack", "path", "message"}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    document = json.loads(out)  # exactly one document on stdout
    assert isinstance(document, dict)
    assert isinstance(document["ok"], bool)
    problems = document["problems"]
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, dict) and set(problem) >= PROBLEM_KEYS
        assert all(isinstance(problem[key], str) for key in PROBLEM_KEYS)
    assert document["ok"] is (code == 0)
    return code, document


@pytest.mark.parametrize(
    "args",
    [
        ("validate", MINIMAL),
        ("cost", MINIMAL),
        ("catalog", "--gpu", "H100"),
        ("catalog", "--sources"),
        ("schema",),
        ("dr", "check", LLM),
        ("dr", "plan", LLM, "--fail", "aws:us-east-1"),
    ],
    ids=lambda a: " ".join(Path(part).name for part in a),
)
def test_successful_documents(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, document = run_json(capsys, *args)
    assert code == 0 and document["ok"] is True and document["problems"] == []


def test_render_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, document = run_json(capsys, "render", MINIMAL, "-o", str(tmp_path / "out"))
    assert code == 0 and document["ok"] is True and "manifest" in document


@pytest.mark.parametrize(
    "args",
    [
        ("validate", BAD),
        ("cost", BAD),
        ("dr", "check", BAD),
        ("dr", "plan", BAD, "--fail", "x"),
        ("catalog", "--gpu", "H10"),  # usage error
        ("dr", "plan", LLM, "--fail", "nowhere"),  # unknown outage
        ("validate", "--no-such-flag"),  # argparse
        ("dr", "check", LLM, "--scope", "cloud"),  # infeasible outages
        ("dr", "plan", LLM, "--fail", "aws"),  # an infeasible plan
    ],
    ids=lambda a: " ".join(Path(part).name for part in a),
)
def test_failures_are_documents_too(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, document = run_json(capsys, *args)
    assert code in (1, 2)
    assert document["ok"] is False
    assert document["problems"], "a failure names its problems"


def test_render_into_a_refused_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "mine.txt").write_text("x")
    code, document = run_json(capsys, "render", MINIMAL, "-o", str(tmp_path))
    assert code == 1 and document["ok"] is False
    (problem,) = document["problems"]
    assert isinstance(problem, dict) and "refusing to render here" in problem["message"]


def test_catalog_dir_that_does_not_exist_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from infra.catalog import default_catalog

    monkeypatch.setenv("INFRA_CATALOG_DIR", str(tmp_path / "missing"))
    default_catalog.cache_clear()
    try:
        code, document = run_json(capsys, "validate", MINIMAL)
    finally:
        default_catalog.cache_clear()
    assert code == 1
    (problem,) = document["problems"]
    assert isinstance(problem, dict)
    assert problem["message"].startswith("INFRA_CATALOG_DIR: catalog: ")
    assert "is not a directory" in problem["message"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from infra import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"infra {__version__}\n"
