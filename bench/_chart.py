"""A log-log SVG chart of the render benchmark, written by hand (matplotlib is not in the
project's venv): wall time (left) and peak RSS (right) against pools, one line per measured
process (infra render, floor, cdktn)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

_SERIES = (
    ("infra render", "render_s", "render_rss_mb", "#1f77b4"),
    ("floor", "floor_s", "floor_rss_mb", "#2ca02c"),
    ("cdktn process", "cdktn_process_s", "cdktn_rss_mb", "#d62728"),
)
W, H, PAD = 360, 260, 50


def _panel(x0: int, title: str, key_index: int, rows: list[dict[str, Any]]) -> list[str]:
    """One log-log panel; decades of both axes as grid lines."""
    points = [
        (float(r["pools"]), float(r[s[key_index]]))
        for r in rows
        for s in _SERIES
        if s[key_index] in r
    ]
    xs = [math.log10(p[0]) for p in points]
    ys = [math.log10(max(p[1], 1e-3)) for p in points]
    x_lo, x_hi = math.floor(min(xs)), math.ceil(max(xs))
    y_lo, y_hi = math.floor(min(ys)), math.ceil(max(ys))
    x_hi, y_hi = max(x_hi, x_lo + 1), max(y_hi, y_lo + 1)

    def px(x: float, y: float) -> tuple[float, float]:
        return (
            x0 + PAD + (math.log10(x) - x_lo) / (x_hi - x_lo) * (W - 2 * PAD),
            H - PAD - (math.log10(max(y, 1e-3)) - y_lo) / (y_hi - y_lo) * (H - 2 * PAD),
        )

    out = [f'<text x="{x0 + W / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>']
    for d in range(x_lo, x_hi + 1):
        x, _ = px(10.0**d, 10.0**y_lo)
        out.append(f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{H - PAD}" stroke="#ddd"/>')
        out.append(
            f'<text x="{x:.1f}" y="{H - PAD + 15}" text-anchor="middle" font-size="10">{10**d:g}</text>'
        )
    for d in range(y_lo, y_hi + 1):
        _, y = px(10.0**x_lo, 10.0**d)
        out.append(
            f'<line x1="{x0 + PAD}" y1="{y:.1f}" x2="{x0 + W - PAD}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x0 + PAD - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{10.0**d:g}</text>'
        )
    out.append(
        f'<text x="{x0 + W / 2}" y="{H - 12}" text-anchor="middle" font-size="11">pools</text>'
    )
    for _name, t_key, m_key, colour in _SERIES:
        key = (t_key, m_key)[key_index - 1]
        line = [px(float(r["pools"]), float(r[key])) for r in rows if key in r]
        if not line:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in line]
    return out


def write_chart(path: Path, rows: list[dict[str, Any]]) -> None:
    body = _panel(0, "wall time (s)", 1, rows) + _panel(W, "peak RSS (MB)", 2, rows)
    legend = [
        f'<text x="{PAD + i * 130}" y="{H + 12}" font-size="11" fill="{c}">&#9632; {n}</text>'
        for i, (n, _, _, c) in enumerate(_SERIES)
    ]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 20}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
        + "".join(body + legend)
        + "</svg>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")
