"""A PNG of an HTML page with headless Chromium, and a standard-library check that it shows ink.

``screenshot(html, png)`` runs Chromium (``$INFRA_CHROMIUM``, else ``chromium``,
``chromium-headless-shell`` or ``google-chrome`` on PATH) as a subprocess with a fresh profile
in a temporary directory, no network services and a 60 s timeout. ``ink_fraction(png)`` decodes
the PNG with zlib and the PNG filters (8-bit RGB or RGBA, not interlaced: what Chromium writes)
and gives the share of pixels that differ from the most common (background) colour;
``is_blank(png)`` says whether a page rendered nothing worth looking at.

    python -m tools.screenshot build/drill/report.html /tmp/report.png

prints the PNG's path and its ink fraction. On Debian, ``apt-get install -y chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from operator import add, xor
from pathlib import Path

__all__ = [
    "ChromiumNotFound",
    "Ink",
    "ScreenshotError",
    "find_chromium",
    "ink",
    "ink_fraction",
    "is_blank",
    "read_png",
    "screenshot",
]

CHROMIUM_NAMES = ("chromium", "chromium-headless-shell", "google-chrome")
TIMEOUT_SECONDS = 60
# A page is blank below this share of non-background pixels or with fewer colours: a rendered
# report has text, bars and lines (thousands of anti-aliased shades); an empty page has one.
BLANK_INK = 0.005
BLANK_COLOURS = 3

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MASK = (255).__and__
_NONZERO = re.compile(rb"[^\x00]+")


class ScreenshotError(RuntimeError):
    """Chromium did not produce the screenshot (one line, with the end of its stderr)."""


class ChromiumNotFound(ScreenshotError):
    """No Chromium binary: neither $INFRA_CHROMIUM nor one on PATH."""


def find_chromium() -> str | None:
    """The Chromium to run: ``$INFRA_CHROMIUM`` if set (it must exist), else the first of
    ``chromium``, ``chromium-headless-shell``, ``google-chrome`` on PATH, else None."""
    configured = os.environ.get("INFRA_CHROMIUM")
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ChromiumNotFound(f"INFRA_CHROMIUM={configured!r} is not an executable")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 900) -> Path:
    """Render ``html`` in headless Chromium at ``width`` x ``height`` and write ``png``.

    The PNG is written beside its final name and renamed into place, so a failed run never
    leaves an old or partial screenshot looking like a new one. Raises :class:`ChromiumNotFound`
    without Chromium and :class:`ScreenshotError` when it fails or takes over 60 s.
    """
    binary = find_chromium()
    if binary is None:
        raise ChromiumNotFound(
            "no Chromium: set INFRA_CHROMIUM or put one of "
            f"{', '.join(CHROMIUM_NAMES)} on PATH (Debian: apt-get install -y chromium)"
        )
    page = Path(html).resolve()
    if not page.is_file():
        raise ScreenshotError(f"{page}: no such file")
    target = Path(png).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="infra-chromium-"))
    try:
        shot = profile / "screenshot.png"
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size={int(width)},{int(height)}",
            page.as_uri(),
        ]
        _run(command, profile)
        if not shot.is_file() or shot.stat().st_size == 0:
            raise ScreenshotError(f"{Path(binary).name} wrote no screenshot of {page}")
        staging = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(shot, staging)
        os.replace(staging, target)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return target


def _run(command: list[str], home: Path) -> None:
    # A session of its own: on a timeout the whole group (browser, zygote, renderers) is killed,
    # not only the process we started.
    env = {**os.environ, "HOME": str(home)}
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            _, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ScreenshotError(
                f"{Path(command[0]).name} took over {TIMEOUT_SECONDS} s: killed"
            ) from None
    if process.returncode != 0:
        tail = " | ".join(stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise ScreenshotError(
            f"{Path(command[0]).name} exited with {process.returncode}: {tail or 'no output'}"
        )


# -- reading the PNG ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ink:
    """What a screenshot shows, in numbers."""

    width: int
    height: int
    background: tuple[int, ...]  # the most common colour (RGB or RGBA)
    ink_fraction: float  # share of pixels of another colour
    colours: int  # distinct colours

    @property
    def blank(self) -> bool:
        return self.ink_fraction < BLANK_INK or self.colours < BLANK_COLOURS


def read_png(png: Path) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, pixel rows without filter bytes) of an 8-bit RGB or RGBA,
    non-interlaced PNG. Raises ValueError for anything else or a damaged file."""
    data = Path(png).read_bytes()
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{png}: not a PNG")
    pos, header, idat = len(_SIGNATURE), b"", []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise ValueError(f"{png}: truncated {kind!r} chunk")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise ValueError(f"{png}: bad CRC in {kind!r} chunk")
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if len(header) != 13:
        raise ValueError(f"{png}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError(
            f"{png}: only 8-bit RGB/RGBA non-interlaced PNGs are read "
            f"(bit depth {depth}, colour type {colour}, interlace {interlace})"
        )
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) < (stride + 1) * height:
        raise ValueError(f"{png}: image data too short")
    return width, height, bpp, _unfilter(raw, width, height, bpp)


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> bytes:
    """Undo the per-row PNG filters (None, Sub, Up, Average, Paeth)."""
    stride = width * bpp
    out = bytearray(stride * height)
    prior = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = raw[start + 1 : start + 1 + stride]
        if kind == 0:
            row = bytes(line)
        elif kind == 1:  # Sub: a running sum per byte of the pixel, modulo 256
            rowa = bytearray(stride)
            for lane in range(bpp):
                rowa[lane::bpp] = bytes(map(_MASK, accumulate(line[lane::bpp])))
            row = bytes(rowa)
        elif kind == 2:  # Up
            row = bytes(map(_MASK, map(add, line, prior)))
        elif kind == 3:  # Average
            rowa = bytearray(line)
            for i in range(stride):
                left = rowa[i - bpp] if i >= bpp else 0
                rowa[i] = (rowa[i] + ((left + prior[i]) >> 1)) & 255
            row = bytes(rowa)
        elif kind == 4:  # Paeth
            row = _paeth(line, prior, bpp)
        else:
            raise ValueError(f"unknown PNG filter {kind} in row {y}")
        out[y * stride : (y + 1) * stride] = row
        prior = row
    return bytes(out)


