"""The output tree is replaced atomically: failures and kills leave the previous tree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from infra.errors import OutputError
from infra.render import Root, apply_order, write_tree

# write_tree writes only into a new or empty directory or a previous render (with a manifest).
MANIFEST = {"manifest.json": '{"generator": "infra test", "files": {}}\n'}
OLD = {"a.txt": "old a\n", "dir/b.txt": "old b\n"} | MANIFEST
NEW = {"a.txt": "new a\n", "c/d.txt": "new d\n"} | MANIFEST


def tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): p.read_text()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_write_replaces_the_whole_tree(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_tree(out, OLD)
    write_tree(out, NEW)
    assert tree(out) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no staging left behind


def test_failure_mid_write_leaves_previous_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    write_tree(out, OLD)
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OutputError, match="writing failed"):
        write_tree(out, NEW)
    assert tree(out) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_killed_render_leaves_previous_tree(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_tree(out, OLD)
    script = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from infra.render import write_tree
        real = os.fsync
        def slow(fd):
            real(fd)
            print("writing", flush=True)
            time.sleep(0.05)
        os.fsync = slow
        files = {{f"f{{i}}.txt": "x" for i in range(400)}}
        write_tree(Path({str(out)!r}), files | {MANIFEST!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "writing\n"
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert tree(out) == OLD


def test_a_directory_that_is_not_a_render_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("mine")
    with pytest.raises(OutputError, match="refusing to render here"):
        write_tree(home, NEW)
    assert tree(home) == {".profile": "mine"}


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep me")
    with pytest.raises(OutputError, match="output path is a file"):
        write_tree(target, NEW)
    assert target.read_text() == "keep me"


def test_output_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write here"):
        write_tree(tmp_path / "file" / "build", NEW)


def test_kept_entries_come_over_from_the_previous_tree(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_tree(out, {"terraform/s/c/main.tf": "x\n"} | MANIFEST)
    (out / "terraform/s/c/.terraform/providers").mkdir(parents=True)
    (out / "terraform/s/c/.terraform/providers/p").write_text("cache")
    (out / "terraform/s/c/.terraform.lock.hcl").write_text("lock")
    keep = ["terraform/s/c/.terraform", "terraform/s/c/.terraform.lock.hcl"]
    write_tree(out, {"terraform/s/c/main.tf": "y\n"} | MANIFEST, keep=keep)
    assert (out / "terraform/s/c/.terraform/providers/p").read_text() == "cache"
    assert (out / "terraform/s/c/.terraform.lock.hcl").read_text() == "lock"
    assert (out / "terraform/s/c/main.tf").read_text() == "y\n"


def test_paths_outside_the_tree_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="outside the output directory"):
        write_tree(tmp_path / "build", {"../escape.txt": "x"})
    assert not (tmp_path / "escape.txt").exists()


def test_apply_order_respects_dependencies() -> None:
    roots = [
        Root("terraform/s/b", "s", "b", "aws", "r", ("terraform/s/_global",)),
        Root("terraform/s/_global", "s", None, "aws", "r", ()),
        Root("terraform/s/a", "s", "a", "aws", "r", ("terraform/s/_global",)),
    ]
    assert apply_order(roots) == ["terraform/s/_global", "terraform/s/a", "terraform/s/b"]
    cyclic = [Root("x", "s", None, "aws", "r", ("y",)), Root("y", "s", None, "aws", "r", ("x",))]
    with pytest.raises(OutputError, match="cycle"):
        apply_order(cyclic)


def test_seeded_files_are_kept_once_users_own_them(tmp_path: Path) -> None:
    out = tmp_path / "build"
    seed = "pulumi/s/Pulumi.prod.yaml"
    write_tree(out, {seed: "config: {}\n"} | MANIFEST, keep=[seed])
    (out / seed).write_text("config:\n  s:dr_aws_dns_zone_id: Z123\n")  # pulumi config set
    write_tree(out, {seed: "config: {}\n", "x.txt": "new\n"} | MANIFEST, keep=[seed])
    assert (out / seed).read_text() == "config:\n  s:dr_aws_dns_zone_id: Z123\n"
    assert (out / "x.txt").read_text() == "new\n"
