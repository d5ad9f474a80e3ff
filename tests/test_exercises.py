"""Specification of the exercise checks: they pass right answers and explain wrong ones."""
from course_lib.exercises import Feedback, close_to, not_answered, report, same_items


def test_placeholder_means_not_answered_yet():
    for placeholder in (..., None):
        verdict = close_to(placeholder, 0.5, 0.01, "the rate", "divide")
        assert not verdict and "not answered" in verdict.message


def test_close_to_accepts_within_tolerance_and_says_which_side_otherwise():
    assert close_to(0.505, 0.5, 0.01, "the rate", "h")
    high = close_to(0.7, 0.5, 0.01, "the rate", "divide by the total")
    assert not high and "too high" in high.message and "divide by the total" in str(high)
    assert "too low" in close_to(0.1, 0.5, 0.01, "x", "h").message
    assert "number" in close_to("abc", 0.5, 0.01, "x", "h").message


def test_same_items_names_missing_and_unexpected_items():
    assert same_items({"a", "b"}, {"a", "b"}, "ids", "h")
    verdict = same_items(["a", "c"], {"a", "b"}, "ids", "h")
    assert "missing ['b']" in verdict.message and "not expected ['c']" in verdict.message
    assert "list or set" in same_items("ab", {"a"}, "ids", "h").message


def test_report_returns_a_verdict_that_displays_itself():
    verdict = report(Feedback(False, "wrong", "try again"))
    assert not verdict
    shown = repr(verdict)  # what Jupyter shows as the cell's output
    assert "❌" in shown and "try again" in shown and "False" not in shown
    assert not_answered(3, "h") is None
