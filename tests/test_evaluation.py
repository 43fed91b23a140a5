"""cl.evaluation (the reference classifier and score) and cl.augment (DiffAugment), chapter 5."""

import numpy as np
import pytest

import course_lib as cl

E = cl.evaluation


@pytest.fixture(scope="module")
def animals():
    images, labels = cl.data.load_animal_shapes()
    train, held = E.split_indices(labels)
    return images, labels, train, held


@pytest.fixture(scope="module")
def cat_split(animals):
    images, labels, train, held = animals
    cats_train = images[train][labels[train] == E.CAT]
    cats_held = images[held][labels[held] == E.CAT]
    return cats_train, cats_held


# ------------------------------------------------------------------ split and classifier
def test_split_is_stratified_disjoint_and_fixed(animals):
    _, labels, train, held = animals
    assert len(train) == 8000 and len(held) == 2000
    assert np.intersect1d(train, held).size == 0
    np.testing.assert_array_equal(np.bincount(labels[held]), [E.HELDOUT_PER_CLASS] * 10)
    again_train, again_held = E.split_indices()
    np.testing.assert_array_equal(again_held, held)
    np.testing.assert_array_equal(again_train, train)


def test_classifier_weights_are_small_and_independent_of_the_gan():
    path = E._weights_path()
    assert path.is_file() and path.stat().st_size < 1_000_000
    clf = E.load_classifier()
    assert clf is E.load_classifier(), "the classifier is loaded once and cached"
    assert clf.output_shape == (None, 10) and clf.get_layer("features").units == 128
    assert clf.name == "animal_classifier"


def test_classifier_heldout_accuracy_is_at_least_90_percent(animals):
    images, labels, _, held = animals
    probs = E.classify(images[held])
    assert probs.shape == (2000, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    accuracy = np.mean(probs.argmax(1) == labels[held])
    assert accuracy >= 0.90, accuracy


# --------------------------------------------------------------------- Fréchet distance
def test_frechet_distance_matches_closed_forms():
    rng = np.random.default_rng(0)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    fd = E.frechet_distance_from_stats(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]),
                                       np.array([[9.0]]))
    assert fd == pytest.approx(9.0 + 1.0)
    # diagonal covariances: sum over dimensions of (sqrt(a) - sqrt(b))^2
    a, b = rng.uniform(0.5, 3, 5), rng.uniform(0.5, 3, 5)
    fd = E.frechet_distance_from_stats(np.zeros(5), np.diag(a), np.zeros(5), np.diag(b))
    assert fd == pytest.approx(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2))
    # general covariances: tr((S1 S2)^(1/2)) = sum of sqrt(eigenvalues of S1 S2)
    m1, m2 = rng.normal(size=(2, 6))
    c1 = np.cov(rng.normal(size=(40, 6)) @ rng.normal(size=(6, 6)), rowvar=False)
    c2 = np.cov(rng.normal(size=(40, 6)) @ rng.normal(size=(6, 6)), rowvar=False)
    ref = np.sum((m1 - m2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.sum(
        np.sqrt(np.linalg.eigvals(c1 @ c2).real))
    assert E.frechet_distance_from_stats(m1, c1, m2, c2) == pytest.approx(ref, rel=1e-6)
    assert E.frechet_distance_from_stats(m2, c2, m1, c1) == pytest.approx(ref, rel=1e-6)


def test_frechet_distance_of_a_set_with_itself_is_zero_and_rank_deficient_is_fine():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 30))  # fewer samples than dimensions: singular covariance
    assert E.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    assert E.frechet_distance(x, x + 1.0) == pytest.approx(30.0, rel=1e-6)
    with pytest.raises(ValueError, match="feature arrays"):
        E.frechet_distance(x, x[:, :5])


# ---------------------------------------------------------------------------- score
def test_heldout_real_cats_score_near_the_floor(cat_split):
    cats_train, cats_held = cat_split
    s = E.score(cats_held, reference=cats_train)
    assert s["n"] == 200 and s["m"] == 200
    assert s["fd"] < 1.5 * s["fd_floor"], s
    assert s["cat_fraction"] >= 0.9 and s["cat_fraction"] == s["real_cat_fraction"]
    assert 0.85 < s["diversity"] < 1.2, s
    assert 0.85 < s["nn_ratio"] < 1.2, s
    assert s["memorised_fraction"] < 0.15, s


@pytest.mark.parametrize("animal", ["dog", "bear", "horse"])
def test_other_animals_score_far_from_the_floor(animals, animal):
    images, labels, _, held = animals
    x = images[held][labels[held] == cl.data.CLASS_NAMES.index(animal)]
    s = E.score(x)
    assert s["fd"] > 20 * s["fd_floor"], s
    assert s["cat_prob"] < 0.1 and s["cat_fraction"] < 0.1, s
    assert s["memorised_fraction"] == 0.0


def test_noise_scores_far_from_the_floor():
    noise = np.random.default_rng(0).uniform(-1, 1, (300, 28, 28, 1))
    s = E.score(noise)
    assert s["fd"] > 100 * s["fd_floor"], s
    assert s["cat_fraction"] < 0.05
    assert s["nn_ratio"] > 2


