"""CI: ``infra ci matrix``, the rendered atlantis.yaml, the make targets and the pipelines in ci/."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog import default_catalog
from infra.ci import matrix, matrix_roots
from infra.cli import main
from infra.pipeline import resolve_paths
from infra.render import TARGETS, atlantis_yaml, render_stacks
from infra.roots import Root
from infra.run import load_roots
from tests.conftest import ROOT

CI = ROOT / "ci"
PIPELINES = sorted(CI.glob("*.yml"))
MINIMAL = str(ROOT / "stacks" / "minimal.py")
LLM = str(ROOT / "stacks" / "llm_train.py")
GITHUB_KEYS = {"root", "stack", "cloud", "region", "level"}
GITLAB_KEYS = {"ROOT", "STACK", "CLOUD", "REGION", "LEVEL"}


def estate(out: Path, stack: str, roots: dict[str, str], depends: dict[str, list[str]]) -> None:
    """A render directory as infra writes it: one main.tf per root and a manifest listing them."""
    files: dict[str, str] = {}
    for name in roots:
        path = out / "terraform" / stack / name / "main.tf"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f'# {stack}/{name}\nterraform {{\n  required_version = ">= 1.6"\n}}\n'
        path.write_text(text)
        files[path.relative_to(out).as_posix()] = hashlib.sha256(text.encode()).hexdigest()
    entries = [
        {
            "path": f"terraform/{stack}/{name}",
            "stack": stack,
            "cluster": None if name.startswith("_") else name,
            "cloud": cloud,
            "region": "us-east-1" if cloud == "aws" else "eastus",
            "depends_on": [f"terraform/{stack}/{d}" for d in depends.get(name, [])],
        }
        for name, cloud in roots.items()
    ]
    manifest = {
        "schema_version": 1,
        "generator": "infra 0.1.0",
        "targets": ["terraform"],
        "stacks": [stack],
        "files": files,
        "kept": [],
        "roots": entries,
        "apply_order": [e["path"] for e in entries],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Four roots: a state backend, two clusters on two clouds, the DR root after both."""
    directory = tmp_path / "build"
    estate(
        directory,
        "s",
        {"_global": "aws", "b": "azure", "a": "aws", "_dr": "aws"},
        {"a": ["_global"], "b": ["_global"], "_dr": ["a", "b"]},
    )
    return directory


def ci_matrix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["ci", "matrix", *args])
    return code, capsys.readouterr().out


# -- infra ci matrix ---------------------------------------------------------------------------


def test_github_matrix_in_apply_order_with_levels(
    capsys: pytest.CaptureFixture[str], out: Path
) -> None:
    code, text = ci_matrix(capsys, "-o", str(out))
    assert code == 0
    assert text.count("\n") == 1 and " " not in text  # one compact line, for $GITHUB_OUTPUT
    document = json.loads(text)
    assert set(document) == {"include"}
    assert all(set(entry) == GITHUB_KEYS for entry in document["include"])
    assert [(e["root"], e["level"]) for e in document["include"]] == [
        ("terraform/s/_global", 0),
        ("terraform/s/a", 1),
        ("terraform/s/b", 1),
        ("terraform/s/_dr", 2),
    ]
    assert document["include"][2] == {
        "root": "terraform/s/b",
        "stack": "s",
        "cloud": "azure",
        "region": "eastus",
        "level": 1,
    }


def test_gitlab_matrix_is_parallel_matrix_entries_of_strings(
    capsys: pytest.CaptureFixture[str], out: Path
) -> None:
    code, text = ci_matrix(capsys, "-o", str(out), "--format", "gitlab")
    assert code == 0
    entries = json.loads(text)
    assert isinstance(entries, list) and len(entries) == 4
    for entry in entries:
        assert set(entry) == GITLAB_KEYS
        assert all(isinstance(value, str) for value in entry.values())
    assert entries[-1] == {
        "ROOT": "terraform/s/_dr",
        "STACK": "s",
        "CLOUD": "aws",
        "REGION": "us-east-1",
        "LEVEL": "2",
    }


def test_json_document(capsys: pytest.CaptureFixture[str], out: Path) -> None:
    code, text = ci_matrix(capsys, "-o", str(out), "--json")
    document = json.loads(text)
    assert code == 0 and document["ok"] is True and document["problems"] == []
    assert document["matrix"]["include"][0]["root"] == "terraform/s/_global"


