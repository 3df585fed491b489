"""Hostile screenplays against the parser: the time and peak memory of each, parsed or refused.

    .venv/bin/python bench/hostile_input_bench.py [--repeat 3]

Each input is at the size the API accepts (2 MiB) or at the parser's limits (30,000 lines, 2,000
scenes). Prints per input the median seconds of --repeat parses, the peak memory of one more parse
traced with tracemalloc (timed apart: tracing slows Python several times over), and the outcome.
The target: every input parsed or refused in at most 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from film_assets.domain.screenplay.document import FountainError  # noqa: E402
from film_assets.domain.screenplay.fountain import MAX_SCENES, parse_fountain  # noqa: E402
from film_assets.domain.screenplay.fountain_text import MAX_LINES  # noqa: E402

HEAD = "INT. DINER - NIGHT\n\n"
MIB = 1024 * 1024


def inputs() -> dict[str, str]:
    return {
        "2 MiB on one line": HEAD + "rain " * (2 * MIB // 5),
        "100,000 scenes": "".join(f"INT. ROOM {i} - DAY\n\nShe waits.\n\n" for i in range(100_000)),
        f"{MAX_SCENES:,} scenes and one more": "".join(
            f"INT. ROOM {i} - DAY\n\nShe waits.\n\n" for i in range(MAX_SCENES + 1)
        ),
        f"{MAX_LINES:,} lines of dialogue": HEAD + "".join(f"BOB\nLine {i}.\n\n" for i in range((MAX_LINES - 3) // 3)),
        "2,000,000 empty lines": HEAD + "Hi.\n" + "\n" * 2_000_000,
        "unterminated boneyard": HEAD + "/* " + "bones\n" * 20_000,
        "boneyard nested 100,000 deep": HEAD + "/* " * 100_000 + "x" + " */" * 100_000 + "\n",
        "unterminated note": HEAD + "[[ " + "a note\n" * 20_000,
        "notes nested 100,000 deep": HEAD + "[[ " * 100_000 + "x" + " ]]" * 100_000 + "\n",
        "300,000 unmatched * and _": HEAD + "a * b _ " * 150_000 + "\n",
        "2 MiB of *_*_": HEAD + "*_" * MIB + "\n",
        "control characters": HEAD + "".join(chr(c) for c in range(1, 32) if c not in (10, 13)) * 60_000 + "\n",
        "NUL byte": HEAD + "Hi.\nthere\x00\n",
        "right-to-left and combining marks": f"Title: \u05e9\u05dc\u05d5\u05dd\n\n{HEAD}DANA\n"
        + "e\u0301" * MIB
        + "\n",
    }


def parse(text: str) -> str:
    try:
        script = parse_fountain(text)
    except FountainError as error:
        return f"refused: {error}"
    return f"parsed: {len(script.scenes):,} scene(s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    worst = 0.0
    print(f"{'input':<36}{'MiB':>6}{'seconds':>9}{'peak MiB':>10}  outcome")
    for name, text in inputs().items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            outcome = parse(text)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        parse(text)
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
        seconds = statistics.median(times)
        worst = max(worst, seconds)
        size = len(text.encode("utf-8")) / MIB
        print(f"{name:<36}{size:6.2f}{seconds:9.3f}{peak:10.1f}  {outcome[:90]}", flush=True)
    print(f"\nslowest: {worst:.3f} s (target: every input in at most 2 s)")


if __name__ == "__main__":
    main()
