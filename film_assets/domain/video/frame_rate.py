"""Frame rates as exact fractions, so durations count whole frames and never drift."""

from __future__ import annotations

from fractions import Fraction


def frame_rate(value: float | int | str | Fraction) -> Fraction:
    """24 -> 24/1; 23.976 and 29.97 -> the NTSC rates 24000/1001 and 30000/1001; '25/1' -> 25."""
    rate = Fraction(value) if not isinstance(value, float) else Fraction(value).limit_denominator(100000)
    ntsc = rate * Fraction(1001, 1000)
    if rate.denominator != 1 and abs(ntsc - round(ntsc)) < Fraction(1, 100):
        return Fraction(round(ntsc) * 1000, 1001)
    return rate.limit_denominator(1001)
