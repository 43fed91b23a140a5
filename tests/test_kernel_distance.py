"""cl.evaluation.kernel_distance (KID) and precision_recall against direct computations (ch. 5)."""

import numpy as np
import pytest

import course_lib as cl

E = cl.evaluation


def kid_by_pairs(a, b):
    """MMD^2, unbiased, by a double loop over pairs: the definition, term by term."""
    d = a.shape[1]

    def k(x, y):
        return (float(x @ y) / d + 1.0) ** 3

    n, m = len(a), len(b)
    kaa = sum(k(a[i], a[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kbb = sum(k(b[i], b[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kab = sum(k(a[i], b[j]) for i in range(n) for j in range(m)) / (n * m)
    return kaa + kbb - 2.0 * kab


def precision_recall_brute(real, fake, k):
    """Nearest neighbours by sorting every distance, computed from differences."""
    def radii(x):
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]  # column 0 is the member itself

    def share_inside(queries, members):
        d = np.sqrt(((queries[:, None, :] - members[None, :, :]) ** 2).sum(-1))
        return float(np.mean((d <= radii(members)[None, :]).any(axis=1)))

    return share_inside(fake, real), share_inside(real, fake)


# ------------------------------------------------------------------------- kernel distance
@pytest.mark.parametrize(("n", "m", "d", "shift"), [(30, 25, 5, 0.3), (12, 40, 3, 0.0),
                                                     (2, 3, 7, 1.0)])
def test_kernel_distance_equals_the_double_loop_over_pairs(n, m, d, shift):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, d)), rng.normal(size=(m, d)) * 1.3 + shift
    assert E.kernel_distance(a, b) == pytest.approx(kid_by_pairs(a, b), rel=1e-10, abs=1e-12)


def test_kernel_distance_in_blocks_equals_one_block(monkeypatch):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 8)), rng.normal(size=(200, 8)) + 0.2
    whole = E.kernel_distance(a, b)
    monkeypatch.setattr(E, "_BLOCK_ENTRIES", 1000)  # blocks of 3 to 5 rows
    assert E.kernel_distance(a, b) == pytest.approx(whole, rel=1e-12)


def test_kernel_distance_is_symmetric_and_grows_with_the_shift():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(200, 6)), rng.normal(size=(150, 6))
    assert E.kernel_distance(a, b) == pytest.approx(E.kernel_distance(b, a), rel=1e-12)
    values = [E.kernel_distance(a, b + s) for s in (0.5, 1.0, 2.0)]
    assert 0 < values[0] < values[1] < values[2]


def test_kernel_distance_of_a_set_split_in_halves_is_about_zero():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1000, 16))
    half = E.kernel_distance(x[:500], x[500:])
    shifted = E.kernel_distance(x[:500], x[500:] + 0.3)
    assert abs(half) < shifted / 20, (half, shifted)


def test_kid_is_unbiased_where_the_frechet_distance_is_not():
    """Over many small draws from one distribution KID averages 0; FD stays clearly above 0."""
    rng = np.random.default_rng(4)
    kids, fds = [], []
    for _ in range(300):
        a, b = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
        kids.append(E.kernel_distance(a, b))
        fds.append(E.frechet_distance(a, b))
    kids, fds = np.array(kids), np.array(fds)
    standard_error = kids.std() / np.sqrt(len(kids))
    assert abs(kids.mean()) < 3 * standard_error, (kids.mean(), standard_error)
    assert (kids < 0).mean() > 0.2  # single values scatter on both sides of 0
    assert fds.mean() > 1.0 and fds.min() > 0  # FD's small-sample bias: always positive


def test_the_biased_estimate_with_the_diagonal_is_what_kid_corrects():
    """The V-statistic (pairs i == j kept, divided by n^2) is positive on average; KID is not."""
    def v_statistic(a, b):
        d = a.shape[1]
        return (((a @ a.T / d + 1) ** 3).mean() + ((b @ b.T / d + 1) ** 3).mean()
                - 2 * ((a @ b.T / d + 1) ** 3).mean())

    rng = np.random.default_rng(5)
    pairs = [(rng.normal(size=(10, 4)), rng.normal(size=(10, 4))) for _ in range(200)]
    biased = np.array([v_statistic(a, b) for a, b in pairs])
    unbiased = np.array([E.kernel_distance(a, b) for a, b in pairs])
    assert biased.mean() > 10 * unbiased.std() / np.sqrt(len(pairs))
    assert np.all(biased > unbiased)


# ------------------------------------------------------------------------ precision/recall
@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_equal_brute_force_nearest_neighbours(k):
    rng = np.random.default_rng(10 + k)
    real = rng.normal(size=(120, 4))
    fake = rng.normal(size=(90, 4)) * 0.8 + 1.2  # narrower and shifted: both below 1
    found = E.precision_recall(real, fake, k=k)
    want = precision_recall_brute(real, fake, k)
    assert found == pytest.approx(want, abs=1e-12)
    assert 0 < found[0] < 1 and 0 < found[1] < 1


def test_precision_recall_in_blocks_equal_one_block(monkeypatch):
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(400, 5)), rng.normal(size=(300, 5)) + 0.5
    whole = E.precision_recall(real, fake)
    monkeypatch.setattr(E, "_BLOCK_ENTRIES", 1500)  # blocks of 3 to 5 rows
    assert E.precision_recall(real, fake) == whole


def test_identical_sets_have_full_precision_and_recall():
    x = np.random.default_rng(7).normal(size=(200, 8))
    assert E.precision_recall(x, x.copy()) == (1.0, 1.0)


def test_far_apart_sets_have_zero_precision_and_recall():
    rng = np.random.default_rng(8)
    real, fake = rng.normal(size=(100, 8)), rng.normal(size=(80, 8)) + 100.0
    assert E.precision_recall(real, fake) == (0.0, 0.0)


