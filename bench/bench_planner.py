"""The offline planner: accuracy on the evaluation set, and time per plan.

Usage: .venv/bin/python bench/bench_planner.py [--repeat 20]

Plans every request of tests/planner/cases.jsonl and scores it (per outcome and
per trigger type, the whole set and the held-out fifth apart), then times each
request `--repeat` times in this process, after one warm-up pass (the first plan
of a process compiles the grammar: reported apart). No database and no network:
the planner reads the person from a PlanContext. For a reference measured in the
same run, it also times validating each planned draft (the three phases every
saved workflow goes through), and reports the ratio.

With `--model`, it also times the model brain against a local fake
OpenAI-compatible server (tests/model_server.py) that answers each request with
the offline brain's plan: the prompt, the HTTP round trip on loopback, the
answer's checks and the three phases, with no inference at all. It measures the
brain's own cost, not a model's; a repair round doubles it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import summary, table  # noqa: E402
from flask import Flask  # noqa: E402

from synth_web.engine.validation import _validate  # noqa: E402
from synth_web.planner import plan_for  # noqa: E402
from tests.model_server import FakeModel  # noqa: E402
from tests.planner.evaluate import check, context_of, load_cases  # noqa: E402

MODEL_FIELDS = ("workflow", "unsupported", "alternatives", "question")

TARGET_P95_MS = 50.0


def label(value: object) -> str:
    """Name an expected outcome or trigger (a list of allowed outcomes reads a|b)."""
    if isinstance(value, list):
        return "|".join(value)
    return str(value) if value is not None else "none"


def accuracy_rows(results: list[tuple[dict, bool]], key: str) -> list[dict]:
    """Right answers per expected outcome or trigger, whole set and held-out."""
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for case, ok in results:
        name = label(case["expect"][key])
        groups[name]["whole"].append(ok)
        if case["split"] == "heldout":
            groups[name]["heldout"].append(ok)
    rows = []
    for name in sorted(groups):
        row = {key: name}
        for split in ("whole", "heldout"):
            marks = groups[name][split]
            row[split] = f"{sum(marks)}/{len(marks)}" if marks else "–"
        rows.append(row)
    return rows


def share(marks: list[bool]) -> str:
    """Write a share of right answers as a percentage with its count."""
    return f"{sum(marks) / len(marks):.1%} ({sum(marks)}/{len(marks)})"


def timings(cases: list[dict], repeat: int) -> tuple[list[float], list[float]]:
    """Time planning and validating every case `repeat` times, in ms."""
    plans, checks = [], []
    for _ in range(repeat):
        for case in cases:
            context = context_of(case)
            began = time.perf_counter()
            plan = plan_for(case["request"], context)
            plans.append((time.perf_counter() - began) * 1000)
            if plan.workflow is not None:
                began = time.perf_counter()
                _validate(plan.workflow, dict(context.connections))
                checks.append((time.perf_counter() - began) * 1000)
    return plans, checks


def as_model_answer(case: dict) -> str:
    """Write the offline brain's plan of a case as a model would answer it."""
    answer = plan_for(case["request"], context_of(case)).as_dict()
    data = {key: answer[key] for key in MODEL_FIELDS}
    data["outcome"] = answer["outcome"].replace("needs_connection", "workflow")
    data["explanation"], data["assumptions"] = answer["explanation"], []
    return json.dumps(data)


def model_timings(cases: list[dict]) -> tuple[list[float], int]:
    """Time the model brain against the fake server; count the plans it answered."""
    server, times, kept = FakeModel(), [], 0
    app = Flask("bench-planner")
    app.config.update(SYNTH_PLANNER_URL=server.url, SYNTH_PLANNER_TIMEOUT=10.0)
    try:
        with app.app_context():
            for case in cases:
                server.script(as_model_answer(case))
                began = time.perf_counter()
                plan = plan_for(case["request"], context_of(case), brain="model")
                times.append((time.perf_counter() - began) * 1000)
                kept += plan.brain == "model"
    finally:
        server.close()
    return times, kept


def main() -> None:
    """Score and time the offline brain on the evaluation set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--model", action="store_true", help="also time the model brain (fake server)"
    )
    args = parser.parse_args()
    cases = load_cases()
    began = time.perf_counter()
    plan_for(cases[0]["request"], context_of(cases[0]))
    first = (time.perf_counter() - began) * 1000
    results = [(c, not check(c, plan_for(c["request"], context_of(c)))) for c in cases]
    heldout = [ok for case, ok in results if case["split"] == "heldout"]
    print(f"## Accuracy on {len(cases)} requests ({len(heldout)} held out)\n")
    print(f"- whole set: {share([ok for _, ok in results])}")
    print(f"- held-out: {share(heldout)}\n")
    print(table(accuracy_rows(results, "outcome")) + "\n")
    print(table(accuracy_rows(results, "trigger")) + "\n")
    plans, checks = timings(cases, args.repeat)
    planned, validated = summary(plans), summary(checks)
    print(
        f"## Time per plan ({len(plans)} plans; first of the process {first:.0f} ms)\n"
    )
    rows = [
        {"what": "plan (offline brain)", **planned},
        {"what": "validate the draft (reference)", **validated},
    ]
    if args.model:
        times, kept = model_timings(cases)
        label = (
            f"plan (model brain, fake local server, no inference; {kept} answered "
            f"by it, {len(cases) - kept} against the person refused before it)"
        )
        rows.append({"what": label, **summary(times)})
    print(table(rows) + "\n")
    ratio = planned["p50"] / validated["p50"] if validated["p50"] else float("nan")
    print(f"plan / validation at p50: {ratio:.1f}×")
    verdict = "meets" if planned["p95"] <= TARGET_P95_MS else "MISSES"
    print(f"p95 {planned['p95']} ms {verdict} the {TARGET_P95_MS:g} ms target")


if __name__ == "__main__":
    main()