def test_copies_and_mode_collapse_are_caught(cat_split):
    cats_train, _ = cat_split
    copies = E.score(cats_train[:300])  # training cats themselves: pure memorisation
    assert copies["memorised_fraction"] == 1.0 and copies["nn_ratio"] < 1e-6
    assert copies["fd"] < 1.5 * copies["fd_floor"], "copies look perfect to FD alone"
    one = E.score(np.repeat(cats_train[:1], 100, axis=0))
    assert one["diversity"] < 0.01 and one["fd"] > 20 * one["fd_floor"]


def test_score_is_repeatable_and_accepts_other_ranges(cat_split):
    _, cats_held = cat_split
    s1, s2 = E.score(cats_held[:100], seed=3), E.score(cats_held[:100], seed=3)
    assert s1 == s2
    pixels = np.round((cats_held[:100, ..., 0] + 1) * 127.5)  # (n, 28, 28) in 0..255
    s3 = E.score(pixels, value_range=(0, 255), seed=3)
    for k in s1:
        assert s3[k] == pytest.approx(s1[k], rel=1e-3, abs=1e-3), k


@pytest.mark.parametrize(("bad", "kwargs", "match"), [
    (np.zeros((100, 784)), {}, r"reshape\(-1, 28, 28, 1\)"),
    (np.zeros((100, 28, 28, 3)), {}, "grayscale"),
    (np.zeros((28, 28)), {}, "batch"),
    (np.zeros((10, 28, 28, 1)), {}, "at least 50"),
    (np.full((100, 28, 28, 1), 255.0), {}, r"value_range=\(0, 255\)"),
    (np.full((100, 28, 28, 1), np.nan), {}, "NaN"),
    (np.zeros((100, 28, 28, 1)), {"value_range": (1, -1)}, "low < high"),
    (np.zeros((100, 28, 28, 1)), {"repeats": 0}, "repeats"),
])
def test_bad_input_is_a_clear_value_error(bad, kwargs, match):
    with pytest.raises(ValueError, match=match):
        E.score(bad, **kwargs)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="NumPy array"):
        E.score("cats.png")


def test_nearest_real_points_at_the_copied_cat(cat_split):
    dist, idx = E.nearest_real(cl.data.load_cats()[[5, 17]])
    np.testing.assert_array_equal(idx, [5, 17])
    np.testing.assert_allclose(dist, 0.0, atol=1e-3)


