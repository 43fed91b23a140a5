"""cl.toy.learning_rate_ratio_sweep: chapter 3's G/D learning-rate sweep."""

import pytest

import course_lib as cl


@pytest.mark.parametrize("problem, keys", [("normal", {"w1", "mean", "std"}),
                                           ("ring", {"modes", "off_mode"})])
def test_sweep_trains_one_run_per_ratio_and_reports_its_measures(problem, keys):
    rows = cl.toy.learning_rate_ratio_sweep(problem, ratios=(2.0,), d_learning_rate=5e-4)
    assert len(rows) == 1
    row = rows[0]
    assert row["ratio"] == 2.0 and row["g_learning_rate"] == pytest.approx(1e-3)
    assert keys <= set(row)
    if problem == "normal":
        assert row["w1"] > 0 and row["std"] > 0
    else:
        assert 0 <= row["modes"] <= 8 and 0.0 <= row["off_mode"] <= 1.0


@pytest.mark.parametrize("kwargs, message", [
    ({"problem": "square"}, "problem must be one of"),
    ({"problem": "ring", "ratios": ()}, "ratios must be positive"),
    ({"problem": "ring", "ratios": (1.0, -2.0)}, "ratios must be positive"),
])
def test_sweep_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cl.toy.learning_rate_ratio_sweep(**kwargs)