def _paeth(line: bytes, prior: bytes, bpp: int) -> bytes:
    """Undo the Paeth filter. Where the byte above equals the one above-left (a page's flat
    background), Paeth predicts the left byte, as Sub does: those runs are summed in C
    (``accumulate``); only the bytes below an edge take the per-byte loop."""
    n = len(line)
    row = bytearray(line)
    for i in range(min(bpp, n)):  # no left neighbour: the prediction is the byte above
        row[i] = (line[i] + prior[i]) & 255
    edges = bytes(map(xor, prior[bpp:], prior[:-bpp]))  # edges[k] != 0: prior differs at k+bpp
    done = bpp
    for match in _NONZERO.finditer(edges):
        _sub_run(row, line, bpp, done, match.start() + bpp)
        for i in range(match.start() + bpp, match.end() + bpp):
            a, b, c = row[i - bpp], prior[i], prior[i - bpp]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - c - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            row[i] = (row[i] + pred) & 255
        done = match.end() + bpp
    _sub_run(row, line, bpp, done, n)
    return bytes(row)


def _sub_run(row: bytearray, line: bytes, bpp: int, start: int, end: int) -> None:
    """row[i] = line[i] + row[i - bpp] (mod 256) for start <= i < end, one lane at a time."""
    for lane in range(start, min(start + bpp, end)):
        values = accumulate(line[lane:end:bpp], initial=row[lane - bpp])
        row[lane:end:bpp] = bytes(map(_MASK, values))[1:]


def ink(png: Path) -> Ink:
    """The background colour, the share of other pixels and the number of colours of ``png``."""
    width, height, bpp, pixels = read_png(png)
    lanes = [pixels[i::bpp] for i in range(bpp)]
    counts = Counter(zip(*lanes, strict=True))
    total = width * height
    if not counts:
        return Ink(width, height, (), 0.0, 0)
    background, count = counts.most_common(1)[0]
    return Ink(width, height, background, (total - count) / total, len(counts))


def ink_fraction(png: Path) -> float:
    """The share of pixels of ``png`` that differ from its most common (background) colour."""
    return ink(png).ink_fraction


def is_blank(png: Path) -> bool:
    """True if ``png`` shows (almost) nothing: under 0.5 % ink or fewer than 3 colours."""
    return ink(png).blank


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m tools.screenshot HTML PNG", file=sys.stderr)
        return 2
    try:
        path = screenshot(Path(args[0]), Path(args[1]))
        measured = ink(path)
    except (ScreenshotError, ValueError, OSError) as error:
        print(f"screenshot: {error}", file=sys.stderr)
        return 1
    print(path)
    print(
        f"ink {measured.ink_fraction:.4f} ({measured.colours} colours, "
        f"{measured.width}x{measured.height}){' BLANK' if measured.blank else ''}"
    )
    return 1 if measured.blank else 0


if __name__ == "__main__":
    sys.exit(main())