def test_eval_callback_records_scores_during_training():
    import keras

    cl.set_seed(0)
    gan = cl.training.GAN(cl.models.mlp_generator(latent_dim=8), cl.models.mlp_discriminator(),
                          latent_dim=8, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    cb = E.EvalCallback(every=2, num_samples=60)
    gan.fit(cl.data.load_cats()[:64], batch_size=32, epochs=4, verbose=0, callbacks=[cb])
    assert cb.history["epoch"] == [2, 4]
    assert set(cb.history) >= {"fd", "fd_floor", "cat_fraction", "diversity",
                               "memorised_fraction"}
    assert all(np.isfinite(cb.history["fd"]))
    with pytest.raises(ValueError, match=">= 50"):
        E.EvalCallback(num_samples=10)


# ------------------------------------------------------------------------- DiffAugment
def test_diffaugment_keeps_shape_passes_gradients_and_repeats():
    import tensorflow as tf

    x = tf.constant(cl.data.load_cats()[:8])
    aug = cl.augment.DiffAugment(("translation", "cutout", "brightness"), seed=1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = aug(x)
        loss = tf.reduce_sum(y)
    grad = tape.gradient(loss, x).numpy()
    assert y.shape == x.shape and np.isfinite(grad).all() and grad.max() == 1.0
    again = cl.augment.DiffAugment(("translation", "cutout", "brightness"), seed=1)(x)
    np.testing.assert_array_equal(y.numpy(), again.numpy())
    with pytest.raises(ValueError, match="policy"):
        cl.augment.DiffAugment(("rotate",))


def test_translation_shifts_and_cutout_blanks_a_square():
    import tensorflow as tf

    img = np.full((1, 28, 28, 1), -1.0, np.float32)
    img[0, 12:16, 12:16] = 1.0  # a 4x4 square in the middle; shifts are at most 4 pixels
    shifted = cl.augment.translation(tf.constant(np.repeat(img, 50, 0)), seed=0).numpy()
    assert np.all((shifted == 1.0).sum(axis=(1, 2, 3)) == 16), "shapes are moved, not cut"
    moves = {tuple(np.argwhere(s[..., 0] == 1.0)[0]) for s in shifted}
    assert len(moves) > 10 and all(8 <= r <= 16 and 8 <= c <= 16 for r, c in moves)
    ones = tf.ones((20, 28, 28, 1))
    cut = cl.augment.cutout(ones, seed=0).numpy()
    blank = (cut == -1.0).sum(axis=(1, 2, 3))
    assert blank.max() == 14 * 14 and blank.min() > 0


def test_gan_trains_with_diffaugment():
    import keras

    cl.set_seed(0)
    gan = cl.training.GAN(cl.models.mlp_generator(latent_dim=8), cl.models.mlp_discriminator(),
                          latent_dim=8, seed=0, augment=cl.augment.DiffAugment(seed=0))
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    hist = gan.fit(cl.data.load_cats()[:64], batch_size=32, epochs=2, verbose=0)
    assert np.isfinite(hist.history["d_loss"]).all()


def test_build_gan_hands_the_augmentation_to_the_gan():
    augment = cl.augment.DiffAugment(seed=0)
    gan = cl.recipes.build_gan("dcgan", width=4, augment=augment)
    assert gan.augment is augment
    assert cl.recipes.build_gan("mlp").augment is None


def test_discriminator_probe_records_p_real_per_set():
    import keras

    cl.set_seed(0)
    cats = cl.data.load_cats()
    gan = cl.training.GAN(cl.models.mlp_generator(latent_dim=8), cl.models.mlp_discriminator(),
                          latent_dim=8, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    probe = E.DiscriminatorProbe({"seen": cats[:32], "unseen": cats[500:532]}, every=1)
    gan.fit(cats[:32], batch_size=32, epochs=3, verbose=0, callbacks=[probe])
    assert probe.history["epoch"] == [1, 2, 3]
    for name in ("seen", "unseen"):
        values = np.array(probe.history[name])
        assert values.shape == (3,) and np.all((values > 0) & (values < 1))
    logits = gan.discriminator(cats[:32], training=False).numpy()
    assert probe.history["seen"][-1] == pytest.approx(np.mean(1 / (1 + np.exp(-logits))),
                                                      rel=1e-5)
    with pytest.raises(TypeError, match="dict"):
        E.DiscriminatorProbe([cats[:10]])


def test_format_table_lines_up_columns_and_extra_rows():
    s = {"fd": 10.0, "fd_floor": 1.7, "cat_fraction": 0.9, "real_cat_fraction": 0.955,
         "diversity": 1.0, "nn_ratio": 1.4, "memorised_fraction": 0.0}
    text = E.format_table({"a": s, "a long name": s}, extra_rows={"my AUC": [0.5, 0.75]})
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1, text
    assert lines[-1].split()[-2:] == ["0.50", "0.75"]
    with pytest.raises(ValueError, match="2 columns"):
        E.format_table({"a": s, "b": s}, extra_rows={"x": [1.0]})


def test_auc_matches_pairwise_counting_with_ties():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 40).astype(float), rng.integers(0, 5, 30).astype(float)
    pairs = (a[:, None] > b[None, :]).mean() + 0.5 * (a[:, None] == b[None, :]).mean()
    assert E.auc(a, b) == pytest.approx(pairs)
    assert E.auc([3, 4], [1, 2]) == 1.0 and E.auc([1, 2], [3, 4]) == 0.0
    assert E.auc([1, 1], [1, 1]) == 0.5
    with pytest.raises(ValueError, match="non-empty"):
        E.auc([], [1.0])


def test_probe_separability_detects_a_discriminator_that_knows_its_images():
    cats = cl.data.load_cats()
    own = cats[:50].reshape(50, -1)
    probe = E.DiscriminatorProbe({"own": cats[:50], "other": cats[500:550]})
    # a discriminator that memorised its images: the closer to a training image, the more real
    probe._logits = lambda x: -E._nn_distances(x.reshape(len(x), -1).astype(float), own)[0]
    probe.on_epoch_end(0)
    # one that rates every image alike cannot tell the sets apart
    probe._logits = lambda x: np.zeros(len(x))
    probe.on_epoch_end(1)
    assert probe.separability("own", "other") == [1.0, 0.5]
    assert probe.history["epoch"] == [1, 2] and probe.history["own"][1] == 0.5
    with pytest.raises(ValueError, match="Unknown set"):
        probe.separability("own", "nope")


def test_score_run_script_prints_the_numbers(tmp_path, capsys):
    import runpy

    np.save(tmp_path / "samples.npy", cl.data.load_cats()[:100])
    script = runpy.run_path(str(E._weights_path().parents[2] / "scripts" / "score_run.py"))
    assert script["main"]([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Fréchet distance" in out and (tmp_path / "scores.json").is_file()
    assert script["main"]([str(tmp_path / "missing")]) == 2


def test_benchmark_result_reads_the_recorded_json_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a notebook in notebooks/zh/ reads it the same way
    result = cl.evaluation.benchmark_result("bench_losses")
    assert "table" in result and "command" in result


def test_benchmark_result_refuses_bad_names_and_untrusted_files(tmp_path):
    with pytest.raises(TypeError, match="must be a str"):
        cl.evaluation.benchmark_result(3)
    with pytest.raises(ValueError, match="not a benchmark result's name"):
        cl.evaluation.benchmark_result("../secrets")
    with pytest.raises(ValueError, match="does not exist.*bench_families.py"):
        cl.evaluation.benchmark_result("families", folder=tmp_path)
    (tmp_path / "bench_x.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds a list, expected a JSON object"):
        cl.evaluation.benchmark_result("bench_x", folder=tmp_path)
    (tmp_path / "bench_y.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        cl.evaluation.benchmark_result("bench_y", folder=tmp_path)
