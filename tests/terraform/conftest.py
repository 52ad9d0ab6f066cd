from __future__ import annotations

import subprocess
from pathlib import Path

from infra.terraform.binary import terraform_env


def run_terraform(
    terraform: tuple[str, ...], cwd: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run Terraform in ``cwd``; fail the test with its output unless it succeeds."""
    result = subprocess.run(
        [*terraform, *args],
        cwd=cwd,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"terraform {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result
