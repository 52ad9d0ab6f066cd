"""checkov over the rendered example stacks: no failed check, and every skip says why.

The quality bar: "checkov passes, and any skip is justified inline". The examples in
stacks/ are rendered with the real CLI (roots plus the module copies they call) and scanned by
the checkov named in ``$INFRA_CHECKOV`` (``make test`` points it at the pinned install in
.tools/checkov, which has its own virtual environment because checkov pins its own boto3).
Without it the scan skips with that reason; the inline-reason check over modules/ always runs.

A skip is written on the resource it concerns, with a specific reason after the check id:
``#checkov:skip=CKV_AWS_18:access logs go to ...``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

MODULES = ROOT / "modules"
CHECKOV = os.environ.get("INFRA_CHECKOV", "")
# Anything mentioning a checkov skip, so a malformed one cannot slip past the strict pattern.
SKIP_MENTION = re.compile(r"checkov:skip", re.IGNORECASE)
SKIP = re.compile(r"#\s*checkov:skip=(?P<id>CKV2?_[A-Z0-9]+_\d+)(?::(?P<reason>.*))?$")
MIN_REASON = 15  # characters: "not needed" is not a reason


def _checkov_usable() -> bool:
    return bool(CHECKOV) and Path(CHECKOV).is_file() and os.access(CHECKOV, os.X_OK)


needs_checkov = pytest.mark.skipif(
    not _checkov_usable(),
    reason="INFRA_CHECKOV is unset or not an executable checkov (make checkov installs one "
    "in .tools/checkov; make test sets INFRA_CHECKOV)",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("checkov") / "build"
    result = run_cli("render", str(ROOT / "stacks"), "-o", str(out), "--target", "terraform")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def report(rendered: Path) -> dict[str, Any]:
    """checkov's JSON report for the rendered tree (one framework: terraform)."""
    result = subprocess.run(
        [
            CHECKOV,
            "--directory",
            str(rendered),
            "--framework",
            "terraform",
            "--output",
            "json",
            "--compact",
            "--skip-download",  # offline: no guidelines or severities from the platform
        ],
        capture_output=True,
        text=True,
        cwd=rendered,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        timeout=600,
        check=False,
    )
    # 0: no failed check, 1: some failed; anything else is checkov itself failing.
    assert result.returncode in (0, 1), f"checkov exited {result.returncode}:\n{result.stderr}"
    document = json.loads(result.stdout)
    reports = document if isinstance(document, list) else [document]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    assert len(terraform) == 1, f"expected one terraform report, got {len(terraform)}"
    found: dict[str, Any] = terraform[0]
    return found


def _where(check: Mapping[str, Any]) -> str:
    lines = check.get("file_line_range") or ["?", "?"]
    caller = check.get("caller_file_path")
    via = f" (called from {caller})" if caller else ""
    return f"{check['file_path']}:{lines[0]}-{lines[1]} {check['resource']}{via}"


@needs_checkov
def test_rendered_examples_pass_checkov(report: Mapping[str, Any]) -> None:
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, report["results"].get("parsing_errors")
    assert summary["passed"] > 0, "checkov scanned nothing: did the render produce roots?"

    failed = report["results"]["failed_checks"]
    listing = "\n".join(
        sorted(f"{c['check_id']} {c['check_name']}\n    at {_where(c)}" for c in failed)
    )
    if failed:
        pytest.fail(
            f"{len(failed)} failed checkov check(s); fix them in the module or skip them inline "
            f"on the resource with a reason (#checkov:skip=ID:reason):\n{listing}",
            pytrace=False,
        )


@needs_checkov
def test_every_rendered_module_is_scanned(report: Mapping[str, Any], rendered: Path) -> None:
    """A cluster or state-backend module checkov did not read would pass silently."""
    results = report["results"]
    scanned = {
        c["file_path"].split("/")[2]
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for c in results[kind]
        if c["file_path"].startswith("/modules/")
    }
    rendered_modules = {
        p.name
        for p in (rendered / "modules").iterdir()
        if p.name.endswith("-gpu-cluster") or p.name.startswith("state-backend-")
    }
    assert rendered_modules, "the render holds no module copies"
    assert rendered_modules <= scanned, (
        f"no checkov results for {sorted(rendered_modules - scanned)}"
    )


@needs_checkov
def test_every_applied_skip_has_a_reason(report: Mapping[str, Any]) -> None:
    vague = [
        f"{c['check_id']} at {_where(c)}"
        for c in report["results"]["skipped_checks"]
        if len((c["check_result"].get("suppress_comment") or "").strip()) < MIN_REASON
    ]
    if vague:
        pytest.fail("skipped without a specific reason:\n" + "\n".join(vague), pytrace=False)


def _skip_lines() -> Iterator[tuple[Path, int, str]]:
    for path in sorted(MODULES.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if SKIP_MENTION.search(line):
                yield path, number, line.strip()


def test_module_skips_carry_reasons() -> None:
    problems = []
    for path, number, line in _skip_lines():
        where = f"{path.relative_to(ROOT)}:{number}"
        match = SKIP.search(line)
        if match is None:
            problems.append(f"{where}: not of the form #checkov:skip=ID:reason: {line}")
            continue
        reason = (match.group("reason") or "").strip()
        if len(reason) < MIN_REASON:
            problems.append(f"{where}: {match.group('id')} needs a specific reason: {line}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_skip_pattern() -> None:
    good = "  #checkov:skip=CKV_AWS_144:replicated by modules/dr-<cloud> when the stack has DR"
    match = SKIP.search(good)
    assert match and match.group("id") == "CKV_AWS_144"
    assert SKIP.search("#checkov:skip=CKV2_AZURE_21:logged by a diagnostic setting instead")
    bare = SKIP.search("#checkov:skip=CKV_AWS_18")
    assert bare is not None and bare.group("reason") is None
    assert SKIP.search("# checkov:skip CKV_AWS_18 no colon") is None
