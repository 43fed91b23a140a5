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
