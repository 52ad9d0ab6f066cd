"""A render never destroys what it did not write: refused directories, kept user files, --prune.

Each test renders the example stacks for real through the CLI (in-process, for speed) and
compares whole trees before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from infra.cli import main
from tests.conftest import ROOT, run_cli

STACKS = ROOT / "stacks"
MINIMAL = STACKS / "minimal.py"
LLM = STACKS / "llm_train.py"
LLM_ROOT = "terraform/llm-train/aws-use1"


def snapshot(path: Path) -> dict[str, str]:
    """Every file, symlink and directory under ``path`` with its content hash."""
    found: dict[str, str] = {}
    for entry in sorted(path.rglob("*")):
        relative = entry.relative_to(path).as_posix()
        if entry.is_symlink():
            found[relative] = "-> " + os.readlink(entry)
        elif entry.is_dir():
            found[relative + "/"] = "dir"
        else:
            found[relative] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return found


def render(*args: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["render", *(str(a) for a in args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def manifest(out: Path) -> dict[str, object]:
    document = json.loads((out / "manifest.json").read_text())
    assert isinstance(document, dict)
    return document


# -- directories that are not ours ------------------------------------------------------------


def test_render_into_a_git_checkout_is_refused_and_touches_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = workdir / "checkout"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    (checkout / "llm.py").write_text(MINIMAL.read_text())
    (checkout / "README.md").write_text("mine\n")
    before = snapshot(workdir)
    code, out, err = render(checkout / "llm.py", "-o", checkout, capsys=capsys)
    assert code == 1
    assert out == ""
    (line,) = err.splitlines()
    assert "checkout: refusing to render here: it is a git checkout" in line
    assert snapshot(workdir) == before  # no staging folder left beside it either


def test_render_into_the_working_directory_checkout_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    subprocess.run(["git", "init", "-q", str(workdir)], check=True)
    (workdir / "x.py").write_text(MINIMAL.read_text())
    before = snapshot(workdir)
    code, _, err = render("x.py", "-o", ".", capsys=capsys)
    assert code == 1
    assert "it is a git checkout" in err
    assert snapshot(workdir) == before


def test_render_into_the_folder_of_the_stacks_it_reads_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = workdir / "stacks"
    stacks.mkdir()
    for source in STACKS.glob("*.py"):
        (stacks / source.name).write_text(source.read_text())
    before = snapshot(workdir)
    code, _, err = render(stacks, "-o", stacks, capsys=capsys)
    assert code == 1
    assert "holds Python files (stack files?)" in err
    assert snapshot(workdir) == before


@pytest.mark.parametrize(
    "content",
    [
        '{"files": {}}\n',  # no generator: another tool's manifest
        '{"generator": "other 1.0", "files": {}}\n',
        "not json\n",
        '{"generator": "infra 0.1.0", "files": {"../../etc/passwd": "x"}}\n',
    ],
)
def test_a_manifest_infra_did_not_write_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    home = workdir / "home"
    home.mkdir()
    (home / "manifest.json").write_text(content)
    (home / ".bashrc").write_text("export A=1\n")
    before = snapshot(workdir)
    code, _, err = render(MINIMAL, "-o", home, capsys=capsys)
    assert code == 1
    assert "was not written by infra" in err
    assert snapshot(workdir) == before


def test_refusal_comes_before_any_other_work(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "notes").mkdir()
    (workdir / "notes" / "todo.txt").write_text("x\n")
    code, _, err = render(workdir / "missing.py", "-o", workdir / "notes", capsys=capsys)
    assert code == 1
    # The directory is refused before stack files are even looked at.
    assert err.splitlines() == [
        f"infra: {workdir / 'notes'}: refusing to render here: it is not empty (todo.txt) and has "
        "no manifest.json of a previous infra render (allowed: a new or empty directory, or a "
        "previous render)"
    ]


def test_refusal_is_one_json_document_with_json(workdir: Path) -> None:
    (workdir / "occupied").mkdir()
    (workdir / "occupied" / "data.csv").write_text("a,b\n")
    result = run_cli("render", str(MINIMAL), "-o", "occupied", "--json", cwd=workdir)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    (problem,) = document["problems"]
    assert set(problem) >= {"file", "stack", "path", "message"}
    assert "refusing to render here" in problem["message"]
    assert "Traceback" not in result.stderr


def test_empty_and_absent_directories_are_fine(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "empty").mkdir()
    assert render(MINIMAL, "-o", workdir / "empty", capsys=capsys)[0] == 0
    assert render(MINIMAL, "-o", workdir / "new" / "deeper", capsys=capsys)[0] == 0
    assert (workdir / "empty" / "manifest.json").is_file()
    assert (workdir / "new" / "deeper" / "manifest.json").is_file()


# -- user files survive -------------------------------------------------------------------------

USER_FILES = {
    "terraform.tfvars": 'region = "us-east-1"\n',
    "prod.auto.tfvars": "x = 1\n",
    "override.tf": "# mine\n",
    "network_override.tf": "# mine too\n",
    "terraform.tfstate": '{"version": 4, "serial": 7}\n',
    "terraform.tfstate.backup": '{"version": 4, "serial": 6}\n',
    ".terraform.lock.hcl": "# lock\n",
    "notes.md": "on-call: page the GPU team\n",
}


def add_user_files(root: Path) -> None:
    for name, text in USER_FILES.items():
        (root / name).write_text(text)
    providers = root / ".terraform" / "providers" / "registry.terraform.io"
    providers.mkdir(parents=True)
    (providers / "terraform-provider-aws").write_bytes(b"\x7fELF provider")
    (root / ".terraform" / "current").symlink_to("providers")
    (root / ".terraform" / "terraform.tfstate").write_text('{"backend": {"type": "s3"}}\n')


def test_re_render_keeps_every_user_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = workdir / "build"
    assert render(LLM, "-o", out, capsys=capsys)[0] == 0
    root = out / LLM_ROOT
    add_user_files(root)
    (out / "pulumi" / "llm-train" / "venv-notes.txt").write_text("mine\n")
    (out / "TEAM.md").write_text("ours\n")
    generated_before = manifest(out)["files"]
    assert isinstance(generated_before, dict)
    user_before = {
        path: digest
        for path, digest in snapshot(out).items()
        if path not in generated_before and path != "manifest.json" and not path.endswith("/")
    }
    assert len(user_before) == len(USER_FILES) + 5  # 3 in .terraform/, TEAM.md, venv-notes

    code, stdout, _ = render(LLM, "-o", out, capsys=capsys)
    assert code == 0
    after = snapshot(out)
    for path, digest in user_before.items():
        assert after.get(path) == digest, path
    assert os.readlink(root / ".terraform" / "current") == "providers"
    kept = manifest(out)["kept"]
    assert kept == sorted(
        [
            "TEAM.md",
            "pulumi/llm-train/venv-notes.txt",
            f"{LLM_ROOT}/.terraform/",
            *(f"{LLM_ROOT}/{name}" for name in USER_FILES),
        ]
    )
    assert manifest(out)["files"] == generated_before  # the render itself is unchanged
    assert "kept 11 user files" in stdout


def test_a_user_file_where_the_render_now_writes_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "build"
    assert render(MINIMAL, "-o", out, capsys=capsys)[0] == 0
    # The user wrote a file exactly where the next render writes one of the llm-train root.
    (out / LLM_ROOT).mkdir(parents=True)
    (out / LLM_ROOT / "main.tf").write_text("# mine\n")
    before = snapshot(out)
    code, _, err = render(MINIMAL, LLM, "-o", out, capsys=capsys)
    assert code == 1
    assert "was not written by infra, and the render now writes there" in err
    assert snapshot(out) == before


# -- roots that go ------------------------------------------------------------------------------


def test_a_root_with_state_is_not_deleted_without_prune(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "build"
    assert render(MINIMAL, LLM, "-o", out, capsys=capsys)[0] == 0
    (out / LLM_ROOT / "terraform.tfstate").write_text('{"version": 4}\n')
    before = snapshot(out)
    code, _, err = render(MINIMAL, "-o", out, capsys=capsys)  # llm-train left the stacks
    assert code == 1
    (line,) = err.splitlines()
    assert f"{out / LLM_ROOT}: no longer rendered, but holds state or user files" in line
    assert "terraform.tfstate" in line and "--prune" in line
    assert snapshot(out) == before

    code, _, err = render(MINIMAL, "-o", out, "--prune", capsys=capsys)
    assert code == 0
    assert f"pruned {LLM_ROOT} with its state and user files (--prune)" in err
    assert not (out / "terraform" / "llm-train").exists()
    assert manifest(out)["stacks"] == ["research-sandbox"]


def test_roots_with_only_generated_files_go_with_a_word(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "build"
    assert render(MINIMAL, LLM, "-o", out, capsys=capsys)[0] == 0
    code, _, err = render(MINIMAL, "-o", out, capsys=capsys)
    assert code == 0
    assert f"removed {LLM_ROOT} (no longer rendered; it held only generated files)" in err
    assert not (out / "terraform" / "llm-train").exists()


def test_an_edited_pulumi_stack_config_counts_as_a_user_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "build"
    assert render(MINIMAL, LLM, "-o", out, capsys=capsys)[0] == 0
    config = out / "pulumi" / "llm-train" / "Pulumi.prod.yaml"
    config.write_text(config.read_text() + "  llm-train:dr_aws_dns_zone_id: Z123\n")
    code, _, err = render(MINIMAL, "-o", out, capsys=capsys)
    assert code == 1
    assert "pulumi/llm-train: no longer rendered" in err and "Pulumi.prod.yaml" in err


# -- --target replaces only its own folders -----------------------------------------------------


def test_target_replaces_only_its_subtree(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "build"
    assert render(LLM, "-o", out, capsys=capsys)[0] == 0
    full = manifest(out)
    before = snapshot(out)
    assert render(LLM, "-o", out, "--target", "dr", capsys=capsys)[0] == 0
    after = snapshot(out)
    assert {k: v for k, v in after.items() if not k.startswith(("dr/", "manifest"))} == {
        k: v for k, v in before.items() if not k.startswith(("dr/", "manifest"))
    }
    again = manifest(out)
    for key in ("files", "roots", "apply_order", "targets", "seeded"):
        assert again[key] == full[key], key

    # Only the DR plans of the stack rendered now remain under dr/.
    assert render(MINIMAL, "-o", out, "--target", "dr", capsys=capsys)[0] == 0
    assert not (out / "dr" / "llm-train").exists()
    assert (out / LLM_ROOT / "main.tf").is_file()
    assert manifest(out)["roots"] == full["roots"]