def test_a_collapsed_set_keeps_precision_and_loses_recall():
    rng = np.random.default_rng(9)
    real = rng.normal(size=(300, 6))
    collapsed = real[0] + 0.01 * rng.normal(size=(300, 6))  # one real point, repeated
    precision, recall = E.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05


def test_the_kth_neighbour_is_another_member_not_the_point_itself():
    # with k=1 each real point's radius is the distance to its nearest *other* point, so a
    # fake point halfway between two real ones lies inside
    real = np.array([[0.0], [1.0], [10.0]])
    fake = np.array([[0.5], [5.5]])
    precision, _ = E.precision_recall(real, np.vstack([fake, [[20.0]]]), k=1)
    assert precision == pytest.approx(2 / 3)


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [E.kernel_distance, E.precision_recall])
def test_wrong_inputs_raise_errors_that_say_what_to_pass(fn):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20, 4))
    with pytest.raises(ValueError, match="4 features per sample but .* 5"):
        fn(a, rng.normal(size=(20, 5)))
    with pytest.raises(ValueError, match=r"shape \(20,\), expected feature vectors"):
        fn(a, a[:, 0])
    with pytest.raises(ValueError, match="holds 1 samples, but at least 2"):
        fn(a, a[:1])
    bad = a.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        fn(bad, a)
    with pytest.raises(TypeError, match="numeric NumPy array"):
        fn("features.npy", a)
    with pytest.raises(TypeError, match="must hold numbers"):
        fn(np.array([["a", "b"]] * 3), a)


def test_precision_recall_checks_k():
    a = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(ValueError, match="k must be >= 1"):
        E.precision_recall(a, a, k=0)
    with pytest.raises(ValueError, match="k=5 needs more than k samples .* holds 5"):
        E.precision_recall(a, a, k=5)
    with pytest.raises(TypeError, match="k must be an int"):
        E.precision_recall(a, a, k=2.5)
    assert E.precision_recall(a, a, k=4) == (1.0, 1.0)


# ---------------------------------------------------------------------- in score and study
def test_sample_size_study_shows_the_fd_floor_falling_and_the_kid_floor_staying():
    rng = np.random.default_rng(11)
    real, fake = rng.normal(size=(400, 8)), rng.normal(size=(200, 8)) + 0.5
    study = E.sample_size_study(real, fake, sizes=[10, 40, 160], repeats=4, seed=0)
    assert list(study["sizes"]) == [10, 40, 160]
    assert study["fd_floor"][0] > 2 * study["fd_floor"][-1]  # FD's bias shrinks with n
    assert np.all(np.abs(study["kid_floor"]) < 3 * study["kid_floor_std"] + 1e-3)
    assert np.all(study["kid"] > study["kid_floor"])
    # one draw, written out by hand
    one = E.sample_size_study(real, fake, sizes=[10], repeats=1, seed=3)
    r = np.random.default_rng(3)
    perm = r.permutation(400)
    a, b, g = real[perm[:10]], real[perm[10:20]], fake[r.choice(200, 10, replace=False)]
    assert one["kid"][0] == E.kernel_distance(g, a) and one["fd_floor"][0] == \
        E.frechet_distance(b, a) and one["kid_floor_std"][0] == 0.0
    with pytest.raises(ValueError, match="2n <= 400"):
        E.sample_size_study(real, fake, sizes=[250])


def test_score_reports_kid_precision_recall_beside_their_floors():
    cats = cl.data.load_cats()
    s = E.score(cats[:200], repeats=2)
    for key in ("kid", "kid_floor", "precision", "precision_floor", "recall", "recall_floor"):
        assert key in s and np.isfinite(s[key]), key
    assert abs(s["kid_floor"]) < 0.05 and abs(s["kid"]) < 0.05  # real cats: about 0
    assert s["precision"] > 0.6 and s["recall"] > 0.6
    # the score's own draws, by hand: repeat 0 of seed 0
    pool = E._default_reference()["features"]
    feats = E.features(cats[:200])
    rng = np.random.default_rng([0, 0])
    perm = rng.permutation(len(pool))
    a, b = pool[perm[:200]], pool[perm[200:400]]
    one = E._kernel_numbers(feats, a, b)
    assert one["kid"] == pytest.approx(E.kernel_distance(feats, a))
    assert one["precision_floor"] == E.precision_recall(a, b)[0]
    noise = np.random.default_rng(0).uniform(-1, 1, (200, 28, 28, 1)).astype("float32")
    bad = E.score(noise, repeats=1)
    assert bad["kid"] > 1.0 and bad["precision"] < 0.05


def test_format_score_and_table_show_the_new_rows_and_accept_old_scores():
    s = {"fd": 10.0, "fd_floor": 1.7, "cat_fraction": 0.9, "real_cat_fraction": 0.955,
         "cat_prob": 0.8, "real_cat_prob": 0.9, "diversity": 1.0, "nn_ratio": 1.4,
         "memorised_fraction": 0.0}
    new = dict(s, kid=0.123, kid_floor=-0.001, precision=0.7, precision_floor=0.85,
               recall=0.4, recall_floor=0.86)
    text = E.format_score(new)
    assert "KID                   0.123   (real vs real, same size: -0.001)" in text
    assert "precision" in text and "70.0%" in text and "86.0%" in text
    assert "KID" not in E.format_score(s)  # a score saved before KID existed
    table = E.format_table({"new": new, "old": s})
    lines = table.splitlines()
    assert len({len(line) for line in lines}) == 1, table
    kid_row = next(line for line in lines if line.startswith("KID"))
    assert kid_row.split()[-2:] == ["0.123", "-"]
    assert "KID" not in E.format_table({"old": s})