def test_no_render_is_a_failure_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, text = ci_matrix(capsys, "-o", str(tmp_path / "missing"), "--json")
    document = json.loads(text)
    assert code == 1 and document["ok"] is False
    (problem,) = document["problems"]
    assert "no render here" in problem["message"]


def _record_every_root(out: Path) -> None:
    """``.infra/runs.json`` as a successful plan of every root leaves it."""
    from infra.run import RUNS, _digest

    records = {root.path: _digest(out, root.path) for root in load_roots(out)}
    (out / RUNS).parent.mkdir(exist_ok=True)
    (out / RUNS).write_text(json.dumps(records))


def test_changed_nothing_is_an_empty_matrix_and_exit_0(
    capsys: pytest.CaptureFixture[str], out: Path
) -> None:
    _record_every_root(out)
    assert ci_matrix(capsys, "-o", str(out), "--changed") == (0, '{"include":[]}\n')
    assert ci_matrix(capsys, "-o", str(out), "--changed", "--format", "gitlab") == (0, "[]\n")
    code, text = ci_matrix(capsys, "-o", str(out), "--changed", "--json")
    assert code == 0 and json.loads(text) == {
        "ok": True,
        "matrix": {"include": []},
        "problems": [],
    }


def test_changed_root_brings_its_dependants(capsys: pytest.CaptureFixture[str], out: Path) -> None:
    _record_every_root(out)
    main_tf = out / "terraform" / "s" / "a" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "# edited\n")
    code, text = ci_matrix(capsys, "-o", str(out), "--changed")
    assert code == 0
    assert [e["root"] for e in json.loads(text)["include"]] == ["terraform/s/a", "terraform/s/_dr"]


def test_changed_and_since_exclude_each_other(
    capsys: pytest.CaptureFixture[str], out: Path
) -> None:
    code, _ = ci_matrix(capsys, "-o", str(out), "--changed", "--since", "HEAD")
    assert code == 2


def test_a_matrix_larger_than_the_ci_accepts_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "big"
    estate(out, "big", {f"c{i:03}": "aws" for i in range(201)}, {})
    assert ci_matrix(capsys, "-o", str(out))[0] == 0  # GitHub: up to 256 jobs
    code, text = ci_matrix(capsys, "-o", str(out), "--format", "gitlab", "--json")
    assert code == 1
    assert "more than the 200 jobs" in json.loads(text)["problems"][0]["message"]


def test_matrix_roots_level_is_the_depth_in_the_whole_render() -> None:
    roots = [
        Root("t/_global", "t", None, "aws", "r", ()),
        Root("t/a", "t", "a", "aws", "r", ("t/_global",)),
        Root("t/_dr", "t", None, "aws", "r", ("t/_global", "t/a")),
    ]
    # Only the DR root selected: it keeps its level 2.
    assert matrix(matrix_roots(roots, {"t/_dr"}), "gitlab") == [
        {"ROOT": "t/_dr", "STACK": "t", "CLOUD": "aws", "REGION": "r", "LEVEL": "2"}
    ]


# -- atlantis.yaml -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("atlantis") / "build"
    resolution = resolve_paths([LLM])
    assert resolution.ok
    render_stacks(resolution.stacks, out, list(TARGETS), default_catalog())
    return out


def test_atlantis_yaml_has_a_project_per_root_in_apply_order(llm_render: Path) -> None:
    text = (llm_render / "atlantis.yaml").read_text()
    assert text.startswith("# Generated by infra render")
    config = yaml.safe_load(text)
    assert config["version"] == 3
    roots = load_roots(llm_render)
    projects = config["projects"]
    assert sorted(p["dir"] for p in projects) == sorted(r.path for r in roots)
    names = {p["name"] for p in projects}
    assert len(names) == len(projects)
    levels = {e.path: e.level for e in matrix_roots(roots, {r.path for r in roots})}
    by_dir = {r.path: r for r in roots}
    for project in projects:
        root = by_dir[project["dir"]]
        assert project["name"] == root.path.replace("/", "-")
        assert project["execution_order_group"] == levels[root.path]
        assert project.get("depends_on", []) == [d.replace("/", "-") for d in root.depends_on]
        assert set(project.get("depends_on", [])) <= names
        assert "workflow" not in project  # restricted in Atlantis: the default workflow applies
        assert project["autoplan"]["enabled"] is True
    groups = [p["execution_order_group"] for p in projects]
    assert groups == sorted(groups)


