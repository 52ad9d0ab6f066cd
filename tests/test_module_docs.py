"""Every module README's inputs table matches its variables.tf (regenerate: tools/module_docs.py)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MODULES = REPO_ROOT / "modules"


def _load_module_docs() -> ModuleType:
    path = REPO_ROOT / "tools" / "module_docs.py"
    spec = importlib.util.spec_from_file_location("module_docs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


module_docs = _load_module_docs()
MODULE_DIRS = module_docs.module_dirs(MODULES)


def test_all_modules_have_docs() -> None:
    assert len(MODULE_DIRS) == 9
    assert all((m / "README.md").is_file() for m in MODULE_DIRS)


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_readme_inputs_table_is_fresh(module: Path) -> None:
    stale = module_docs.stale_readmes([module], write=False)
    assert not stale, f"{module.name}/README.md is stale: run python tools/module_docs.py"


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_every_variable_is_in_the_table(module: Path) -> None:
    readme = (module / "README.md").read_text()
    table = readme[readme.index(module_docs.BEGIN) : readme.index(module_docs.END)]
    names = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    variables = (module / "variables.tf").read_text().count('variable "')
    assert len(names) == variables


def test_detects_and_fixes_a_stale_table(tmp_path: Path) -> None:
    module = tmp_path / "state-backend-aws"
    shutil.copytree(MODULES / "state-backend-aws", module)
    variables = module / "variables.tf"
    variables.write_text(variables.read_text().replace("Tags added", "Labels added"))

    assert module_docs.stale_readmes([module], write=False) == [module / "README.md"]
    assert module_docs.main(["--check", str(module)]) == 1
    assert module_docs.main([str(module)]) == 0
    assert "Labels added to every resource." in (module / "README.md").read_text()
    assert module_docs.stale_readmes([module], write=False) == []


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "variables.tf").write_text(
        'variable "x" {\n  type        = string\n  description = "X."\n}\n'
    )
    (module / "README.md").write_text("# m\n")
    with pytest.raises(module_docs.ModuleDocsError, match="markers"):
        module_docs.stale_readmes([module], write=False)
