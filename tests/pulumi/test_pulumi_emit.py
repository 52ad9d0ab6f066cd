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
from infra.clouds import CLOUDS
from infra.deploy import deploy_plan, deployed
from infra.errors import InfraError
from infra.inputs import cluster_module_inputs
from infra.pulumi import emit
from infra.pulumi.emit import (
    PULUMI_REQUIREMENT,
    REQUIREMENT_ENV,
    InfraRequirement,
    infra_requirement,
    pulumi_files,
    requirement_from_direct_url,
)
from infra.pulumi.sync import PULUMI_KUBERNETES_REQUIREMENT
from infra.render import TARGETS
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
    assert document["schema_version"] == 3 and document["stack"] == stack
    for cluster in document["clusters"]:
        root = rendered / "terraform" / stack / cluster["name"]
        call = dict(module_calls(root / "main.tf")["cluster"])
        del call["source"]
        # An input main.tf takes from a root variable, stack.json reads from the same config key.
        for key, variable in cluster["variables"].items():
            assert call.pop(key) == f"${{var.{variable}}}" and variable in document["config"]
        assert cluster["inputs"] == call, f"{cluster['name']}: stack.json and main.tf disagree"


def test_stack_json_is_cluster_module_inputs(example_stacks: dict[str, ResolvedStack]) -> None:
    catalog = default_catalog()
    for stack in example_stacks.values():
        files = pulumi_files(deploy_plan(stack, catalog))
        document = json.loads(files[f"pulumi/{stack.name}/stack.json"])
        expected = [
            {
                "name": c.name,
                "cloud": c.cloud,
                "region": c.region,
                "inputs": cluster_module_inputs(stack, c),
                "variables": {
                    key: v.name
                    for key, v in (
                        CLOUDS[c.cloud].node_health_variables(c.name, c.region)
                        if any(p.gpu for p in c.pools)
                        else {}
                    ).items()
                },
            }
            for c in deployed(stack, catalog).clusters
        ]
        assert document["clusters"] == json.loads(json.dumps(expected))


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_nothing_machine_specific(stack: str, rendered: Path) -> None:
    # Except infra's requirement: it names the installation that renders (an editable install
    # its checkout), which is the point; the golden renders pin it with $INFRA_PULUMI_REQUIREMENT.
    installed = infra_requirement().line
    for path in (rendered / "pulumi" / stack).iterdir():
        text = "".join(
            line for line in path.read_text().splitlines(True) if line.rstrip("\n") != installed
        )
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
    text = (rendered / "pulumi" / stack / "requirements.txt").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    clouds = sorted({c["cloud"] for c in stack_json(rendered, stack)["clusters"]})
    infra = infra_requirement()
    # pulumi-kubernetes only for a stack with checkpoint sync jobs or GPU software.
    document = stack_json(rendered, stack)
    kube = document.get("sync") or document.get("addons")
    sync = [PULUMI_KUBERNETES_REQUIREMENT] if kube else []
    assert (
        lines
        == [infra.line, PULUMI_REQUIREMENT] + [CLOUDS[c].pulumi_requirement for c in clouds] + sync
    )
    assert sync  # every example has GPU software, and those with DR sync jobs
    assert f"# {infra.origin}\n{infra.line}\n" in text


def test_an_editable_install_pins_its_checkout_not_a_name() -> None:
    # make venv installs this checkout editable: the project gets the same, never `infra==`,
    # a name an index could resolve to someone else's package.
    infra = infra_requirement({})
    if not infra.line.startswith("-e "):
        pytest.skip(f"infra is not an editable install of this checkout here: {infra.line}")
    assert infra.line == f"-e {ROOT.as_uri()}"


def test_override_is_the_line_as_written(
    monkeypatch: pytest.MonkeyPatch, example_stacks: dict[str, ResolvedStack]
) -> None:
    # pip expands ${VARIABLE}s when it installs: infra writes them as they are.
    line = "infra @ git+https://${GIT_TOKEN}@git.example.com/acme/infra.git@0123abc"
    monkeypatch.setenv(REQUIREMENT_ENV, f"  {line} ")
    catalog = default_catalog()
    stack = example_stacks["research-sandbox"]
    files = pulumi_files(deploy_plan(stack, catalog))
    text = files["pulumi/research-sandbox/requirements.txt"]
    assert f"# infra as ${REQUIREMENT_ENV} names it\n{line}\n" in text
    assert infra_requirement() == InfraRequirement(line, f"infra as ${REQUIREMENT_ENV} names it")


@pytest.mark.parametrize("bad", ["infra\n--index-url https://evil.example", "# infra", "a\rb"])
def test_override_must_be_one_requirement_line(bad: str) -> None:
    with pytest.raises(InfraError, match=REQUIREMENT_ENV):
        infra_requirement({REQUIREMENT_ENV: bad})


def test_an_empty_override_is_no_override() -> None:
    assert infra_requirement({REQUIREMENT_ENV: "  "}) == infra_requirement({})


def test_emitter_takes_the_requirement_as_an_input(
    example_stacks: dict[str, ResolvedStack],
) -> None:
    catalog = default_catalog()
    plan = deploy_plan(example_stacks["llm-train"], catalog)
    given = InfraRequirement("infra @ file:///opt/infra-0.1.0-py3-none-any.whl", "a test")
    text = pulumi_files(plan, given)["pulumi/llm-train/requirements.txt"]
    assert text.splitlines()[1:3] == ["# a test", given.line]


