"""bench/run.py's load phase: how it counts writes and finds the list's saturation point.

The phase itself needs the bench's database, gunicorn, haproxy and locust (docs/performance.md,
"Load (issue 16)"); only its arithmetic is tested here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run_load", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_acknowledged_write_found_once_is_neither_lost_nor_duplicated(bench):
    assert bench.tally(["a", "b"], ["b", "a"]) == {
        "acknowledged": 2,
        "found": 2,
        "lost": 0,
        "duplicated": 0,
        "unacknowledged": 0,
    }


def test_missing_twice_written_and_unacknowledged_writes_are_each_counted(bench):
    tally = bench.tally(["a", "b", "c"], ["a", "a", "c", "d"])
    assert tally["lost"] == 1  # b
    assert tally["duplicated"] == 1  # a, once too often
    assert tally["unacknowledged"] == 1  # d: committed, though its user saw a failure


def step(users: int, rate: float, p95: float) -> dict:
    return {"users": users, "requests_per_s": rate, "p50_ms": p95 / 2, "p95_ms": p95, "errors": 0}


def test_the_saturation_point_is_where_p95_doubles_interpolated_between_steps(bench):
    steps = [step(1, 10, 100), step(2, 18, 150), step(4, 20, 250), step(8, 20, 500)]
    result = bench.saturation_point(steps)
    assert result["baseline_p95_ms"] == 100
    # 200 ms lies halfway from 150 ms (18/s) to 250 ms (20/s).
    assert result["saturation"] == {"requests_per_s": 19.0, "between_users": [2, 4]}
    assert result["max_requests_per_s"] == 20


def test_no_saturation_point_when_p95_never_doubles(bench):
    assert bench.saturation_point([step(1, 10, 100), step(2, 19, 120)])["saturation"] is None
