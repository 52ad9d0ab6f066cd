"""Every module README's inputs and outputs tables match its variables.tf and outputs.tf.

Regenerate them with ``python tools/module_docs.py``.
"""

from __future__ import annotations

import importlib.util
import re
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

VARIABLE = 'variable "x" {\n  type        = string\n  description = "X."\n}\n'
OUTPUT = 'output "y" {\n  description = "Y."\n  value       = var.x\n}\n'
README = (
    "# m\n\n## Inputs\n\n<!-- BEGIN_INPUTS -->\n<!-- END_INPUTS -->\n\n"
    "## Outputs\n\n<!-- BEGIN_OUTPUTS -->\n<!-- END_OUTPUTS -->\n"
)


def _section(readme: str, begin: str, end: str) -> str:
    return readme[readme.index(begin) + len(begin) : readme.index(end)].strip("\n")


def _table_names(section: str) -> list[str]:
    return [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]


def _declared(tf_file: Path, kind: str) -> list[str]:
    return re.findall(rf'^{kind} "([^"]+)"', tf_file.read_text(), re.MULTILINE)


def _module(tmp_path: Path, *, variables: str = VARIABLE, outputs: str = OUTPUT) -> Path:
    module = tmp_path / "m"
    module.mkdir()
    (module / "variables.tf").write_text(variables)
    (module / "outputs.tf").write_text(outputs)
    (module / "README.md").write_text(README)
    return module


def test_all_modules_have_docs() -> None:
    assert len(MODULE_DIRS) == 10
    assert all((m / "README.md").is_file() for m in MODULE_DIRS)
    assert all((m / "outputs.tf").is_file() for m in MODULE_DIRS)


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_readme_is_fresh(module: Path) -> None:
    stale = module_docs.stale_readmes([module], write=False)
    assert not stale, f"{module.name}/README.md is stale: run python tools/module_docs.py"


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_readme_inputs_table_is_fresh(module: Path) -> None:
    readme = (module / "README.md").read_text()
    section = _section(readme, module_docs.BEGIN_INPUTS, module_docs.END_INPUTS)
    assert section == module_docs.inputs_table(module / "variables.tf"), (
        f"{module.name}/README.md inputs table is stale: run python tools/module_docs.py"
    )


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_readme_outputs_table_is_fresh(module: Path) -> None:
    readme = (module / "README.md").read_text()
    section = _section(readme, module_docs.BEGIN_OUTPUTS, module_docs.END_OUTPUTS)
    assert section == module_docs.outputs_table(module / "outputs.tf"), (
        f"{module.name}/README.md outputs table is stale: run python tools/module_docs.py"
    )


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_every_variable_is_in_the_table(module: Path) -> None:
    readme = (module / "README.md").read_text()
    section = _section(readme, module_docs.BEGIN_INPUTS, module_docs.END_INPUTS)
    variables = _declared(module / "variables.tf", "variable")
    assert variables
    assert _table_names(section) == variables


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_every_output_is_in_the_table(module: Path) -> None:
    readme = (module / "README.md").read_text()
    section = _section(readme, module_docs.BEGIN_OUTPUTS, module_docs.END_OUTPUTS)
    outputs = _declared(module / "outputs.tf", "output")
    assert outputs
    assert _table_names(section) == outputs


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_outputs_table_is_the_outputs_section(module: Path) -> None:
    readme = (module / "README.md").read_text()
    outputs = readme[readme.index("## Outputs") :]
    assert outputs.index(module_docs.BEGIN_OUTPUTS) < outputs.index(module_docs.END_OUTPUTS)
    assert "## Outputs" not in outputs[1:]
    assert readme.index(module_docs.END_INPUTS) < readme.index("## Outputs")


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


