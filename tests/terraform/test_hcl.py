"""The HCL writer: escaping proven by real Terraform, formatting proven by ``terraform fmt``."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest

from infra.terraform.hcl import Block, Raw, document, quote
from tests.terraform.conftest import run_terraform

TRICKY = [
    'quote " inside',
    "back\\slash and \\n literally",
    "${var.injected}",
    "$${already escaped}",
    "%{ if true }directive%{ endif }",
    "newline\nand\ttab\rreturn",
    "ünïcödé and 😀 and 中文",
    "control \x01 and \x7f",
    "$",
    "%",
    "ends with $",
    "{}[]=,#//*",
]


def test_quote_escapes_what_hcl_would_interpret() -> None:
    assert quote('a"b') == '"a\\"b"'
    assert quote("${x}") == '"$${x}"'
    assert quote("%{x}") == '"%%{x}"'
    assert quote("é") == '"\\u00E9"'
    assert quote("😀") == '"\\U0001F600"'
    assert quote("a\nb") == '"a\\nb"'


def test_output_is_fmt_clean_and_keys_sorted(terraform: tuple[str, ...], tmp_path: Path) -> None:
    text = document(
        [
            Block(
                "locals",
                (),
                (
                    ("b", {"z": 1, "a": {"nested": [1, 2], "long name": True}, "m": []}),
                    ("a_longer_name", "x"),
                    ("c", [{"k": "v", "kk": None}, {"x": 1.5}]),
                    ("d", Raw("local.a_longer_name")),
                ),
            ),
            Block("terraform", (), (Block("required_providers"),)),
        ]
    )
    (tmp_path / "main.tf").write_text(text)
    result = run_terraform(terraform, tmp_path, "fmt", "-check", "-diff", "main.tf", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # mapping keys are sorted (quoted keys by their text); attribute order is the caller's
    assert text.index('"long name"') < text.index("nested")
    assert text.index("a = {") < text.index("m = []") < text.index("z = 1")
    assert text.index("b = {") < text.index("a_longer_name") < text.index("c = [")


def test_escaping_round_trips_through_terraform(terraform: tuple[str, ...], tmp_path: Path) -> None:
    """Every tricky string comes back from Terraform exactly as written."""
    values = {f"v{i}": s for i, s in enumerate(TRICKY)}
    text = document(
        [
            Block("output", ("values",), (("value", values),)),
            Block("output", ("as_key",), (("value", {s: i for i, s in enumerate(TRICKY)}),)),
        ]
    )
    (tmp_path / "main.tf").write_text(text)
    run_terraform(terraform, tmp_path, "init", "-input=false", "-no-color")
    run_terraform(terraform, tmp_path, "apply", "-auto-approve", "-input=false", "-no-color")
    out = json.loads(run_terraform(terraform, tmp_path, "output", "-json").stdout)
    assert out["values"]["value"] == values
    assert out["as_key"]["value"] == {s: i for i, s in enumerate(TRICKY)}


@pytest.mark.parametrize("value", TRICKY)
def test_python_hcl2_parses_every_escape(value: str) -> None:
    parsed = hcl2.loads(document([Block("locals", (), (("x", value),))]))
    assert parsed["locals"][0]["x"]


def test_non_finite_floats_are_refused() -> None:
    with pytest.raises(ValueError, match="no literal"):
        document([Block("locals", (), (("x", float("nan")),))])
