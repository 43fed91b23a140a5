"""The class-conditional GAN of chapter 6 (``cl.conditional``), with tiny networks."""

import json

import keras
import numpy as np
import pytest

import course_lib as cl
import course_lib.tools.cli as cli
from course_lib import conditional
from course_lib.conditional import TrainAnimalsConfig, build_conditional_gan, train_animals

TINY = {"width": 4, "latent_dim": 8}


def tiny_gan(design="projection", seed=0):
    return build_conditional_gan(design, seed=seed, **TINY)


def small_data(n_per_class=8):
    images, labels = cl.data.load_animal_shapes()
    keep = np.concatenate([np.flatnonzero(labels == k)[:n_per_class] for k in range(10)])
    return images[keep], labels[keep]


@pytest.mark.parametrize("design", conditional.DESIGNS)
def test_generator_output_depends_on_the_label(design):
    gan = tiny_gan(design)
    z = np.repeat(cl.training.latent_batch(1, 8), 10, axis=0)
    images = gan.generate(np.arange(10), z=z)
    assert images.shape == (10, 28, 28, 1)
    assert np.all(np.abs(images) <= 1.0)
    # the same noise, ten labels: ten different images
    diffs = [np.abs(images[0] - images[k]).max() for k in range(1, 10)]
    assert min(diffs) > 1e-4


@pytest.mark.parametrize("design", conditional.DESIGNS)
def test_discriminator_sees_the_label(design):
    gan = tiny_gan(design)
    # a trained-like discriminator: give its label weights values, so each class scores differently
    for layer in gan.discriminator.layers:
        if isinstance(layer, keras.layers.Embedding):
            layer.embeddings.assign(np.random.default_rng(0).normal(
                size=layer.embeddings.shape).astype("float32"))
    x = np.repeat(small_data(1)[0][:1], 10, axis=0)
    logits = np.asarray(gan.discriminator([x, np.arange(10)], training=False)).ravel()
    assert np.ptp(logits) > 1e-3


def test_generate_takes_class_names_and_refuses_bad_labels():
    gan = tiny_gan()
    z = cl.training.latent_batch(2, 8)
    np.testing.assert_allclose(gan.generate(["bear", "zebra"], z=z), gan.generate([0, 9], z=z))
    with pytest.raises(ValueError, match="Unknown class names"):
        gan.generate(["unicorn"])
    with pytest.raises(ValueError, match="labels 0 .. 9"):
        gan.generate([10])
    with pytest.raises(ValueError, match="2 labels for 3 latent vectors"):
        gan.generate([0, 1], z=cl.training.latent_batch(3, 8))


