"""An HCL writer whose output ``terraform fmt`` leaves unchanged.

Values are plain Python data (str, int, float, bool, None, lists, mappings) plus :class:`Raw` for
expressions such as ``module.cluster.name``. Strings are always escaped (quotes, backslashes,
control and non-ASCII characters, and the template sequences ``${`` and ``%{``, so no value can
inject an interpolation); mapping keys are sorted. Alignment follows ``terraform fmt``:
consecutive single-line attributes of a body align their ``=``; an attribute whose value spans
several lines stands alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from infra.values import Block, Raw, Value

__all__ = ["Block", "Raw", "Value", "document", "quote"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INDENT = "  "
_INLINE_LIST_WIDTH = 80
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    """A double-quoted HCL string literal that evaluates to exactly ``text``."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif code > 0x7F:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    # "$${" and "%%{" are HCL's escapes for a literal "${" and "%{".
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def document(blocks: Sequence[Block]) -> str:
    """Top-level blocks separated by blank lines, ending in one newline."""
    return "\n".join("\n".join(_block(b, 0)) + "\n" for b in blocks)


def _block(block: Block, depth: int) -> list[str]:
    pad = _INDENT * depth
    head = " ".join([block.type, *(quote(label) for label in block.labels)])
    if not block.body:
        return [f"{pad}{head} {{}}"]
    return [f"{pad}{head} {{", *_body(block.body, depth + 1), f"{pad}}}"]


def _body(items: Sequence[tuple[str, Value] | Block], depth: int) -> list[str]:
    lines: list[str] = []
    group: list[tuple[str, list[str]]] = []  # consecutive attributes, each as rendered lines

    def flush() -> None:
        lines.extend(_aligned(group, depth))
        group.clear()

    previous_was_block = False
    for item in items:
        if isinstance(item, Block):
            flush()
            if lines:
                lines.append("")
            lines.extend(_block(item, depth))
            previous_was_block = True
            continue
        if previous_was_block:
            lines.append("")
            previous_was_block = False
        name, value = item
        group.append((_key(name), _value(value, depth)))
    flush()
    return lines


def _aligned(items: Sequence[tuple[str, list[str]]], depth: int) -> list[str]:
    """``key = value`` lines; runs of single-line values align their ``=`` like fmt does."""
    pad = _INDENT * depth
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def close_run() -> None:
        width = max((len(k) for k, _ in run), default=0)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
        run.clear()

    for key, rendered in items:
        if len(rendered) == 1:
            run.append((key, rendered[0]))
        else:
            close_run()
            lines.append(f"{pad}{key} = {rendered[0]}")
            lines.extend(rendered[1:])
    close_run()
    return lines


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else quote(name)


def _value(value: Value, depth: int) -> list[str]:
    """The value's lines: the first continues after ``key = ``, the rest are indented."""
    if isinstance(value, Raw):
        return [value.text]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if value is None:
        return ["null"]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"HCL has no literal for {value!r}")
        return [repr(value)]
    if isinstance(value, str):
        return [quote(value)]
    if isinstance(value, Mapping):
        return _object(value, depth)
    return _list(value, depth)


def _object(value: Mapping[str, Value], depth: int) -> list[str]:
    if not value:
        return ["{}"]
    inner = [(_key(k), _value(value[k], depth + 1)) for k in sorted(value)]
    return ["{", *_aligned(inner, depth + 1), f"{_INDENT * depth}}}"]


def _list(value: Sequence[Value], depth: int) -> list[str]:
    if not value:
        return ["[]"]
    items = [_value(v, depth + 1) for v in value]
    if all(len(i) == 1 for i in items):
        inline = "[" + ", ".join(i[0] for i in items) + "]"
        if len(inline) <= _INLINE_LIST_WIDTH:
            return [inline]
    pad = _INDENT * (depth + 1)
    lines = ["["]
    for item in items:
        lines.append(f"{pad}{item[0]}")
        lines.extend(item[1:])
        lines[-1] += ","
    lines.append(f"{_INDENT * depth}]")
    return lines
