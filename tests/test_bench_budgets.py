"""bench/run.py: budgets are ratios, each row says whether it held, and a miss fails the run.

See docs/performance.md. Only the judging is tested here; measuring needs the full data.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(x_ref: float) -> dict:
    return {"queries": 7, "p50_ms": 10.0, "p95_ms": 11.0, "x_ref": x_ref}


def results(actions=50_000, notes=500_000, database="postgresql", **pages) -> dict:
    return {
        "data": {
            "actions": actions,
            "notes": notes,
            "database": database,
            "machine": "2 cores",
            "load_average": {"start": [1.0], "end": [1.0]},
            "cpu_reference_ms": {"start": 5.0, "end": 5.0},
        },
        "pages": {
            "dashboard": page(9.9),
            "dashboard_inspector": page(29.0),
            "admin_actions": page(11.0),
            "admin_notes": page(40.0),
            "cpu_reference": page(1.2),
            **pages,
        },
        "export": {
            "rows": 50_000,
            "seconds": 0.8,
            "copy_seconds": 0.7,
            "ratio_to_copy": 0.85,
            "path": "COPY",
            "peak_rss_growth_mb": 0.1,
            "first_byte_ms": 30,
        },
    }


def test_the_budgets_are_the_agreed_ratios(bench):
    staff = ["dashboard", "actions_list", "actions_search", "action_detail", "inspection"]
    assert {name: bench.BUDGETS[name] for name in staff} == dict.fromkeys(staff, (10, "x ref"))
    assert bench.BUDGETS["admin_actions"] == (12, "x ref")
    assert bench.BUDGETS["dashboard_inspector"] == (30, "x ref")
    assert bench.BUDGETS["actions_search_inspector"] == (30, "x ref")
    assert bench.BUDGETS["export"] == (0.8, "x COPY")
    assert not hasattr(bench, "TARGETS_MS"), "no budget in milliseconds"


def test_pages_within_their_budgets_pass_and_unbudgeted_pages_are_not_judged(bench):
    budgets = bench.check_budgets(results())
    assert budgets["checked"] is True
    assert budgets["missed"] == []
    assert budgets["rows"]["dashboard"] == {
        "measured": 9.9,
        "budget": 10,
        "unit": "x ref",
        "met": True,
    }
    assert budgets["rows"]["export"]["met"] is True
    assert "admin_notes" not in budgets["rows"]


def test_a_page_over_its_ratio_and_a_slow_export_are_missed(bench):
    slow = results(dashboard=page(10.4))
    slow["export"]["ratio_to_copy"] = 0.75
    assert bench.check_budgets(slow)["missed"] == ["dashboard", "export"]


def test_the_table_shows_each_budget_and_its_verdict(bench, capsys):
    slow = results(dashboard=page(10.4))
    slow["budgets"] = bench.check_budgets(slow)
    bench.print_table(slow)
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("dashboard ") and "<= 10 MISSED" in line for line in lines)
    assert any(line.startswith("admin_actions ") and "<= 12 ok" in line for line in lines)
    assert any(line.startswith("admin_notes ") and line.endswith("40.00") for line in lines)
    assert any(">= 0.8 ok" in line for line in lines if line.startswith("export:"))
    assert "budgets: 1 of 4 MISSED: dashboard" in lines


def test_budgets_are_not_checked_at_another_size_or_database(bench):
    for small in (results(actions=300, dashboard=page(50)), results(database="sqlite")):
        budgets = bench.check_budgets(small)
        assert budgets["checked"] is False
        assert budgets["missed"] == []


def test_a_miss_on_a_busy_machine_says_so(bench, capsys):
    slow = results(dashboard=page(10.4))
    slow["data"]["load_average"] = {"start": [40.0], "end": [1.0]}
    slow["budgets"] = bench.check_budgets(slow)
    bench.print_table(slow)
    assert "the machine was busy: load average up to 40.0" in capsys.readouterr().out


def test_the_board_pack_is_judged_by_its_pdfs_seconds(bench, capsys):
    assert bench.BUDGETS["board_pack"] == (2, "s")
    slow = results()
    slow["board"] = {"force": "Kent Police", "actions": 1_200, "html_seconds": 0.4,
                     "html_queries": 9, "pdf_seconds": 2.3, "pdf_queries": 6}  # fmt: skip
    slow["budgets"] = bench.check_budgets(slow)
    assert slow["budgets"]["missed"] == ["board_pack"]
    bench.print_table(slow)
    assert "board pack: Kent Police (1,200 actions): page 0.4 s, PDF 2.3 s <= 2 MISSED" in (
        capsys.readouterr().out
    )
