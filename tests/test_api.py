"""The public API named in the course's contract, and import hygiene."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import course_lib as cl


def test_public_names_exist():
    for name in ("set_seed", "data", "models", "losses", "training", "plotting", "checks",
                 "checkpoints", "distributions"):
        assert hasattr(cl, name), name
    assert cl.data.CLASS_NAMES[2] == "cat" and len(cl.data.CLASS_NAMES) == 10
    assert callable(cl.training.GAN.compile) and callable(cl.training.GAN.train_step)
    assert isinstance(cl.checks.CHECKS, dict)


def test_import_has_no_side_effects(tmp_path):
    code = textwrap.dedent("""
        import os, random, numpy as np, matplotlib
        import keras, tensorflow  # their own import-time effects are not ours to test
        before_np = np.random.get_state()[1].copy(); before_py = random.getstate()
        rc = dict(matplotlib.rcParams)
        import course_lib
        assert (np.random.get_state()[1] == before_np).all(), "numpy seeded"
        assert random.getstate() == before_py, "python random seeded"
        assert dict(matplotlib.rcParams) == rc, "rcParams changed"
        assert os.listdir(".") == [], os.listdir(".")
        print("clean")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "clean" in out.stdout, out.stderr[-2000:]


def test_set_seed_makes_numpy_and_tensorflow_repeatable():
    import tensorflow as tf

    cl.set_seed(7)
    a = (np.random.rand(3),  # noqa: NPY002
          tf.random.normal((3,)).numpy())
    cl.set_seed(7)
    b = (np.random.rand(3),  # noqa: NPY002
          tf.random.normal((3,)).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(TypeError):
        cl.set_seed("7")


def test_load_cats_contract():
    cats = cl.data.load_cats()
    assert cats.shape == (1000, 28, 28, 1) and cats.dtype == np.float32
    assert cats.min() == -1.0 and cats.max() == 1.0
    unit = cl.data.load_cats(value_range=(0.0, 1.0))
    np.testing.assert_allclose(unit, (cats + 1) / 2, atol=1e-6)
    images, labels = cl.data.load_animal_shapes()
    assert images.shape == (10000, 28, 28, 1) and labels.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(labels), [1000] * 10)
    np.testing.assert_array_equal(images[labels == 2], cats)
    two, lab = cl.data.load_animal_shapes(classes=["dog", "cat"])
    assert two.shape == (2000, 28, 28, 1) and set(lab.tolist()) == {2, 4}


@pytest.mark.parametrize("kind", ["mlp", "dcgan"])
def test_model_contract(kind):
    g = getattr(cl.models, f"{kind}_generator")(latent_dim=100)
    d = getattr(cl.models, f"{kind}_discriminator")()
    z = cl.training.latent_batch(5, 100, seed=1)
    x = g(z, training=False).numpy()
    assert x.shape == (5, 28, 28, 1) and x.min() >= -1 and x.max() <= 1
    logits = d(x, training=False).numpy()
    assert logits.shape == (5, 1)
    # logits, not probabilities: a sigmoid-free last layer reaches outside [0, 1] when scaled
    big = d(np.ones((2, 28, 28, 1), np.float32) * 50, training=False).numpy()
    assert np.abs(big).max() > 1.0


def test_mlp_matches_the_article_sizes():
    g, d = cl.models.mlp_generator(), cl.models.mlp_discriminator()
    assert g.count_params() == (100 * 128 + 128) + (128 * 784 + 784)
    assert d.count_params() == (784 * 128 + 128) + (128 + 1)


def test_gan_fits_images_and_vectors():
    cl.set_seed(0)
    gan = cl.training.GAN(cl.models.mlp_generator(latent_dim=8), cl.models.mlp_discriminator(),
                          latent_dim=8, seed=0)
    gan.compile(d_optimizer=cl.training.keras.optimizers.Adam(1e-3),
                g_optimizer=cl.training.keras.optimizers.Adam(1e-3))
    hist = gan.fit(cl.data.load_cats()[:64], batch_size=32, epochs=1, verbose=0)
    assert set(hist.history) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
    vec = cl.training.GAN(cl.models.vector_generator(2, 1), cl.models.vector_discriminator(1),
                          latent_dim=2, seed=0)
    vec.compile(d_optimizer=cl.training.keras.optimizers.Adam(1e-3),
                g_optimizer=cl.training.keras.optimizers.Adam(1e-3))
    h = vec.fit(np.random.default_rng(0).normal(3, 1, (128, 1)).astype("float32"),
                batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(h.history["d_loss"][-1]) and vec.generate(4).shape == (4, 1)


def test_the_package_imports_modules_on_first_use():
    code = textwrap.dedent("""
        import sys
        import course_lib as cl
        import course_lib.tools.cli as cli
        cli.build_parser().parse_args(["make-exercises", "--check"])
        assert "tensorflow" not in sys.modules, "TensorFlow imported by the tools' start-up"
        assert {"training", "vae", "set_seed", "recipes"} <= set(dir(cl))
        assert cl.training.GAN is sys.modules["course_lib.training"].GAN
        assert cl.set_seed is cl.runtime.set_seed
        try:
            cl.no_such_module
        except AttributeError as exc:
            assert "no_such_module" in str(exc)
        else:
            raise AssertionError("no AttributeError")
        print("lazy")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and "lazy" in out.stdout, out.stderr[-2000:]