def test_labelled_dataset_keeps_labels_with_their_images():
    # each image says its label in its pixel values, so a mix-up would show
    labels = np.arange(100) % 10
    images = np.broadcast_to((labels / 10.0)[:, None, None, None], (100, 28, 28, 1))
    ds = cl.data.as_labelled_dataset(images.astype("float32"), labels, 16, seed=3, epochs=2)
    seen = [(np.asarray(x), np.asarray(y)) for x, y in ds]
    assert len(seen) == 2 * (100 // 16)
    for x, y in seen:
        assert y.dtype == np.int32
        np.testing.assert_allclose(x[:, 0, 0, 0], y / 10.0, atol=1e-6)
    # the same order of images as the unlabelled pipeline, and a resume at epoch 1 matches
    plain = [np.asarray(x) for x in cl.data.as_dataset(images.astype("float32"), 16, 3, 2)]
    np.testing.assert_array_equal(np.stack([x for x, _ in seen]), np.stack(plain))
    resumed = [np.asarray(y) for _, y in cl.data.as_labelled_dataset(
        images.astype("float32"), labels, 16, seed=3, epochs=2, start_epoch=1)]
    np.testing.assert_array_equal(np.stack(resumed), np.stack([y for _, y in seen[6:]]))


def test_labelled_dataset_refuses_misaligned_labels():
    images, labels = small_data(2)
    with pytest.raises(ValueError, match="one per image"):
        cl.data.as_labelled_dataset(images, labels[:-1], 4)


def test_fit_on_arrays_is_seeded_and_needs_labels():
    images, labels = small_data()
    runs = []
    for _ in range(2):
        cl.set_seed(0)
        gan = tiny_gan(seed=1)
        hist = gan.fit(images, labels, batch_size=16, epochs=2, verbose=0)
        runs.append((hist.history["d_loss"], gan.generate(np.arange(10), seed=5)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    with pytest.raises(ValueError, match="needs the labels"):
        tiny_gan().fit(images, batch_size=16)


def test_nan_in_training_raises_diverged(monkeypatch):
    images, labels = small_data()
    gan = tiny_gan()
    w = gan.generator.trainable_weights[0]
    w.assign(np.full(w.shape, np.nan, "float32"))
    with pytest.raises(cl.training.TrainingDivergedError):
        gan.fit(images, labels, batch_size=16, epochs=1, verbose=0)


def tiny_config(**kw):
    return TrainAnimalsConfig(**{**TINY, "epochs": 2, "batch_size": 5000,
                                 "samples_per_class": 3, **kw})


def test_train_animals_resumes_exactly(tmp_path):
    whole = train_animals(tiny_config(), tmp_path / "whole", progress=False)
    assert whole["trained_epochs"] == 2
    train_animals(tiny_config(epochs=1), tmp_path / "split", progress=False)
    train_animals(tiny_config(), tmp_path / "split", resume=True, progress=False)
    a, b = tmp_path / "whole", tmp_path / "split"
    # Equal to float32 rounding: on a loaded machine oneDNN's threads may sum a batch of 5,000 in
    # another order (seen: 1.5e-8). A resume that lost the noise's or the optimizer's state moves
    # the samples by a learning-rate step, orders of magnitude more.
    np.testing.assert_allclose(np.load(a / "samples.npy"), np.load(b / "samples.npy"),
                               rtol=0, atol=1e-6)
    rows_a, rows_b = (json.loads((p / "history.json").read_text()) for p in (a, b))
    assert [r["d_loss"] for r in rows_b] == pytest.approx([r["d_loss"] for r in rows_a],
                                                          rel=1e-6)


def test_train_animals_refuses_other_fixed_settings_on_resume(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(tiny_config().to_dict()))  # a run's config
    with pytest.raises(ValueError, match="design was 'projection', now 'concat'"):
        train_animals(tiny_config(design="concat"), tmp_path, resume=True, progress=False)


def test_config_is_checked():
    with pytest.raises(ValueError, match="Unknown design"):
        TrainAnimalsConfig(design="film")
    with pytest.raises(ValueError, match="samples_per_class"):
        TrainAnimalsConfig(samples_per_class=0)
    with pytest.raises(TypeError, match="TrainAnimalsConfig"):
        train_animals({"epochs": 1}, "out")


def test_cli_train_animals_writes_the_run(tmp_path, capsys, monkeypatch):
    build = conditional.build_conditional_gan  # the CLI's networks, made tiny for speed
    monkeypatch.setattr(conditional, "build_conditional_gan",
                        lambda design, latent_dim, lr, seed, width: build(design, 8, lr, seed, 4))
    out = tmp_path / "run"
    args = ["train-animals", "--out", str(out), "--epochs", "1", "--batch-size", "5000",
            "--samples-per-class", "4", "--no-progress"]
    assert cli.main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["trained_epochs"] == 1
    samples, labels = np.load(out / "samples.npy"), np.load(out / "labels.npy")
    assert samples.shape == (40, 28, 28, 1) and samples.dtype == np.float32
    assert np.all(np.abs(samples) <= 1.0)
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 4))
    for name in ("samples.png", "history.json", "config.json", "checkpoints"):
        assert (out / name).exists()
    assert json.loads((out / "config.json").read_text())["samples_per_class"] == 4
    # resuming with another design is one error line, exit 2
    assert cli.main([*args, "--resume", "--design", "concat"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --resume with settings that differ")


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_cli_bad_samples_per_class_is_one_line(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["train-animals", "--out", str(tmp_path), "--samples-per-class", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--samples-per-class" in err[-1]


def test_per_class_scores_of_real_images_sit_at_the_floor():
    images, labels = cl.data.load_animal_shapes(["bear", "zebra"])
    pick = np.concatenate([np.flatnonzero(labels == k)[:500] for k in (0, 9)])
    scores = conditional.per_class_scores(images[pick], labels[pick], repeats=2)
    assert list(scores) == ["bear", "zebra"]
    for s in scores.values():
        assert s["n"] == 500
        assert s["asked_share"] > 0.9  # the reference classifier knows real animals
        assert s["fd"] < 2.0 * s["fd_floor"]
    # asking for the wrong class: the classifier disagrees, and the FD is far from its floor
    wrong = conditional.per_class_scores(images[pick], 9 - labels[pick], repeats=1)
    assert wrong["bear"]["asked_share"] < 0.1
    assert wrong["bear"]["fd"] > 5 * wrong["bear"]["fd_floor"]
    assert "mean" in conditional.format_per_class(scores)


def test_class_rows_draws_one_row_per_class(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    images, labels = small_data(3)
    ax = cl.plotting.class_rows(images, labels)
    names = [t.get_text() for t in ax.texts]
    assert names == list(cl.data.CLASS_NAMES)
    assert ax.images[0].get_array().shape == (10 * 29 - 1, 3 * 29 - 1)
    path = cl.plotting.save_class_rows(images, labels, tmp_path / "rows.png")
    assert path.stat().st_size > 0


def test_a_numpy_input_function_gives_the_built_in_generator():
    def one_hot_input(z, labels):
        return np.concatenate([z, np.eye(10)[labels]], axis=1)

    built_in = conditional.conditional_generator(latent_dim=8, width=4)
    mine = conditional.conditional_generator(latent_dim=8, width=4, conditioning=one_hot_input)
    mine.set_weights(built_in.get_weights())
    z, y = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32), np.arange(5) * 2
    np.testing.assert_allclose(mine([z, y]), built_in([z, y]), atol=1e-6)
    with pytest.raises(TypeError, match="fn must be a function"):
        conditional.FunctionInput("concat", 18)
