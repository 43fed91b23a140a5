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
