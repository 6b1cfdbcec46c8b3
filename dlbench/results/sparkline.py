"""A loss curve in a dozen characters, for terminal tables: ``▇▅▄▃▂▂▁▁▁▁▁▁``."""

from __future__ import annotations

import math

__all__ = ["sparkline", "BLOCKS"]

BLOCKS = "▁▂▃▄▅▆▇█"
MISSING = "×"
"""Shown for a NaN or infinite value (a diverged run ends with it)."""


def sparkline(values, width: int = 12, log: bool = True) -> str:
    """``width`` block characters drawing ``values`` (e.g. a loss per epoch), lowest to highest.

    The curve is resampled to ``width`` points (nearest epoch; the first and last are always
    shown), and each point's height is its place between the curve's own minimum and maximum, on
    a log scale by default (losses span decades). NaN and infinite values are drawn as ``×``;
    zero or negative values on the log scale as the lowest block; a flat curve as a row of
    middle blocks. An empty input gives an empty string.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        from ..errors import invalid

        raise invalid("width", "sparkline", "an integer >= 1", width)
    points = [float(v) for v in values]
    n = len(points)
    if n == 0:
        return ""
    picks = [points[round(i * (n - 1) / (width - 1))] if width > 1 else points[-1] for i in range(width)]

    def level(v: float) -> float | None:
        if not math.isfinite(v):
            return None
        if log:
            return math.log10(v) if v > 0 else -math.inf
        return v

    levels = [level(v) for v in picks]
    finite = [x for x in levels if x is not None and math.isfinite(x)]
    if not finite:
        return "".join(MISSING if x is None else BLOCKS[0] for x in levels)
    low, high = min(finite), max(finite)
    out = []
    for x in levels:
        if x is None:
            out.append(MISSING)
        elif not math.isfinite(x):  # zero or negative on the log scale
            out.append(BLOCKS[0])
        elif high == low:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[min(7, int(round((x - low) / (high - low) * 7)))])
    return "".join(out)