def test_atlantis_when_modified_names_the_modules_each_root_calls(llm_render: Path) -> None:
    config = yaml.safe_load((llm_render / "atlantis.yaml").read_text())
    projects = {p["dir"]: p for p in config["projects"]}
    modified = projects["terraform/llm-train/aws-use1"]["autoplan"]["when_modified"]
    assert modified == [
        "*.tf",
        "*.tfvars",
        ".terraform.lock.hcl",
        "../../../modules/aws-gpu-cluster/**/*.tf",
    ]
    dr = projects["terraform/llm-train/_dr"]["autoplan"]["when_modified"]
    assert [p for p in dr if p.startswith("../")] == [
        f"../../../modules/{m}/**/*.tf" for m in ("dr-alicloud", "dr-aws", "dr-azure")
    ]
    for directory, project in projects.items():
        for pattern in project["autoplan"]["when_modified"]:
            if pattern.startswith("../"):
                module = (llm_render / directory / pattern.removesuffix("/**/*.tf")).resolve()
                assert module.is_dir() and any(module.glob("*.tf")), (directory, pattern)


def test_atlantis_yaml_is_listed_in_the_manifest(llm_render: Path) -> None:
    manifest = json.loads((llm_render / "manifest.json").read_text())
    digest = hashlib.sha256((llm_render / "atlantis.yaml").read_bytes()).hexdigest()
    assert manifest["files"]["atlantis.yaml"] == digest


def test_atlantis_yaml_goes_with_the_terraform_target(tmp_path: Path) -> None:
    stacks = resolve_paths([MINIMAL]).stacks
    out = tmp_path / "build"
    render_stacks(stacks, out, ["pulumi"], default_catalog())
    assert not (out / "atlantis.yaml").exists()
    render_stacks(stacks, out, ["terraform"], default_catalog())
    first = (out / "atlantis.yaml").read_text()
    # _global, the cluster and its GPU software add-ons root
    assert len(yaml.safe_load(first)["projects"]) == 3
    render_stacks(stacks, out, ["dr"], default_catalog())  # another target: carried as it is
    assert (out / "atlantis.yaml").read_text() == first
    assert "atlantis.yaml" in json.loads((out / "manifest.json").read_text())["files"]


def test_atlantis_yaml_follows_module_calls_of_modules() -> None:
    files = {
        "terraform/s/a/main.tf": 'module "a" {\n  source = "../../../modules/outer"\n}\n',
        "modules/outer/main.tf": 'module "in" {\n  source = "../inner"\n}\n',
        "modules/inner/main.tf": "",
    }
    text = atlantis_yaml(files, [Root("terraform/s/a", "s", "a", "aws", "r", ())])
    (project,) = yaml.safe_load(text)["projects"]
    assert project["autoplan"]["when_modified"][-2:] == [
        "../../../modules/inner/**/*.tf",
        "../../../modules/outer/**/*.tf",
    ]
    assert "depends_on" not in project
    assert yaml.safe_load(atlantis_yaml({}, []))["projects"] == []


# -- make targets ------------------------------------------------------------------------------


def make_targets() -> set[str]:
    targets: set[str] = set()
    for line in (ROOT / "Makefile").read_text().splitlines():
        rule = re.match(r"^([A-Za-z0-9_./ -]+?)\s*:(?!=)", line)
        if rule and not line.startswith(("\t", " ")):
            targets |= set(rule.group(1).split())
    return targets


def test_make_has_the_runner_and_ci_targets() -> None:
    targets = make_targets()
    assert {"plan", "apply", "destroy", "drift", "ci-matrix", "render", "validate"} <= targets
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony is not None
    assert {"plan", "apply", "destroy", "drift", "ci-matrix"} <= set(phony.group(1).split())
    done = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True)
    for target in ("plan", "apply", "destroy", "drift", "ci-matrix"):
        assert f"make {target} " in done.stdout


