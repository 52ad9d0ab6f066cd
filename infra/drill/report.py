"""A drill's report: ``report.json``, ``report.md`` and ``report.html`` (with a timeline chart).

The executor (:mod:`infra.drill.executor`) builds the report as a JSON-able dict: the run, the
outage, the RTO and RPO with what was measured, the pre-checks, and per step its planned and
measured start and duration, its status and its cloud calls. This module writes it three ways:

- ``report.json``: the dict itself (sorted keys, indent 2), for tools and for comparing runs;
- ``report.md``: the same facts as Markdown tables (``templates/drill/report.md.j2``);
- ``report.html``: a self-contained page (inline CSS and SVG, no scripts, no external URLs) with
  a timeline: per step a bar for the plan and a bar for what was measured, on one minutes axis,
  with the RTO and the measured recovery as vertical lines (``templates/drill/report.html.j2``).

Each file is written atomically (a temporary file in the same directory, fsync'd, renamed over
the old one), so a reader never sees half a report. :func:`summary_lines` gives the few lines a
terminal prints at the end of a drill.

Measured minutes are drill minutes: against a fake cloud that runs ``time_factor`` times real
speed the executor has already divided wall time by the factor, so they compare with the plan's.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jinja2

from infra.assets import templates_dir
from infra.errors import printable

__all__ = ["render_html", "render_markdown", "report_view", "summary_lines", "write_reports"]

JSON_NAME, MARKDOWN_NAME, HTML_NAME = "report.json", "report.md", "report.html"
_MARKDOWN_TEMPLATE = "drill/report.md.j2"
_HTML_TEMPLATE = "drill/report.html.j2"

# Step and call statuses, in legend order, with their chart colours (the HTML's CSS uses the
# same through the `status-<name>` classes the template writes from this table).
STATUS_COLOURS: dict[str, str] = {
    "done": "#2e7d32",
    "approved": "#6a3fb5",
    "reconciled": "#00897b",
    "failed": "#c62828",
    "skipped": "#9e9e9e",
    "started": "#1e88e5",
    "pending": "#ef8f00",
    "planned": "#5b7fa6",
}
_UNKNOWN_COLOUR = "#455a64"
_STATUS_MEANING = {
    "done": "done",
    "approved": "approved by hand",
    "reconciled": "found done (resumed run)",
    "failed": "failed",
    "skipped": "skipped",
    "started": "started, not finished",
    "pending": "not run",
    "planned": "planned (dry run)",
}

# Timeline geometry (SVG user units; the SVG scales to the page's width).
_WIDTH = 1200
_LABEL_WIDTH = 290
_RIGHT_PAD = 36
_ROW_HEIGHT = 40
_LANE_HEIGHT = 16
_AXIS_HEIGHT = 22
_MIN_BAR = 4.0  # a bar of zero minutes is still visible
_LABEL_CHARS = 34  # step ids longer than this are cut (the full id is in the tooltip)
_TITLE_CHARS = 44


# -- writing ---------------------------------------------------------------------------------


def write_reports(report: Mapping[str, Any], directory: Path) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``directory``.

    Every text is rendered before the first file is written (a template error writes nothing);
    each file then replaces its previous version atomically. Returns ``{"json": path, "md":
    path, "html": path}``.
    """
    document = _plain(report)
    texts = {
        "json": (JSON_NAME, json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"),
        "md": (MARKDOWN_NAME, render_markdown(document)),
        "html": (HTML_NAME, render_html(document)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for key, (name, text) in texts.items():
        written[key] = _write_atomically(directory / name, text)
    _fsync_directory(directory)
    return written


def _write_atomically(path: Path, text: str) -> Path:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _plain(value: Any) -> Any:
    """``value`` as plain dicts and lists (a Mapping or tuple the executor used is copied)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# -- rendering -------------------------------------------------------------------------------


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown (``templates/drill/report.md.j2``)."""
    env = _environment(html=False)
    return env.get_template(_MARKDOWN_TEMPLATE).render(r=report_view(report))


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (``templates/drill/report.html.j2``)."""
    env = _environment(html=True)
    view = report_view(report)
    return env.get_template(_HTML_TEMPLATE).render(r=view, chart=_timeline(view))


def _environment(*, html: bool) -> jinja2.Environment:
    # StrictUndefined: a misspelt variable fails the render instead of printing nothing.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=html,  # every string in the HTML is escaped; Markdown uses `md` and `code`
    )
    env.filters["md"] = _markdown_text
    env.filters["code"] = _markdown_code
    return env


# Characters that would start Markdown syntax or raw HTML inside a table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|])")
_ENTITY = re.compile(r"&(#?[A-Za-z0-9]+;)")


def _markdown_text(value: Any) -> str:
    """Text for a Markdown table cell or list item: one line, nothing read as Markdown/HTML."""
    text = " ".join(printable(str(value)).split()) if value is not None else ""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _ENTITY.sub(r"\\&\1", text)


def _markdown_code(value: Any) -> str:
    """A Markdown code span holding ``value`` verbatim (pipes escaped for GFM tables)."""
    text = " ".join(printable(str(value)).split())
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text.replace('|', chr(92) + '|')}{fence}"


# -- the view the templates read -----------------------------------------------------------


def report_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the templates show: the report's facts, formatted, with the verdict worked out."""
    dry = report.get("mode") == "dry-run"
    rto, rpo = report.get("rto_minutes"), report.get("rpo_minutes")
    estimated, measured = report.get("estimated_rto_minutes"), report.get("measured_rto_minutes")
    rto_met = report.get("rto_met")
    rpo_block = _mapping(report.get("rpo"))
    steps = [_step_view(s) for s in _records(report.get("steps"))]
    verdict, verdict_class = _verdict(report)
    factor = report.get("time_factor")
    return {
        "run": _text(report.get("run")),
        "stack": _text(report.get("stack")),
        "outage": _text(report.get("outage")),
        "outage_title": _text(report.get("outage_title") or report.get("outage")),
        "mode": "dry run" if dry else _text(report.get("mode") or "execute"),
        "dry_run": dry,
        "failback": bool(report.get("failback")),
        "started": _when(report.get("started")),
        "finished": _when(report.get("finished")),
        "ok": report.get("ok") is True,
        "endpoints": [
            f"{_text(name)} {_without_userinfo(_text(url))}"
            for name, url in sorted(_mapping(report.get("endpoints")).items())
        ],
        "verdict": verdict,
        "verdict_class": verdict_class,
        "recovery_line": _recovery_line(report),
        "rpo_line": _rpo_line(report),
        "rto": _minutes(rto),
        "rto_value": _number(rto),
        "estimated_value": _number(estimated),
        "measured_value": _number(measured),
        "rpo_minutes": _minutes(rpo),
        "estimated": _minutes(estimated),
        "measured": _minutes(measured),
        "rto_result": _target(rto_met) if rto is not None and not dry else None,
        "rpo_result": _target(rpo_block.get("ok")) if rpo is not None and not dry else None,
        "measured_seconds": _seconds(report.get("measured_seconds")),
        "time_factor": _text(factor) if factor is not None else None,
        "scaled": _number(factor) is not None and _number(factor) != 1.0 and not dry,
        "rpo_checks": [
            {
                "cluster": _text(c.get("cluster")),
                "step": _text(c.get("step")),
                "newest": _when(c.get("newest")),
                "age": _minutes(c.get("age_minutes")),
                "result": _result(c.get("ok")),
                "result_class": _result_class(c.get("ok")),
                "detail": _text(c.get("detail")),
            }
            for c in _records(rpo_block.get("checks"))
        ],
        "prechecks": [
            {
                "step": _text(c.get("step")),
                "pool": _text(c.get("pool")),
                "check": _text(c.get("check")),
                "result": _result(c.get("ok")),
                "result_class": _result_class(c.get("ok")),
                "detail": _text(c.get("detail")),
            }
            for c in _records(report.get("prechecks"))
        ],
        "steps": steps,
        "problems": [_text(p) for p in _list(report.get("problems"))],
        "statuses": _legend(steps),
        "colours": STATUS_COLOURS,
        "unknown_colour": _UNKNOWN_COLOUR,
    }


def _step_view(step: Mapping[str, Any]) -> dict[str, Any]:
    planned_start = _number(step.get("planned_start_minutes")) or 0.0
    planned = _number(step.get("planned_minutes")) or 0.0
    measured_start = _number(step.get("measured_start_minutes"))
    measured = _number(step.get("measured_minutes"))
    status = _text(step.get("status") or "planned")
    return {
        "id": _text(step.get("id")),
        "title": _text(step.get("title")),
        "phase": _text(step.get("phase")),
        "cloud": _text(step.get("cloud")),
        "region": _text(step.get("region")),
        "depends_on": [_text(d) for d in _list(step.get("depends_on"))],
        "critical": step.get("critical") is True,
        "status": status,
        "status_class": _css_name(status),
        "colour": STATUS_COLOURS.get(status, _UNKNOWN_COLOUR),
        "planned_start": planned_start,
        "planned_minutes": planned,
        "planned_start_text": _minutes(planned_start),
        "planned_minutes_text": _minutes(planned),
        "measured_start": measured_start,
        "measured_minutes": measured,
        "measured_start_text": _minutes(measured_start),
        "measured_minutes_text": _minutes(measured),
        # A measured bar needs both ends; a step that never started has neither.
        "measured": measured_start is not None and measured is not None,
        "error": _text(step.get("error")) if step.get("error") is not None else None,
        "approval": _text(step.get("approval")) if step.get("approval") else None,
        "commands": [_text(c) for c in _list(step.get("commands"))],
        "calls": [
            {
                "describe": _text(c.get("describe")),
                "mutating": c.get("mutating") is True,
                "status": _text(c.get("status")),
                "status_class": _css_name(_text(c.get("status"))),
                "attempts": _text(c.get("attempts")) if c.get("attempts") is not None else None,
                "seconds": _seconds(c.get("seconds")),
                "error": _text(c.get("error")) if c.get("error") is not None else None,
            }
            for c in _records(step.get("calls"))
        ],
    }


def _legend(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The statuses the chart uses, in legend order (unknown ones last)."""
    used = {str(s["status"]) for s in steps}
    known = [s for s in STATUS_COLOURS if s in used]
    other = sorted(used - set(STATUS_COLOURS))
    return [
        {
            "status": s,
            "class": _css_name(s),
            "colour": STATUS_COLOURS.get(s, _UNKNOWN_COLOUR),
            "meaning": _STATUS_MEANING.get(s, s),
        }
        for s in known + other
    ]


# -- the verdict and the terminal summary ---------------------------------------------------


def _verdict(report: Mapping[str, Any]) -> tuple[str, str]:
    """(words, css class) of the verdict on the RTO."""
    if report.get("mode") == "dry-run":
        return "dry run: nothing was called", "dry"
    if report.get("rto_met") is True:
        return "RTO met", "met"
    if report.get("rto_met") is False:
        return "RTO missed", "missed"
    if report.get("measured_rto_minutes") is None:
        return "recovery not completed", "missed"
    return "no RTO to compare with", "unknown"


def _failback_line(report: Mapping[str, Any]) -> str:
    steps = _records(report.get("steps"))
    done = [s for s in steps if s.get("status") in {"done", "approved"}]
    verdict = "returned" if steps and len(done) == len(steps) else "NOT fully returned"
    return (
        f"failback {verdict}: {len(done)} of {len(steps)} steps done "
        "(traffic back to the source, then the standby pools to the sizes the drill found)"
    )


def _recovery_line(report: Mapping[str, Any]) -> str:
    rto = _minutes(report.get("rto_minutes"))
    estimated = _minutes(report.get("estimated_rto_minutes"))
    measured = _minutes(report.get("measured_rto_minutes"))
    estimate = f"estimated {estimated} min" if estimated is not None else "no estimate"
    if report.get("mode") == "dry-run":
        if rto is None:
            return f"dry run: {estimate}; the stack sets no RTO; nothing was called"
        est, goal = (_number(report.get(k)) for k in ("estimated_rto_minutes", "rto_minutes"))
        fits = est is not None and goal is not None and est <= goal
        within = "within it" if fits else "EXCEEDS it"
        return f"dry run: {estimate} vs RTO {rto} min: {within}; nothing was called"
    if measured is None:
        target = f"RTO {rto} min" if rto is not None else "no RTO set"
        line = f"recovery not measured: the failover did not finish ({target}, {estimate})"
    elif rto is None:
        line = f"measured recovery {measured} min ({estimate}); the stack sets no RTO"
    else:
        met = _words(report.get("rto_met"), "met", "MISSED", "not judged")
        line = f"measured recovery {measured} min vs RTO {rto} min: {met} ({estimate})"
    factor = _number(report.get("time_factor"))
    seconds = _seconds(report.get("measured_seconds"))
    if factor is not None and factor != 1.0 and seconds is not None:
        line += f"; {seconds} s of wall time at time factor {_text(report.get('time_factor'))}"
    return line


def _rpo_line(report: Mapping[str, Any]) -> str:
    rpo = _minutes(report.get("rpo_minutes"))
    block = _mapping(report.get("rpo"))
    checks = _records(block.get("checks"))
    if rpo is None:
        return "RPO: the stack sets none"
    if report.get("mode") == "dry-run":
        return f"RPO {rpo} min: not checked (dry run)"
    result = _words(block.get("ok"), "met", "MISSED", "not checked")
    parts = []
    for check in checks:
        age = _minutes(check.get("age_minutes"))
        cluster = _text(check.get("cluster"))
        if age is not None:
            parts.append(f"{cluster}: newest checkpoint {age} min old")
        else:
            parts.append(f"{cluster}: {_text(check.get('detail'))}")
    return f"RPO {rpo} min: {result}" + (f" ({'; '.join(parts)})" if parts else "")


def summary_lines(report: Mapping[str, Any]) -> list[str]:
    """The lines a terminal prints at the end of a drill: the RTO verdict, the RPO, every failed
    pre-check, every failed step, the skipped and unfinished steps, and any other problem. A
    failback says what it returned instead (it has no RTO or RPO of its own)."""
    if report.get("failback"):
        lines = [_failback_line(report)]
    else:
        lines = [_recovery_line(report), _rpo_line(report)]
    said: list[str] = []
    for check in _records(report.get("prechecks")):
        if check.get("ok") is False:
            detail = _text(check.get("detail"))
            said.append(detail)
            what = " ".join(_text(check.get(k)) for k in ("step", "pool", "check") if check.get(k))
            lines.append(f"pre-check failed: {what}: {detail}")
    steps = _records(report.get("steps"))
    for step in steps:
        if step.get("status") == "failed":
            error = _text(step.get("error") or "no error recorded")
            said.append(error)
            lines.append(f"step failed: {_text(step.get('id'))}: {error}")
    if report.get("mode") != "dry-run":
        for status, words in (
            ("skipped", "skipped"),
            ("started", "started, not finished"),
            ("pending", "not run"),
        ):
            ids = [_text(s.get("id")) for s in steps if s.get("status") == status]
            if ids:
                lines.append(f"{words}: {', '.join(ids)}")
    for problem in _list(report.get("problems")):
        text = _text(problem)
        if not any(part and part in text for part in said) and text not in lines:
            lines.append(text)
    return [printable(line) for line in lines]


# -- the timeline ----------------------------------------------------------------------------


def _timeline(view: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry of the timeline SVG: rows, bars, axis ticks and vertical markers."""
    steps: list[Mapping[str, Any]] = view["steps"]
    markers_in = [
        ("rto", "RTO", view["rto_value"]),
        ("measured", "recovered", view["measured_value"]),
        ("estimated", "estimated", view["estimated_value"]),
    ]
    markers_in = [(k, label, m) for k, label, m in markers_in if m is not None and m >= 0]
    ends = [s["planned_start"] + s["planned_minutes"] for s in steps]
    ends += [s["measured_start"] + s["measured_minutes"] for s in steps if s["measured"]]
    ends += [m for _, _, m in markers_in]
    step, axis_max = _axis(max(ends, default=0.0))
    lanes = len(markers_in)
    top = 10 + lanes * _LANE_HEIGHT + _AXIS_HEIGHT
    chart_left = _LABEL_WIDTH + 12
    chart_width = _WIDTH - chart_left - _RIGHT_PAD
    rows_height = max(len(steps), 1) * _ROW_HEIGHT
    bottom = top + rows_height
    height = bottom + _AXIS_HEIGHT + 8

    def x(minutes: float) -> float:
        return round(chart_left + max(minutes, 0.0) / axis_max * chart_width, 2)

    def width(minutes: float) -> float:
        return round(max(minutes / axis_max * chart_width, _MIN_BAR), 2)

    ticks = []
    count = round(axis_max / step)
    for i in range(count + 1):
        value = i * step
        ticks.append({"x": x(value), "label": _minutes(value)})
    rows = []
    for i, s in enumerate(steps):
        y = top + i * _ROW_HEIGHT
        row: dict[str, Any] = {
            "step": s,
            "y": y,
            "stripe": i % 2 == 1,
            "label": _cut(s["id"], _LABEL_CHARS),
            "title": _cut(s["title"], _TITLE_CHARS),
            "planned": {
                "x": x(s["planned_start"]),
                "y": y + 8,
                "width": width(s["planned_minutes"]),
                "height": 10,
                "tip": f"{s['id']}: planned {s['planned_start_text']} to "
                f"{_minutes(s['planned_start'] + s['planned_minutes'])} min",
            },
            "measured": None,
            "note": None,
        }
        if s["measured"]:
            row["measured"] = {
                "x": x(s["measured_start"]),
                "y": y + 21,
                "width": width(s["measured_minutes"]),
                "height": 12,
                "tip": f"{s['id']}: {s['status']}, measured {s['measured_start_text']} to "
                f"{_minutes(s['measured_start'] + s['measured_minutes'])} min"
                + (f": {s['error']}" if s["error"] else ""),
            }
            if s["error"]:
                end = s["measured_start"] + s["measured_minutes"]
                right = x(end) > chart_left + chart_width * 0.6
                row["note"] = {
                    "x": x(s["measured_start"]) - 6 if right else x(end) + _MIN_BAR + 6,
                    "y": y + 31,
                    "anchor": "end" if right else "start",
                    "text": f"{_STATUS_MEANING.get(s['status'], s['status'])}: {_cut(s['error'], 90)}",
                }
        elif s["status"] != "planned":
            row["note"] = {
                "x": x(s["planned_start"]),
                "y": y + 31,
                "anchor": "start",
                "text": _STATUS_MEANING.get(s["status"], s["status"])
                + (f": {_cut(s['error'], 80)}" if s["error"] else ""),
            }
        rows.append(row)
    markers = []
    for lane, (kind, label, minutes) in enumerate(markers_in):
        mx = x(minutes)
        right = mx > chart_left + chart_width * 0.8
        markers.append(
            {
                "kind": kind,
                "x": mx,
                "label": f"{label} {_minutes(minutes)} min",
                "label_y": 10 + lane * _LANE_HEIGHT + 11,
                "anchor": "end" if right else "start",
                "label_x": mx - 4 if right else mx + 4,
            }
        )
    return {
        "width": _WIDTH,
        "height": height,
        "row_height": _ROW_HEIGHT,
        "chart_left": chart_left,
        "chart_right": chart_left + chart_width,
        "top": top,
        "bottom": bottom,
        "label_x": 12,
        "axis_top_y": top - 7,
        "axis_bottom_y": bottom + 16,
        "ticks": ticks,
        "rows": rows,
        "markers": markers,
        "empty": not steps,
    }


def _axis(largest: float) -> tuple[float, float]:
    """A tick step of 1, 2 or 5 times a power of ten giving about eight ticks, and the axis end
    (a whole number of steps at or past ``largest``)."""
    largest = max(largest, 1.0)
    raw = largest / 8
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    end = math.ceil(largest * 1.02 / step) * step
    return float(step), float(end)


# -- small helpers -----------------------------------------------------------------------------


def _without_userinfo(url: str) -> str:
    """An endpoint URL without any ``user:password@`` part: reports never show credentials."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in _list(value) if isinstance(v, Mapping)]


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _minutes(value: Any) -> str | None:
    """Minutes for people: ``24``, ``23.4``, ``19.0`` (18.96), ``<0.1``; None stays None."""
    number = _number(value)
    if number is None:
        return None if value is None else str(value)
    if number.is_integer():
        return str(int(number))
    if abs(number) < 0.05:
        return "<0.1"
    return f"{number:.1f}"  # 18.96 is "19.0": a measurement, not a whole number of minutes


def _seconds(value: Any) -> str | None:
    number = _number(value)
    if number is None:
        return None if value is None else str(value)
    return f"{number:.2f}" if abs(number) < 10 else f"{number:.1f}"


def _when(value: Any) -> str | None:
    """An ISO timestamp as ``2026-12-02 04:12:00 UTC`` (other offsets kept); None stays None."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    offset = moment.utcoffset()
    if offset is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if not offset:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC%z")


def _words(value: Any, yes: str, no: str, other: str) -> str:
    """``yes`` for True, ``no`` for False, ``other`` for anything else (None: not known)."""
    return yes if value is True else no if value is False else other


def _result(ok: Any) -> str:
    return _words(ok, "ok", "FAILED", "not checked")


def _target(met: Any) -> dict[str, str]:
    """Whether an RTO or RPO was met: words and a css class."""
    return {"text": _words(met, "met", "MISSED", "not measured"), "class": _result_class(met)}


def _result_class(ok: Any) -> str:
    return _words(ok, "ok", "bad", "none")


def _css_name(status: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", status.lower()) or "unknown"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
