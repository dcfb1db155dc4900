"""The symbolic side's budgets: deep expressions beyond the default recursion limit, and the wall-clock limit."""

import sys

import pytest
from click.testing import CliRunner

from diffcheck.check.budget import run_deep
from diffcheck.cli import main
from diffcheck.errors import LimitError


def test_run_deep_allows_recursion_far_beyond_the_default_limit():
    def depth(n):
        return 0 if n == 0 else 1 + depth(n - 1)

    assert run_deep(lambda: depth(20_000), timeout=60) == 20_000 > sys.getrecursionlimit() // 10


def test_run_deep_hands_back_exceptions():
    with pytest.raises(ZeroDivisionError):
        run_deep(lambda: 1 / 0, timeout=60)


def test_run_deep_reports_the_wall_clock_budget():
    import threading

    never = threading.Event()
    with pytest.raises(
        LimitError, match=r"^the case exceeded its wall-clock budget of 0.05 s \(raise it with --timeout\)$"
    ):
        run_deep(never.wait, timeout=0.05)
    never.set()


def test_run_deep_in_this_process_stops_python_code_at_its_deadline():
    """Without a fork (an engine whose thread pools do not survive one: `fuzz --engine torch`) the work runs on a
    big-stack thread of this process; past the budget it is interrupted there, not left running."""
    import threading

    def spin():
        while True:
            pass

    before = threading.active_count()
    with pytest.raises(LimitError, match=r"^the case exceeded its wall-clock budget of 0.05 s"):
        run_deep(spin, timeout=0.05, fork=False)
    assert threading.active_count() == before
    assert run_deep(lambda: sys.getrecursionlimit(), timeout=60, fork=False) >= 100_000  # the big stack's limit


def test_meanwhile_runs_here_while_the_child_works_or_before_work_without_one():
    import os

    here = os.getpid()
    calls = []
    assert run_deep(os.getpid, timeout=60, meanwhile=lambda: calls.append(os.getpid())) != here
    assert calls == [here]
    calls.clear()
    assert run_deep(lambda: list(calls), timeout=None, meanwhile=lambda: calls.append("first")) == ["first"]
    assert run_deep(lambda: list(calls), timeout=60, fork=False, meanwhile=lambda: calls.append("again")) == [
        "first",
        "again",
    ]


def test_a_child_that_answered_is_not_late_for_a_caller_busy_past_the_deadline():
    """`check` loads rich meanwhile: a case answered within its budget counts even when the caller looks later."""
    import time

    assert run_deep(lambda: 42, timeout=0.05, meanwhile=lambda: time.sleep(1.0)) == 42


def test_check_over_its_timeout_is_one_line_exit_2():
    program = "; ".join(["a0 = sin(x)"] + [f"a{i} = sin(a{i - 1}) * cos(a{i - 1})" for i in range(1, 40)])
    # SymPy's route: symengine checks this one within the budget
    result = CliRunner().invoke(main, ["check", program, "x=0.5", "--timeout", "0.05", "--symbolic", "sympy"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "diffcheck: error: expression: the case exceeded its wall-clock budget of 0.05 s (raise it with --timeout)\n"
    )


def test_a_60_deep_chain_of_statements_checks():
    program = "; ".join(["a0 = tanh(x)"] + [f"a{i} = tanh(a{i - 1})" for i in range(1, 60)])
    result = CliRunner().invoke(main, ["check", program, "x=0.5", "--format", "json"])
    assert result.exit_code == 0, result.output


def test_expression_swell_hits_the_node_budget_with_its_flag_named():
    args = ["check", "sum(exp(sin(W @ x)))", "x=[1,2,3,4]", "W=[[1,2,3,4],[5,6,7,8]]"]
    refused = CliRunner().invoke(main, [*args, "--max-sympy-nodes", "10"])
    assert refused.exit_code == 2 and refused.stderr == (
        "diffcheck: error: expression: the SymPy expressions grew past 10 nodes (raise it with --max-sympy-nodes)\n"
    )
    assert CliRunner().invoke(main, [*args, "--max-sympy-nodes", "5000"]).exit_code == 0
