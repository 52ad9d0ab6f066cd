"""The rendered Pulumi project: its files, determinism, and that it needs no Pulumi to render."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import __version__
from infra.catalog import default_catalog
from infra.inputs import cluster_module_inputs
from infra.pulumi.emit import PROVIDER_REQUIREMENTS, PULUMI_REQUIREMENT, pulumi_files
from infra.render import TARGETS, deployed
from infra.resolve import ResolvedStack
from tests.conftest import ROOT
from tests.pulumi.conftest import EXAMPLE_STACKS, stack_json
from tests.pulumi.inventory import module_calls, root_variables


def test_pulumi_is_a_render_target() -> None:
    assert "pulumi" in TARGETS


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_project_files(
    stack: str, rendered: Path, example_stacks: dict[str, ResolvedStack]
) -> None:
    environment = example_stacks[stack].environment
    project = rendered / "pulumi" / stack
    assert sorted(p.name for p in project.iterdir()) == sorted(
        [
            "Pulumi.yaml",
            f"Pulumi.{environment}.yaml",
            "__main__.py",
            "requirements.txt",
            "stack.json",
        ]
    )
    pulumi_yaml = (project / "Pulumi.yaml").read_text()
    assert f'name: "{stack}"' in pulumi_yaml
    assert "runtime:\n  name: python\n" in pulumi_yaml
    assert re.search(r'^description: ".+"$', pulumi_yaml, re.MULTILINE)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_stack_json_holds_the_inputs_the_terraform_roots_pass(stack: str, rendered: Path) -> None:
    document = stack_json(rendered, stack)
    assert document["schema_version"] == 2 and document["stack"] == stack
    for cluster in document["clusters"]:
        root = rendered / "terraform" / stack / cluster["name"]
        call = dict(module_calls(root / "main.tf")["cluster"])
        del call["source"]
        assert cluster["inputs"] == call, f"{cluster['name']}: stack.json and main.tf disagree"


def test_stack_json_is_cluster_module_inputs(example_stacks: dict[str, ResolvedStack]) -> None:
    catalog = default_catalog()
    for stack in example_stacks.values():
        files = pulumi_files(deployed(stack, catalog), catalog)
        document = json.loads(files[f"pulumi/{stack.name}/stack.json"])
        expected = [
            {
                "name": c.name,
                "cloud": c.cloud,
                "region": c.region,
                "inputs": cluster_module_inputs(stack, c),
            }
            for c in deployed(stack, catalog).clusters
        ]
        assert document["clusters"] == json.loads(json.dumps(expected))


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_nothing_machine_specific(stack: str, rendered: Path) -> None:
    for path in (rendered / "pulumi" / stack).iterdir():
        text = path.read_text()
        assert str(ROOT) not in text and str(rendered) not in text, path.name
        assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text), f"timestamp in {path.name}"
    document = stack_json(rendered, stack)
    text = (rendered / "pulumi" / stack / "stack.json").read_text()
    assert text == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert "file" not in document  # the stack file's path is not needed to run the project


def test_render_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env.pop("INFRA_CATALOG_DIR", None)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "infra",
                "render",
                "stacks/",
                "-o",
                str(out),
                "--target",
                "pulumi",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        outputs.append(
            {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        )
    assert outputs[0] == outputs[1]
    assert any(str(p).startswith("pulumi/") for p in outputs[0])


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_requirements_pin_infra_and_only_the_providers_used(stack: str, rendered: Path) -> None:
    lines = [
        line
        for line in (rendered / "pulumi" / stack / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    clouds = sorted({c["cloud"] for c in stack_json(rendered, stack)["clusters"]})
    assert lines == [f"infra=={__version__}", PULUMI_REQUIREMENT] + [
        PROVIDER_REQUIREMENTS[c] for c in clouds
    ]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_stack_config_is_config_only(
    stack: str, rendered: Path, example_stacks: dict[str, ResolvedStack]
) -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML (a Pulumi dependency) reads the config")
    path = rendered / "pulumi" / stack / f"Pulumi.{example_stacks[stack].environment}.yaml"
    config: dict[str, Any] = yaml.safe_load(path.read_text())
    # Beside the provider guard: the non-null defaults of the _dr root's variables, under the
    # same names; required and null ones are documented in comments only.
    expected: dict[str, Any] = {"pulumi:disable-default-providers": ["*"]}
    dr_root = rendered / "terraform" / stack / "_dr"
    variables = root_variables(dr_root / "variables.tf") if dr_root.is_dir() else {}
    for name, variable in variables.items():
        if variable.get("default") is not None:
            expected[f"{stack}:{name}"] = variable["default"]
        assert f"#   {name} (" in path.read_text(), f"{name} is not documented"
    assert config == {"config": expected}
    text = path.read_text().lower()
    assert "secure:" not in text and "password" not in text and "secret:" not in text


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_stack_json_holds_the_dr_calls_of_the_dr_root(stack: str, rendered: Path) -> None:
    document = stack_json(rendered, stack)
    dr_root = rendered / "terraform" / stack / "_dr"
    if not dr_root.is_dir():
        assert document["dr"] == [] and document["config"] == {}
        return
    calls = module_calls(dr_root / "main.tf")
    assert [c["label"] for c in document["dr"]] == list(calls)
    variables = root_variables(dr_root / "variables.tf")
    assert sorted(document["config"]) == sorted(variables)
    for call in document["dr"]:
        block = dict(calls[call["label"]])
        assert Path(block.pop("source")).name == call["module"]
        block.pop("providers", None)
        for key, variable in call["variables"].items():
            assert block.pop(key) == f"${{var.{variable}}}"
            declared = variables[variable]
            assert document["config"][variable]["required"] == ("default" not in declared)
            assert document["config"][variable]["default"] == declared.get("default")
        assert call["inputs"] == block, f"{call['label']}: stack.json and main.tf disagree"


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_main_is_thin(stack: str, rendered: Path) -> None:
    source = (rendered / "pulumi" / stack / "__main__.py").read_text()
    tree = ast.parse(source)
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom | ast.Import)]
    assert {getattr(node, "module", None) for node in imports} == {
        "pathlib",
        "infra.pulumi.program",
    }
    assert len(tree.body) == len(imports) + 1  # one statement: create the stack


def test_rendering_needs_no_pulumi_package(tmp_path: Path) -> None:
    # Block every pulumi* import: emit must stay pure Python + Jinja2.
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0].startswith('pulumi'):\n"
        "            raise ImportError(f'blocked {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from infra.cli import main\n"
        f"sys.exit(main(['render', 'stacks/', '-o', {str(tmp_path / 'out')!r}, '--target', 'pulumi']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "INFRA_CATALOG_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "pulumi" / "llm-train" / "stack.json").is_file()
