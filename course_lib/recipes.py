"""The case study's recipes: its defaults and the one factory for its GAN (chapters 4-5).

The command line (``python -m course_lib train-cats``), the benchmarks and the chapter notebooks
all build the case study's GAN here, so there is one place that says what "the default run" is.
"""

from __future__ import annotations

__all__ = ["DEFAULTS", "build_gan", "make_strategy"]

#: The case study's defaults (chapter 5): a DCGAN, tuned for ~3 minutes on 2 CPU cores.
DEFAULTS = {"model": "dcgan", "epochs": 500, "batch_size": 64, "seed": 0, "latent_dim": 100,
            "learning_rate": 5e-4, "num_samples": 1000, "sample_seed": 1234}


def build_gan(model: str = DEFAULTS["model"], latent_dim: int = DEFAULTS["latent_dim"],
              learning_rate: float = DEFAULTS["learning_rate"], seed: int = DEFAULTS["seed"],
              width: int | None = None, augment=None):
    """The case study's compiled GAN: ``model`` "mlp" or "dcgan", Adam(``learning_rate``,
    beta_1=0.5) for each network (chapter 5). ``width`` sets a DCGAN's width (default 32);
    ``augment`` (e.g. ``cl.augment.DiffAugment()``) is passed to ``cl.training.GAN``.

    Call it inside ``strategy.scope()`` to train under a distribution strategy.
    """
    import keras

    import course_lib as cl

    if model not in ("mlp", "dcgan"):
        raise ValueError(f"Unknown model {model!r}. Expected 'mlp' or 'dcgan'.")
    if model == "mlp":
        if width is not None:
            raise ValueError("width applies to the DCGAN only; leave it out for model='mlp'.")
        gen, disc = cl.models.mlp_generator(latent_dim=latent_dim), cl.models.mlp_discriminator()
    else:
        size = {} if width is None else {"width": width}
        gen = cl.models.dcgan_generator(latent_dim=latent_dim, **size)
        disc = cl.models.dcgan_discriminator(**size)
    gan = cl.training.GAN(gen, disc, latent_dim=latent_dim, seed=seed, augment=augment)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5))
    return gan


def make_strategy(name: str):
    """The ``tf.distribute`` strategy for ``--strategy`` (chapter 5, multi-GPU training).

    ``"mirrored"`` replicates the models on every GPU, or, without GPUs, on every logical CPU
    device (tests configure two); ``"default"`` is the usual single-device strategy. The same
    devices always give the same strategy object.
    """
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name != "mirrored":
        raise ValueError(f"Unknown strategy {name!r}. Expected 'default' or 'mirrored'.")
    devices = [d.name for d in tf.config.list_logical_devices("GPU")]
    devices = tuple(devices or [d.name for d in tf.config.list_logical_devices("CPU")])
    # One strategy per set of devices and process: two MirroredStrategy objects in one process
    # can hand out clashing all-reduce keys.
    if devices not in _STRATEGIES:
        _STRATEGIES[devices] = tf.distribute.MirroredStrategy(list(devices))
    return _STRATEGIES[devices]


_STRATEGIES: dict = {}


