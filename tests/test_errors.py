"""Issue 7.1: every public entry point turns a learner's mistake into a clear error.

Each case asserts the exception type and the key words of the message: what happened, what was
expected, and how to fix it (the Keras API guidelines' three parts). The command-line cases run
``python -m course_lib`` in a subprocess: one ``error:`` line on stderr, exit code 2, no traceback.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

import course_lib as cl
import course_lib.tools.cli

LATENT = 4


@pytest.fixture(scope="module")
def tiny():
    """A tiny tanh generator and logit discriminator for 28x28x1 images."""
    return (cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8),
            cl.models.mlp_discriminator(hidden_units=8))


@pytest.fixture(scope="module")
def gan(tiny):
    g = cl.training.GAN(*tiny, latent_dim=LATENT, seed=0)
    g.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return g


def _cats(n=8):
    return cl.data.load_cats()[:n]


def _raises(exc, words, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    missing = [w for w in words if w not in msg]
    assert not missing, f"{missing} not in message: {msg}"
    return msg


# --------------------------------------------------------------------------- data (cl.data)
def test_unknown_class_name_suggests_the_right_one():
    _raises(ValueError, ["Unknown class 'unicorn'", "Expected one of", "cat", "CLASS_NAMES"],
            cl.data.load_animal_shapes, classes=["unicorn"])
    _raises(ValueError, ["Unknown class 'cats'", "Did you mean 'cat'"],
            cl.data.load_animal_shapes, classes=["cats"])


def test_empty_or_out_of_range_class_selection():
    _raises(ValueError, ["non-empty", "classes=['cat']"], cl.data.load_animal_shapes, classes=[])
    _raises(ValueError, ["Unknown class 12", "label 0-9"], cl.data.load_animal_shapes,
            classes=[12])


def test_impossible_value_range():
    _raises(ValueError, ["low < high", "(-1, 1) for a tanh"], cl.data.load_cats,
            value_range=(1.0, -1.0))
    _raises(TypeError, ["pair of numbers", "(-1.0, 1.0)"], cl.data.load_cats, value_range="wide")


def test_rescale_refuses_images_that_are_already_scaled():
    _raises(ValueError, ["already scaled", "[0, 1]"], cl.data.rescale,
            np.linspace(0, 1, 784, dtype=np.float32).reshape(1, 28, 28))
    _raises(ValueError, ["0..255", "[-1, 1]"], cl.data.rescale,
            np.linspace(-1, 1, 784, dtype=np.float32).reshape(1, 28, 28))


def test_data_dir_that_is_a_file_or_lacks_the_files(tmp_path):
    a_file = tmp_path / "cats.npy"
    a_file.write_bytes(b"x")
    _raises(ValueError, ["is a file", "data_dir=None"], cl.data.load_cats, data_dir=a_file)
    _raises(ValueError, ["Data file not found", cl.data.DATA_FILE], cl.data.load_cats,
            data_dir=tmp_path)
    _raises(TypeError, ["data_dir must be a path"], cl.data.load_cats, data_dir=3)


def test_as_dataset_rejects_impossible_settings():
    cats = _cats(8)
    _raises(ValueError, ["batch_size=16 is larger than the 8 images", "smaller batch"],
            cl.data.as_dataset, cats, 16)
    _raises(ValueError, ["start_epoch=3 must be smaller than epochs=3"], cl.data.as_dataset,
            cats, 4, epochs=3, start_epoch=3)
    _raises(TypeError, ["batch_size must be an int", "batch_size=1"], cl.data.as_dataset,
            cats, 4.0)
    _raises(ValueError, ["NaN or infinite"], cl.data.as_dataset, np.full((8, 28, 28, 1), np.nan),
            4)


# ------------------------------------------------------------- models and the GAN's pieces
def test_model_builders_reject_impossible_sizes():
    _raises(ValueError, ["latent_dim", "0"], cl.models.mlp_generator, latent_dim=0)
    _raises(ValueError, ["dropout", "[0, 1)"], cl.models.dcgan_discriminator, dropout=1.5)


def test_latent_dim_that_disagrees_with_the_generator(tiny):
    _raises(ValueError, ["latent_dim=8 disagrees", "4 features", "Pass latent_dim=4"],
            cl.training.GAN, *tiny, latent_dim=8)


def test_generator_output_that_the_discriminator_cannot_take():
    flat = cl.models.vector_generator(latent_dim=LATENT, output_dim=784, hidden_units=4)
    _raises(ValueError, ["emits samples of shape (784,)", "expects (28, 28, 1)",
                         "Reshape((28, 28, 1))"],
            cl.training.GAN, flat, cl.models.mlp_discriminator(hidden_units=4), latent_dim=LATENT)
    small = cl.models.vector_generator(latent_dim=LATENT, output_dim=3, hidden_units=4)
    _raises(ValueError, ["emits samples of shape (3,)", "same sample shape"],
            cl.training.GAN, small, cl.models.mlp_discriminator(hidden_units=4), latent_dim=LATENT)


def test_discriminator_must_return_one_logit(tiny):
    two = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                            keras.layers.Dense(2)], name="two_logits")
    _raises(ValueError, ["one logit per sample", "outputs (2,)", "Dense(1)"],
            cl.training.GAN, tiny[0], two, latent_dim=LATENT)


def test_gan_arguments_of_the_wrong_kind(tiny):
    _raises(TypeError, ["generator must be a keras.Model", "cl.models.mlp_generator()"],
            cl.training.GAN, "mlp", tiny[1], latent_dim=LATENT)
    _raises(ValueError, ["the same model", "build one of each"],
            cl.training.GAN, tiny[1], tiny[1], latent_dim=LATENT)
    _raises(TypeError, ["seed must be an int", "seed=0"], cl.training.GAN, *tiny,
            latent_dim=LATENT, seed="42")
    _raises(TypeError, ["augment must be a function"], cl.training.GAN, *tiny,
            latent_dim=LATENT, augment="flip")
    _raises(TypeError, ["latent_dim must be an int", "latent_dim=1"], cl.training.GAN, *tiny,
            latent_dim=4.0)


def test_compile_rejects_impossible_hyper_parameters(tiny):
    g = cl.training.GAN(*tiny, latent_dim=LATENT)
    adam = keras.optimizers.Adam(1e-3)
    _raises(ValueError, ["same object", "create two"], g.compile, d_optimizer=adam,
            g_optimizer=adam)
    _raises(TypeError, ["keras optimizer instance", "got str", "keras.optimizers.Adam"],
            g.compile, d_optimizer="adam", g_optimizer=adam)
    _raises(ValueError, ["unknown generator_loss 'wasserstein'", "non_saturating"], g.compile,
            d_optimizer=adam, g_optimizer=keras.optimizers.Adam(), generator_loss="wasserstein")
    _raises(ValueError, ["label_smoothing must be < 0.5", "0.1"], g.compile, d_optimizer=adam,
            g_optimizer=keras.optimizers.Adam(), label_smoothing=0.7)
    _raises(ValueError, ["label_smoothing must be a finite number >= 0"], g.compile,
            d_optimizer=adam, g_optimizer=keras.optimizers.Adam(), label_smoothing=-0.1)


def test_compile_rejects_an_optimizer_already_used_elsewhere(tiny):
    other = cl.models.mlp_discriminator(hidden_units=8)
    used = keras.optimizers.Adam(1e-3)
    used.build(other.trainable_variables)
    g = cl.training.GAN(*tiny, latent_dim=LATENT)
    _raises(ValueError, ["already used to train other weights", "fresh optimizer"], g.compile,
            d_optimizer=used, g_optimizer=keras.optimizers.Adam(1e-3))


def test_fit_before_compile_or_with_labels(tiny, gan):
    _raises(ValueError, ["before GAN.compile", "gan.compile("],
            cl.training.GAN(*tiny, latent_dim=LATENT).fit, _cats(), batch_size=4)
    _raises(ValueError, ["y must be None", "made inside train_step"], gan.fit, _cats(),
            np.ones(8), batch_size=4)
    _raises(ValueError, ["x is None", "gan.fit(cl.data.load_cats()"], gan.fit, None)


def test_fit_data_whose_shape_does_not_match(gan):
    _raises(ValueError, ["samples of shape (784,)", "expects (28, 28, 1)",
                         "x.reshape(-1, 28, 28, 1)"],
            gan.fit, _cats().reshape(8, 784), batch_size=4, verbose=0)
    _raises(ValueError, ["samples of shape (32, 32, 1)", "keras.Input(shape=(32, 32, 1))"],
            gan.fit, np.zeros((8, 32, 32, 1), np.float32), batch_size=4, verbose=0)


def test_fit_data_with_nan_empty_or_not_numbers(gan):
    bad = _cats().copy()
    bad[3, 5, 5, 0] = np.nan
    bad[6, 0, 0, 0] = np.inf
    _raises(ValueError, ["x contains 2 NaN or infinite values", "(3, 5, 5, 0)",
                         "drop those samples"], gan.fit, bad, batch_size=4, verbose=0)
    _raises(ValueError, ["x is empty", "at least one sample"], gan.fit,
            np.zeros((0, 28, 28, 1), np.float32), batch_size=4, verbose=0)
    _raises(TypeError, ["must hold numbers", "dtype <U3", "np.asarray(x, dtype='float32')"],
            gan.fit, np.full((8, 28, 28, 1), "cat"), batch_size=4, verbose=0)
    _raises(TypeError, ["numeric NumPy array", "got str"], gan.fit, "cats.npy", verbose=0)


def test_fit_images_not_scaled_to_the_generators_range(gan):
    raw = (_cats() + 1) * 127.5
    _raises(ValueError, ["lie in [0, 255]", "[-1, 1]", "raw 0..255 pixels", "x / 127.5 - 1"],
            gan.fit, raw, batch_size=4, verbose=0)
    unit = (_cats() + 1) / 2
    _raises(ValueError, ["scaled to [0, 1]", "x * 2 - 1"], gan.fit, unit, batch_size=4,
            verbose=0)


def test_fit_batch_size_and_epochs(gan):
    _raises(ValueError, ["batch_size=16 is larger than the 8 samples"], gan.fit, _cats(),
            batch_size=16, verbose=0)
    _raises(ValueError, ["epochs must be >= 1", "got 0"], gan.fit, _cats(), batch_size=4,
            epochs=0, verbose=0)


def test_generate_with_wrong_noise(gan):
    _raises(ValueError, ["z must have shape (n, 4)", "(3, 5)", "latent_batch(n, 4)"],
            gan.generate, z=np.zeros((3, 5), np.float32))
    _raises(ValueError, ["needs n", "gan.generate(16)"], gan.generate)
    _raises(ValueError, ["n must be >= 1"], gan.generate, 0)
    _raises(ValueError, ["z contains 1 NaN"], gan.generate,
            z=np.array([[0.0, np.nan, 0.0, 0.0]], np.float32))
    _raises(ValueError, ["n=2 but 3 latent vectors"], gan.generate, 2,
            z=np.zeros((3, LATENT), np.float32))


def test_callbacks_and_helpers_check_their_arguments():
    _raises(ValueError, ["num_samples must be >= 1"], cl.training.SampleGrid, num_samples=0)
    _raises(TypeError, ["every must be an int"], cl.training.SampleGrid, every=1.5)
    _raises(ValueError, ["latent_dim must be >= 1"], cl.training.latent_batch, 4, 0)
    _raises(TypeError, ["seed must be an int", "cl.set_seed(42)"], cl.set_seed, "7")


# ------------------------------------------------------------------------- checkpoints
def test_checkpoint_misuse(tmp_path, tiny, gan):
    uncompiled = cl.training.GAN(*tiny, latent_dim=LATENT)
    _raises(ValueError, ["not compiled", "gan.compile("], cl.checkpoints.save, uncompiled,
            tmp_path / "c", 1)
    _raises(ValueError, ["not compiled"], cl.checkpoints.restore, uncompiled, tmp_path / "c")
    _raises(TypeError, ["expects a cl.training.GAN", "model.save('model.keras')"],
            cl.checkpoints.save, tiny[0], tmp_path / "c", 1)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    _raises(ValueError, ["is a file", "Expected a directory"], cl.checkpoints.save, gan,
            a_file, 1)
    _raises(ValueError, ["is a file"], cl.checkpoints.GANCheckpoint, a_file)
    _raises(ValueError, ["epoch must be >= 0"], cl.checkpoints.save, gan, tmp_path / "c", -1)


# ---------------------------------------------------------------------------- plotting
def test_plotting_helpers_reject_bad_input(tmp_path):
    _raises(ValueError, ["non-empty batch of grayscale images", "(0, 28, 28)"],
            cl.plotting.tile, np.zeros((0, 28, 28)))
    _raises(ValueError, ["['g_loss'] not in the history", "d_loss"], cl.plotting.loss_curves,
            {"d_loss": [1.0]})
    _raises(TypeError, ["expects a History or a dict"], cl.plotting.loss_curves, [1.0, 2.0])
    _raises(ValueError, ["is a directory", "grid.png"], cl.plotting.save_image_grid,
            np.zeros((4, 28, 28)), tmp_path)
    _raises(ValueError, ["same shape", "(3, 28, 28)", "(2, 28, 28)"], cl.plotting.pairs_grid,
            np.zeros((3, 28, 28)), np.zeros((2, 28, 28)))
    _raises(ValueError, ["1 labels for 2 pairs"], cl.plotting.pairs_grid,
            np.zeros((2, 28, 28)), np.zeros((2, 28, 28)), labels=["a"])


def test_pairs_grid_draws_each_top_image_above_its_partner():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    top, bottom = rng.uniform(-1, 1, (3, 28, 28)), rng.uniform(-1, 1, (3, 28, 28))
    _, ax = plt.subplots()
    assert cl.plotting.pairs_grid(top, bottom, ax=ax, labels=["1", "2", "3"]) is ax
    grid = ax.images[0].get_array()
    assert grid.shape == (2 * 28 + 1, 3 * 28 + 2)
    np.testing.assert_allclose(grid[:28, 29:57], top[1], rtol=1e-6)
    np.testing.assert_allclose(grid[29:, 58:], bottom[2], rtol=1e-6)
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3"]
    plt.close("all")


# -------------------------------------------------------------------- the command line
# Each case runs the real entry point (course_lib/__main__.py, as `python -m course_lib` does)
# with its own argv and its own captured stderr. All cases share one fresh subprocess, so that
# TensorFlow is imported once rather than once per case.
RUNNER = textwrap.dedent("""
    import contextlib, io, json, runpy, sys, traceback
    results = {}
    for name, argv in json.loads(sys.argv[1]).items():
        err = io.StringIO()
        sys.argv = ["python -m course_lib", *argv]
        code = 0
        with contextlib.redirect_stderr(err):
            try:
                runpy.run_module("course_lib", run_name="__main__", alter_sys=True)
            except SystemExit as exc:
                code = exc.code
            except BaseException:
                traceback.print_exc()
                code = "crashed"
        results[name] = {"code": code, "stderr": err.getvalue()}
    print(json.dumps(results))