DIRECT_URLS: list[tuple[dict[str, Any] | None, str]] = [
    # pip install infra (from an index): no direct_url.json, so the index is where it came from.
    (None, f"infra=={__version__}"),
    # pip install git+https://...@v0.1.0: the commit, which a tag or branch may stop naming.
    (
        {
            "url": "https://github.com/acme/infra.git",
            "vcs_info": {"vcs": "git", "commit_id": "4f0c1e2", "requested_revision": "v0.1.0"},
        },
        "infra @ git+https://github.com/acme/infra.git@4f0c1e2",
    ),
    (
        {
            "url": "ssh://git@git.example.com/acme/tools.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc"},
            "subdirectory": "infra",
        },
        "infra @ git+ssh://git@git.example.com/acme/tools.git@abc#subdirectory=infra",
    ),
    # A wheel or sdist by URL or path: with its hash, which pip then checks.
    (
        {
            "url": "file:///home/me/dist/infra-0.1.0-py3-none-any.whl",
            "archive_info": {"hash": "sha256=00ff", "hashes": {"sha256": "00ff"}},
        },
        "infra @ file:///home/me/dist/infra-0.1.0-py3-none-any.whl#sha256=00ff",
    ),
    (
        {"url": "https://files.example.com/infra-0.1.0.tar.gz", "archive_info": {"hash": "md5=1"}},
        "infra @ https://files.example.com/infra-0.1.0.tar.gz#md5=1",
    ),
    (
        {"url": "https://files.example.com/infra-0.1.0.tar.gz", "archive_info": {}},
        "infra @ https://files.example.com/infra-0.1.0.tar.gz",
    ),
    # pip install . and pip install -e .
    ({"url": "file:///src/infra", "dir_info": {}}, "infra @ file:///src/infra"),
    ({"url": "file:///src/in%20fra", "dir_info": {"editable": True}}, "-e file:///src/in%20fra"),
]


@pytest.mark.parametrize(("direct_url", "line"), DIRECT_URLS)
def test_requirement_from_direct_url(direct_url: dict[str, Any] | None, line: str) -> None:
    from packaging.requirements import Requirement

    text = None if direct_url is None else json.dumps(direct_url)
    requirement = requirement_from_direct_url(text, __version__)
    assert requirement.line == line
    assert __version__ in requirement.origin
    if not line.startswith("-e "):
        parsed = Requirement(line)  # PEP 508, as pip reads it
        assert parsed.name == "infra"
        assert (parsed.url is None) == (direct_url is None)


@pytest.mark.parametrize(
    "text", ["not json", "[]", '{"url": ""}', '{"url": "file:///x"}', '{"dir_info": {}}']
)
def test_unreadable_direct_url_is_an_error_naming_the_override(text: str) -> None:
    with pytest.raises(InfraError, match=REQUIREMENT_ENV):
        requirement_from_direct_url(text, __version__)


def test_a_checkout_that_is_not_installed_pins_itself_editable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(emit, "_installed_distribution", lambda: None)
    assert infra_requirement({}).line == f"-e {(Path(emit.__file__).parents[2]).as_uri()}"


def test_cli_render_uses_the_override(tmp_path: Path) -> None:
    line = "infra @ https://artifacts.example.com/infra-0.1.0-py3-none-any.whl#sha256=00"
    env = {k: v for k, v in os.environ.items() if k != "INFRA_CATALOG_DIR"}
    env[REQUIREMENT_ENV] = line
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "infra", "render", "stacks/minimal.py", "-o", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (out / "pulumi" / "research-sandbox" / "requirements.txt").read_text()
    assert f"\n{line}\n" in text


def _all_root_variables(terraform: Path) -> dict[str, Any]:
    """The variables every Terraform root of a stack declares, by name (none is declared twice)."""
    found: dict[str, Any] = {}
    for path in sorted(terraform.glob("*/variables.tf")):
        declared = root_variables(path)
        assert not set(declared) & set(found), path
        found.update(declared)
    return found


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_stack_config_is_config_only(
    stack: str, rendered: Path, example_stacks: dict[str, ResolvedStack]
) -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML (a Pulumi dependency) reads the config")
    path = rendered / "pulumi" / stack / f"Pulumi.{example_stacks[stack].environment}.yaml"
    config: dict[str, Any] = yaml.safe_load(path.read_text())
    # Beside the provider guard: the non-null defaults of the roots' variables (the _dr root's
    # and the cluster roots'), under the same names; required and null ones are documented in
    # comments only.
    expected: dict[str, Any] = {"pulumi:disable-default-providers": ["*"]}
    variables = _all_root_variables(rendered / "terraform" / stack)
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
    # Config holds every root's variables: the _dr root's and the cluster roots'.
    assert sorted(document["config"]) == sorted(_all_root_variables(dr_root.parent))
    if not dr_root.is_dir():
        assert document["dr"] == []
        return
    calls = module_calls(dr_root / "main.tf")
    assert [c["label"] for c in document["dr"]] == list(calls)
    variables = root_variables(dr_root / "variables.tf")
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