def test_make_ci_matrix_prints_only_the_matrix(out: Path) -> None:
    # -n: the command make would run (the venv is another test's business).
    done = subprocess.run(
        ["make", "-n", "-s", "ci-matrix", f"OUT={out}", "ARGS=--format gitlab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    command = done.stdout.strip().splitlines()[-1]
    assert command.endswith(f"infra ci matrix -o {out} --format gitlab")


def test_make_plan_runs_on_the_render_with_jobs_root_and_args() -> None:
    done = subprocess.run(
        ["make", "-n", "-s", "plan", "OUT=/r", "J=2", "ROOT=terraform/s/a", "ARGS=--changed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    command = done.stdout.strip().splitlines()[-1]
    assert command.endswith("infra plan -o /r -j 2 --root terraform/s/a --changed")
    assert "render" not in done.stdout  # a plan never re-renders


# -- the example pipelines ---------------------------------------------------------------------


def strings_in(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*strings_in(key), *strings_in(value))]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return []


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_pipelines_are_yaml_and_call_make_targets_that_exist() -> None:
    assert {p.name for p in PIPELINES} >= {"github-actions.yml", "gitlab-ci.yml"}
    targets = make_targets()
    for path in PIPELINES:
        config = load(path)
        assert isinstance(config, dict), path
        called = {
            target
            for text in strings_in(config)
            for target in re.findall(r"\bmake\s+(?:-s\s+)?([a-z][a-z0-9-]*)", text)
        }
        assert called, f"{path.name} calls no make target"
        assert called <= targets, f"{path.name}: no such make target {called - targets}"


def test_github_workflow_shape() -> None:
    workflow = load(CI / "github-actions.yml")
    jobs = workflow["jobs"]
    assert list(jobs) == ["validate", "render", "plan"]
    assert jobs["render"]["needs"] == "validate" and jobs["plan"]["needs"] == "render"
    assert jobs["plan"]["strategy"]["matrix"] == "${{ fromJSON(needs.render.outputs.matrix) }}"
    used = set(re.findall(r"\bmatrix\.(\w+)", json.dumps(jobs["plan"])))
    assert used and used <= GITHUB_KEYS


def run_step(script: str, tmp_path: Path, matrix_text: str, **env: str) -> None:
    """Run a pipeline's shell with ``make`` replaced by one that prints ``matrix_text``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (tmp_path / "matrix.txt").write_text(matrix_text)
    fake = bin_dir / "make"
    fake.write_text(f'#!/bin/sh\ncat "{tmp_path / "matrix.txt"}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env}
    subprocess.run(["bash", "-euc", script], cwd=tmp_path, env=environment, check=True)


@pytest.mark.parametrize("select", [False, True], ids=["all", "none"])
def test_github_matrix_step_output_feeds_the_plan_job(
    capsys: pytest.CaptureFixture[str], out: Path, tmp_path: Path, select: bool
) -> None:
    if select:
        _record_every_root(out)
    code, text = ci_matrix(capsys, "-o", str(out), *(["--changed"] if select else []))
    assert code == 0
    (step,) = [s for s in load(CI / "github-actions.yml")["jobs"]["render"]["steps"] if "id" in s]
    outputs = tmp_path / "github_output"
    run_step(step["run"], tmp_path, text, GITHUB_OUTPUT=str(outputs), MATRIX_ARGS="")
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert json.loads(values["matrix"]) == json.loads(text)
    assert values["roots"] == ("0" if select else "4")


@pytest.mark.parametrize("select", [False, True], ids=["all", "none"])
def test_gitlab_render_job_writes_a_child_pipeline(
    capsys: pytest.CaptureFixture[str], out: Path, tmp_path: Path, select: bool
) -> None:
    if select:
        _record_every_root(out)
    code, text = ci_matrix(
        capsys, "-o", str(out), "--format", "gitlab", *(["--changed"] if select else [])
    )
    assert code == 0
    pipeline = load(CI / "gitlab-ci.yml")
    assert pipeline["stages"] == ["validate", "render", "plan"]
    script = pipeline["render"]["script"]
    assert any("ci-matrix" in line and "--format gitlab" in line for line in script)
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "gitlab-plan.yml").write_text((CI / "gitlab-plan.yml").read_text())
    run_step("\n".join(script[1:]), tmp_path, text, MATRIX_ARGS="")
    child = load(tmp_path / "plan-pipeline.yml")
    trigger = pipeline["plan"]["trigger"]["include"][0]
    assert trigger == {"artifact": "plan-pipeline.yml", "job": "render"}
    assert "plan-pipeline.yml" in pipeline["render"]["artifacts"]["paths"]
    if select:
        assert list(child) == ["nothing-to-plan"]
        return
    job = child["plan"]
    assert job["parallel"]["matrix"] == json.loads(text)
    assert job["needs"] == [{"pipeline": "$PARENT_PIPELINE_ID", "job": "render"}]
    used = set(re.findall(r"\$\{?([A-Z]+)\b", " ".join(job["script"])))
    assert used and used <= GITLAB_KEYS