""")

CLI_CASES = {
    # name: (argv after train-cats, words the stderr must contain)
    "epochs_zero": (["--out", "new", "--epochs", "0"], ["usage:", "--epochs must be >= 1"]),
    "unknown_model": (["--out", "new", "--model", "gan"], ["usage:", "invalid choice: 'gan'",
                                                           "'dcgan'"]),
    "learning_rate": (["--out", "new", "--learning-rate", "3"], ["usage:", "between 0 and 1"]),
    "unknown_strategy": (["--out", "new", "--strategy", "tpu"],
                         ["usage:", "invalid choice: 'tpu'", "'mirrored'"]),
    "out_is_a_file": (["--out", "a_file"], ["error: --out a_file is a file.", "another path"]),
    "out_below_a_file": (["--out", "a_file/run"], ["cannot be created because",
                                                   "is a file"]),
    "run_exists": (["--out", "mlp_run", "--model", "mlp"], ["already holds a run",
                                                            "Pass --resume"]),
    "resume_other_model": (["--out", "mlp_run", "--model", "dcgan", "--resume"],
                           ["model was 'mlp', now 'dcgan'", "original settings"]),
    "broken_config": (["--out", "broken_run", "--resume"], ["config.json is not valid JSON",
                                                            "delete it"]),
    "batch_too_big": (["--out", "new", "--batch-size", "5000"],
                      ["--batch-size 5000 is larger than the 1000 cats", "at most 1000"]),
    "corrupted_data": (["--out", "new", "--data-dir", "data"],
                       ["Checksum mismatch", "was not unpickled", "--force-reinstall"]),
    # last: this one gets as far as building the models
    "foreign_checkpoint": (["--out", "mlp_run", "--model", "mlp", "--resume"],
                           ["Cannot restore the checkpoint", "same generator, discriminator",
                            "empty directory"]),
}


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")
    (cwd / "a_file").write_text("not a directory")
    defaults = {k: cl.recipes.DEFAULTS[k] for k in ("batch_size", "seed", "latent_dim",
                                                 "learning_rate")}
    for run, text in (("mlp_run", json.dumps({**defaults, "model": "mlp"})),
                      ("broken_run", "{broken")):
        (cwd / run).mkdir()
        (cwd / run / "config.json").write_text(text)
    # a checkpoint of another architecture where the mlp run's checkpoints belong
    other = cl.training.GAN(cl.models.dcgan_generator(latent_dim=LATENT, width=4),
                            cl.models.dcgan_discriminator(width=4), latent_dim=LATENT)
    other.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    cl.checkpoints.save(other, cwd / "mlp_run" / "checkpoints", 3)
    src = Path(cl.data.default_data_dir())
    (cwd / "data").mkdir()
    for name in (cl.data.DATA_FILE, cl.data.LABEL_FILE):
        (cwd / "data" / name).write_bytes((src / name).read_bytes())
    raw = bytearray((cwd / "data" / cl.data.DATA_FILE).read_bytes())
    raw[1000] ^= 0xFF
    (cwd / "data" / cl.data.DATA_FILE).write_bytes(bytes(raw))
    cases = {name: ["train-cats", *argv] for name, (argv, _) in CLI_CASES.items()}
    out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cases)], cwd=cwd,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return cwd, json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_prints_the_error_without_traceback(cli_results, case):
    cwd, results = cli_results
    got = results[case]
    assert got["code"] == 2, got
    assert "Traceback" not in got["stderr"]
    missing = [w for w in CLI_CASES[case][1] if w not in got["stderr"]]
    assert not missing, f"{missing} not in: {got['stderr']}"
    if "usage:" not in CLI_CASES[case][1]:
        assert got["stderr"].startswith("error: ") and got["stderr"].count("\n") == 1
    # nothing was created or overwritten by a failed command
    assert not (cwd / "new").exists()
    assert (cwd / "a_file").read_text() == "not a directory"
    assert (cwd / "broken_run" / "config.json").read_text() == "{broken"
    assert json.loads((cwd / "mlp_run" / "config.json").read_text())["model"] == "mlp"
