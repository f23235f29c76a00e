"""Time the input guard against plain json.loads on the same bodies.

Usage:
    .venv/bin/python bench/bench_inputs.py

Parses bodies of a few shapes (a typical webhook order, a wide 1 MB list, 10,000
keys, 60 levels deep) with `json.loads` alone, then with `inputs.load_json`
(parse and check), and prints the median of 30 runs of each and their ratio:
what the guard adds to every body that comes in. A script, not a test: numbers
depend on the machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synth_web.inputs import load_json  # noqa: E402

RUNS = 30


def bodies() -> dict[str, str]:
    """Return the bodies to time, by name."""
    order = {
        "id": 1234,
        "total": 150.5,
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "lines": [{"sku": f"SKU-{n}", "qty": n, "price": 9.99} for n in range(20)],
    }
    deep: object = 1
    for _ in range(60):
        deep = [deep]
    return {
        "webhook order (1.7 KB)": json.dumps(order),
        "1 MB of short strings": json.dumps(["abcdefgh"] * 9_000 + ["x" * 900_000]),
        "10,000 keys": json.dumps({f"k{n}": n for n in range(9_999)}),
        "60 levels deep": json.dumps(deep),
    }


def median_ms(work: Callable[[], object]) -> float:
    """Return the median time of RUNS calls, in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print one row per body: plain parse, guarded parse, ratio."""
    print("| body | json.loads ms | load_json ms | ratio |")
    print("|---|---:|---:|---:|")
    for name, text in bodies().items():
        plain = median_ms(lambda text=text: json.loads(text))
        guarded = median_ms(lambda text=text: load_json(text))
        print(f"| {name} | {plain:.3f} | {guarded:.3f} | {guarded / plain:.1f}× |")


if __name__ == "__main__":
    main()
