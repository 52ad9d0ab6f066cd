"""The corpus of bad stack files: each names its exact error lines in ``# expect:`` comments.

Every file must give exactly those lines (file, stack, field path, message), exit 1, no
traceback, and leave nothing on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main

CORPUS = sorted((Path(__file__).parent / "bad_stacks").glob("*.py"))


def expected_lines(path: Path, shown: str) -> list[str]:
    return [
        line.removeprefix("# expect: ").replace("{file}", shown)
        for line in path.read_text().splitlines()
        if line.startswith("# expect: ")
    ]


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
@pytest.mark.usefixtures("test_catalog_env")
def test_bad_stack(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = expected_lines(path, str(path))
    assert expected, f"{path.name} has no '# expect:' line"
    monkeypatch.chdir(tmp_path)
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    problems = [line for line in err.splitlines() if not line.startswith("infra: ")]
    assert code == 1
    assert problems == expected
    assert "Traceback" not in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []
