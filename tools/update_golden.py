"""Regenerate the golden renders of the example stacks: ``make golden``.

Renders every file in stacks/ on its own into tests/golden/render/<file stem>/ (all targets,
shipped catalog). Module copies are left out: the tests check they equal modules/ byte for byte.
Review the result as a diff before committing it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from infra.catalog import default_catalog
from infra.pipeline import resolve_paths
from infra.render import TARGETS, render_stacks

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "render"


def render_example(stack_file: Path, out: Path) -> None:
    resolution = resolve_paths([str(stack_file)])
    if not resolution.ok:
        raise SystemExit("\n".join(str(p) for p in resolution.problems))
    render_stacks(resolution.stacks, out, list(TARGETS), default_catalog())


def main() -> int:
    examples = sorted((ROOT / "stacks").glob("*.py"))
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    with tempfile.TemporaryDirectory() as scratch:
        for example in examples:
            out = Path(scratch) / example.stem
            render_example(example, out)
            shutil.rmtree(out / "modules", ignore_errors=True)
            shutil.copytree(out, GOLDEN / example.stem)
    print(f"golden renders of {len(examples)} example files written to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
