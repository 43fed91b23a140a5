"""cl.plotting draws what a learner can read."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import course_lib as cl  # noqa: E402


def test_loss_curves_ticks_whole_epochs_only():
    fig, ax = plt.subplots()
    cl.plotting.loss_curves({"d_loss": [1.3, 1.2, 1.25], "g_loss": [0.7, 0.8, 0.75]}, ax=ax)
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    visible = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert visible and all(float(t).is_integer() for t in visible), visible
    plt.close(fig)


def test_sample_size_curves_draws_one_line_per_curve_with_labelled_sizes():
    import numpy as np
    import pytest

    fig, ax = plt.subplots()
    sizes = [25, 100, 500]
    out = cl.plotting.sample_size_curves(sizes, {"a": [3.0, 2.0, 1.0], "b": [0.1, 0.0, -0.1]},
                                         ax=ax, errors={"b": [0.2, 0.1, 0.05]}, log=False)
    assert out is ax and ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["25", "100", "500"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="2 values for 3 sizes"):
        cl.plotting.sample_size_curves(sizes, {"c": [1.0, 2.0]}, ax=ax)
    plt.close(fig)


def test_family_comparison_draws_each_family_on_both_panels_and_checks_its_rows():
    import pytest

    rows = [{"label": "DCGAN", "fd": 6.3, "fd_floor": 1.7, "train_seconds": 150,
             "sample_seconds": 0.2},
            {"label": "diffusion", "fd": 27.0, "fd_floor": 1.7, "train_seconds": 175,
             "sample_seconds": 15.0}]
    fig, axes = plt.subplots(1, 2)
    assert list(cl.plotting.family_comparison(rows, axes=axes)) == list(axes)
    for ax in axes:
        assert [t.get_text() for t in ax.texts] == ["DCGAN", "diffusion"]
        assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(1.7)  # the floor
    assert axes[0].collections[1].get_offsets()[0].tolist() == [175, 27.0]
    with pytest.raises(ValueError, match="lack"):
        cl.plotting.family_comparison([{"label": "x"}])
    with pytest.raises(TypeError):
        cl.plotting.family_comparison([])
    plt.close(fig)


def _loss_runs():
    run = {"learning_rate": 1e-4, "fd": 12.0, "status": "ok"}
    return {"fd_bound": 40.0, "runs": [
        {**run, "loss": "non_saturating"},
        {**run, "loss": "non_saturating", "learning_rate": 2e-3, "fd": 300.0, "status": "collapsed"},
        {**run, "loss": "hinge"},
        {**run, "loss": "hinge", "learning_rate": 2e-3, "fd": None, "status": "diverged"}]}


def test_loss_stability_draws_every_run_by_rate_with_nan_runs_at_the_top():
    import pytest

    fig, ax = plt.subplots()
    assert cl.plotting.loss_stability(_loss_runs(), ax=ax) is ax
    points = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert len(points) == 4 and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0001", "0.002"]
    (ns_ok, ns_bad, h_ok, h_nan) = points
    assert ns_ok[0] < 0 < h_ok[0] < 1 and ns_bad[0] < 1 < h_nan[0]  # side by side at each rate
    assert h_nan[1] == pytest.approx(1.5 * 300.0)  # no FD: drawn above the highest one
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(40.0)  # the 'diverged' bound
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:5] == ["non_saturating", "hinge", "ok", "collapsed", "diverged"]
    with pytest.raises(ValueError, match="lack"):
        cl.plotting.loss_stability({"runs": [{"loss": "hinge"}]}, ax=ax)
    with pytest.raises(TypeError):
        cl.plotting.loss_stability([], ax=ax)
    plt.close(fig)


def test_loss_stability_table_has_one_aligned_row_per_loss():
    import pytest

    row = {"loss": "wgan-gp (n_critic 1)", "runs": 9, "ok": 6, "collapsed": 0, "diverged": 3,
           "fd_min": 8.879, "fd_median": 22.421, "fd_max": 108.428, "ms_per_step": 6.78,
           "seconds_per_run": 10.18}
    text = cl.evaluation.format_stability_table([row, {**row, "loss": "x", "fd_min": None,
                                                        "fd_median": None, "fd_max": None}])
    lines = text.splitlines()
    assert len(lines) == 4 and len({len(line) for line in lines}) == 1
    assert [c.strip() for c in lines[2].split("|")[1:-1]] == [
        "wgan-gp (n_critic 1)", "9", "6", "0", "3", "8.9 / 22.4 / 108.4", "7", "10"]
    assert "- / - / -" in lines[3]
    with pytest.raises(ValueError, match="lack"):
        cl.evaluation.format_stability_table([{"loss": "x"}])
    with pytest.raises(TypeError):
        cl.evaluation.format_stability_table({"loss": "x"})
