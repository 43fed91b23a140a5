"""The Keras internals course_lib relies on, one test each (course_lib.compat).

If a Keras release renames or changes one of them, the matching test fails here, before a
checkpoint silently loses a Dropout layer's noise state or a used optimizer passes as fresh.
"""

import keras
import numpy as np

from course_lib import compat


def _nested():
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5)],
                             name="inner")
    return keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(1)], name="outer")


def test_flatten_layers_reaches_nested_layers_in_a_stable_order():
    model = _nested()
    layers = compat.flatten_layers(model)
    kinds = sorted(type(layer).__name__ for layer in layers)
    assert kinds == ["Dense", "Dense", "Dropout", "InputLayer", "InputLayer", "Sequential"]
    assert [id(x) for x in compat.flatten_layers(model)] == [id(x) for x in layers]


def test_seed_generators_finds_dropouts_noise_state():
    dropout = keras.layers.Dropout(0.5, seed=3)
    (sg,) = compat.seed_generators(dropout)
    assert isinstance(sg, keras.random.SeedGenerator)
    before = np.array(sg.state.numpy())
    dropout(np.ones((2, 4), np.float32), training=True)
    assert not np.array_equal(before, sg.state.numpy())  # the state we checkpoint moves
    assert compat.seed_generators(keras.layers.Dense(2)) == []


def test_optimizer_variables_are_the_built_for_variables():
    model = _nested()
    opt = keras.optimizers.Adam()
    assert compat.optimizer_variables(opt) is None  # not built yet
    opt.build(model.trainable_variables)
    assert [id(v) for v in compat.optimizer_variables(opt)] == [
        id(v) for v in model.trainable_variables]


def test_checkpoint_children_are_the_top_level_names_not_the_variables_paths(tmp_path):
    import pytest
    import tensorflow as tf

    model = _nested()
    opt = keras.optimizers.Adam()
    opt.build(model.trainable_variables)
    prefix = tf.train.Checkpoint(net=model, opt=opt, empty={}).write(str(tmp_path / "c"))
    reader = tf.train.load_checkpoint(prefix)
    assert sorted(compat.checkpoint_children(reader)) == ["empty", "net", "opt"]
    # the variables' keys alone would miss "net" and "empty": the weights sit under opt/
    assert {k.split("/")[0] for k in reader.get_variable_to_shape_map()} == {
        "_CHECKPOINTABLE_OBJECT_GRAPH", "opt"}

    class Garbled:
        def get_tensor(self, name):
            return b"\xff\x00 not a proto"

    with pytest.raises(ValueError, match="object graph"):
        compat.checkpoint_children(Garbled())


def test_learning_rate_schedule_is_found_and_a_fixed_rate_is_none():
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=10)
    assert compat.learning_rate_schedule(keras.optimizers.Adam(schedule)) is schedule
    assert compat.learning_rate_schedule(keras.optimizers.Adam(1e-3)) is None


def test_op_determinism_enabled_follows_set_seed_in_a_fresh_process():
    import subprocess
    import sys

    code = ("import course_lib as cl; from course_lib import compat; "
            "a = compat.op_determinism_enabled(); cl.set_seed(0, deterministic=True); "
            "print(a, compat.op_determinism_enabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.split() == ["False", "True"]