def test_detects_and_fixes_a_stale_outputs_table(tmp_path: Path) -> None:
    module = tmp_path / "state-backend-aws"
    shutil.copytree(MODULES / "state-backend-aws", module)
    outputs = module / "outputs.tf"
    outputs.write_text(
        outputs.read_text().replace("State bucket ARN.", "ARN of the state bucket.")
        + 'output "extra" {\n  description = "Added later."\n  value       = 1\n}\n'
    )

    assert module_docs.stale_readmes([module], write=False) == [module / "README.md"]
    assert module_docs.main(["--check", str(module)]) == 1
    assert module_docs.main([str(module)]) == 0
    readme = (module / "README.md").read_text()
    assert "| `bucket_arn` | ARN of the state bucket. | no |" in readme
    assert readme.rstrip().endswith("| `extra` | Added later. | no |\n<!-- END_OUTPUTS -->")
    assert module_docs.stale_readmes([module], write=False) == []


def test_generates_both_tables(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        outputs=OUTPUT
        + 'output "token" {\n  description = "A <secret> | token."\n'
        + "  value       = var.x\n  sensitive   = true\n}\n",
    )
    assert module_docs.main([str(module)]) == 0
    readme = (module / "README.md").read_text()
    assert _section(readme, module_docs.BEGIN_INPUTS, module_docs.END_INPUTS).endswith(
        "| `x` | X. | `string` | n/a | yes |"
    )
    assert _section(readme, module_docs.BEGIN_OUTPUTS, module_docs.END_OUTPUTS) == (
        "| Name | Description | Sensitive |\n"
        "| --- | --- | :---: |\n"
        "| `y` | Y. | no |\n"
        "| `token` | A &lt;secret&gt; \\| token. | yes |"
    )


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (module / "README.md").write_text("# m\n")
    with pytest.raises(module_docs.ModuleDocsError, match="markers"):
        module_docs.stale_readmes([module], write=False)


def test_missing_outputs_markers_are_an_error(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (module / "README.md").write_text("# m\n\n<!-- BEGIN_INPUTS -->\n<!-- END_INPUTS -->\n")
    with pytest.raises(module_docs.ModuleDocsError, match=r"BEGIN_OUTPUTS.*markers"):
        module_docs.stale_readmes([module], write=False)
    assert module_docs.main(["--check", str(module)]) == 1


@pytest.mark.parametrize(
    "readme",
    [
        README.replace("<!-- END_OUTPUTS -->\n", ""),
        README + "<!-- BEGIN_OUTPUTS -->\n<!-- END_OUTPUTS -->\n",
        README.replace(
            "<!-- BEGIN_OUTPUTS -->\n<!-- END_OUTPUTS -->",
            "<!-- END_OUTPUTS -->\n<!-- BEGIN_OUTPUTS -->",
        ),
        "<!-- BEGIN_INPUTS -->\n<!-- BEGIN_OUTPUTS -->\n<!-- END_INPUTS -->\n<!-- END_OUTPUTS -->\n",
    ],
    ids=["no-end", "twice", "reversed", "overlapping"],
)
def test_bad_outputs_markers_are_an_error(tmp_path: Path, readme: str) -> None:
    module = _module(tmp_path)
    (module / "README.md").write_text(readme)
    with pytest.raises(module_docs.ModuleDocsError, match="markers"):
        module_docs.stale_readmes([module], write=False)


def test_output_without_description_is_an_error(tmp_path: Path) -> None:
    module = _module(tmp_path, outputs=OUTPUT + 'output "bare" {\n  value = 1\n}\n')
    with pytest.raises(module_docs.ModuleDocsError, match=r"outputs\.tf: output 'bare' needs"):
        module_docs.stale_readmes([module], write=False)
    assert module_docs.main(["--check", str(module)]) == 1
    assert module_docs.main([str(module)]) == 1
    assert (module / "README.md").read_text() == README


def test_missing_outputs_tf_is_an_error(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (module / "outputs.tf").unlink()
    with pytest.raises(module_docs.ModuleDocsError, match=r"no outputs\.tf"):
        module_docs.stale_readmes([module], write=False)
