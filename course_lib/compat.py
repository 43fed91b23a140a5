"""The few Keras internals course_lib cannot avoid, in one place (chapter 5, checkpoints).

Keras 3 and TensorFlow have no public API for these six facts, and course_lib needs each:

* every layer inside a model, nested ones included (``Model._flatten_layers``);
* the random-number state of a layer such as ``Dropout`` (``Layer._seed_generators``), which
  a model's own checkpoint omits but an exact resume needs;
* the variables an optimizer was built for (``Optimizer._trainable_variables``), which tells
  a fresh optimizer from one already used on another network;
* the schedule an optimizer's learning rate follows (``Optimizer._learning_rate``): its public
  ``learning_rate`` is only the current value, and assigning it breaks a schedule;
* the names of the objects a ``tf.train.Checkpoint`` file holds at its top level (its object
  graph proto), which tells a checkpoint of another model family from one of this family:
  the variables' own keys do not, because each variable is stored under one path only (often
  an optimizer's, ``optimizer/_trainable_variables/3``);
* whether TensorFlow's op determinism is on (``cl.set_seed(..., deterministic=True)``), under
  which Keras refuses XLA, so ``cl.execution`` must not ask for it.

Each function has a test in ``tests/test_compat.py``: a Keras upgrade that renames one of them
breaks that test, here, loudly, instead of silently weakening a checkpoint or a check.
"""

from __future__ import annotations

__all__ = ["checkpoint_children", "flatten_layers", "learning_rate_schedule",
           "op_determinism_enabled", "optimizer_variables", "seed_generators"]


def flatten_layers(model) -> list:
    """Every layer inside ``model`` (nested models' layers too), in a stable order."""
    return list(model._flatten_layers(include_self=False))


def op_determinism_enabled() -> bool:
    """Whether ``tf.config.experimental.enable_op_determinism()`` has been called."""
    from tensorflow.python.framework import config

    return bool(config.is_op_determinism_enabled())


def seed_generators(layer) -> list:
    """The ``keras.random.SeedGenerator`` objects a layer draws its noise from (may be empty)."""
    return list(getattr(layer, "_seed_generators", []))


def optimizer_variables(optimizer) -> list | None:
    """The variables ``optimizer`` was built for, or None if it has not been built yet."""
    if not optimizer.built:
        return None
    return getattr(optimizer, "_trainable_variables", None)


def learning_rate_schedule(optimizer):
    """The ``LearningRateSchedule`` ``optimizer``'s rate follows, or None for a fixed rate."""
    import keras

    rate = getattr(optimizer, "_learning_rate", None)
    return rate if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) else None


def checkpoint_children(reader) -> list[str]:
    """The top-level names in a checkpoint (``reader = tf.train.load_checkpoint(prefix)``);
    a ``ValueError`` if it holds no readable object graph."""
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    try:
        graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(
            reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    except DecodeError as exc:
        raise ValueError(f"its object graph cannot be read ({exc})") from None
    if not graph.nodes:
        raise ValueError("its object graph is empty")
    return [child.local_name for child in graph.nodes[0].children]
