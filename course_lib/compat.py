"""The few Keras internals course_lib cannot avoid, in one place (chapter 5, checkpoints).

Keras 3 has no public API for these three facts, and course_lib needs each of them:

* every layer inside a model, nested ones included (``Model._flatten_layers``);
* the random-number state of a layer such as ``Dropout`` (``Layer._seed_generators``), which
  a model's own checkpoint omits but an exact resume needs;
* the variables an optimizer was built for (``Optimizer._trainable_variables``), which tells
  a fresh optimizer from one already used on another network.

Each function has a test in ``tests/test_compat.py``: a Keras upgrade that renames one of them
breaks that test, here, loudly, instead of silently weakening a checkpoint or a check.
"""

from __future__ import annotations

__all__ = ["flatten_layers", "optimizer_variables", "seed_generators"]


def flatten_layers(model) -> list:
    """Every layer inside ``model`` (nested models' layers too), in a stable order."""
    return list(model._flatten_layers(include_self=False))


def seed_generators(layer) -> list:
    """The ``keras.random.SeedGenerator`` objects a layer draws its noise from (may be empty)."""
    return list(getattr(layer, "_seed_generators", []))


def optimizer_variables(optimizer) -> list | None:
    """The variables ``optimizer`` was built for, or None if it has not been built yet."""
    if not optimizer.built:
        return None
    return getattr(optimizer, "_trainable_variables", None)
