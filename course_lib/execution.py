"""Many training steps per call into TensorFlow, and XLA where it pays (chapter 4's speed section).

Keras's ``fit`` calls its compiled training function once per batch: each call crosses from
Python into TensorFlow and back, reads the losses, and runs the callbacks. For the article's
small MLP that round trip costs more than the step's arithmetic. :class:`GraphEpochs`, mixed
into a ``keras.Model`` subclass in front of ``keras.Model``, runs a whole epoch's batches in one
call instead: the batches are stacked into one tensor and a ``tf.while_loop`` inside one
``tf.function`` runs ``train_step`` on each, and with XLA (``jit_compile``) the whole loop is
compiled into one program. Reading the batches, checking the first one (a dataset's) and the
epoch's short last batch happen in that same call. The maths of the step is untouched:

- the batches, their order and every random number are the ones ``fit`` would use anyway;
- the loop stops right after the first step whose logged values are not finite, so the weights
  are those the per-batch loop would leave, and :func:`last_batch` names the exact batch that
  went wrong (``cl.training.NaNGuard`` reports it);
- callbacks still see every epoch; per-batch callbacks are called once per executed group of
  batches with the group's last batch (as Keras does with ``steps_per_execution``).

Only a model trained on one device takes this path: under a ``tf.distribute`` strategy the
model keeps Keras's own per-batch training function.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from course_lib import compat, startup
from course_lib.data import without_autotune

__all__ = [
    "XLA_MIN_INPUT",
    "GraphEpochs",
    "array_dataset",
    "check_steps_per_execution",
    "has_convolutions",
    "last_batch",
    "on_one_device",
    "resolve_jit_compile",
    "steps_per_epoch",
]


def on_one_device(model) -> bool:
    """True when ``model`` lives on one device, outside any ``tf.distribute`` strategy."""
    with model.distribute_strategy.scope():
        return not tf.distribute.has_strategy()


_CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
                 keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose,
                 keras.layers.Conv3DTranspose, keras.layers.DepthwiseConv2D,
                 keras.layers.SeparableConv2D)


def _layers(*models):
    """The networks, their layers and the layers inside wrappers (e.g. SpectralNormalization)."""
    found = []
    for model in models:
        found += [model, *compat.flatten_layers(model)]
    inner = [w.layer for w in found if isinstance(getattr(w, "layer", None), keras.layers.Layer)]
    return found + (_layers(*inner) if inner else [])


def has_convolutions(*models) -> bool:
    """Whether any of the networks (or a layer wrapped inside one) is a convolution."""
    return any(isinstance(layer, _CONVOLUTIONS) for layer in _layers(*models))


#: The smallest input, in values per sample, for which "auto" asks for XLA: compiling costs a few
#: seconds per model, which the MLP on 28x28 images wins back (about 1 ms a step) and a toy GAN
#: on 1-D or 2-D points, whose steps cost a fraction of a millisecond, does not (chapter 3).
XLA_MIN_INPUT = 256


def _input_size(model) -> int:
    """The values per sample of a network's largest input; 0 when it does not say."""
    try:
        inputs = model.inputs or ()
    except (AttributeError, ValueError):  # a subclassed model, not built from inputs
        return 0
    return max((math.prod(d or 1 for d in x.shape[1:]) for x in inputs), default=0)


def resolve_jit_compile(jit_compile, *models, one_device=True):
    """``compile``'s ``jit_compile`` for these networks: True, False, or "auto".

    "auto" on one device of a machine without accelerators becomes True for networks without
    convolutions whose largest input has at least :data:`XLA_MIN_INPUT` values per sample (the
    MLP on images: XLA fuses its many small operations, 1.2 against 2.2 ms per step here), and
    False otherwise: for convolutional networks (XLA's CPU convolutions measured about 12x
    slower than oneDNN's for the DCGAN) and for toy networks (the compile would cost more than
    it saves). With an accelerator, or under a ``tf.distribute`` strategy, it stays "auto",
    Keras's own choice; with op determinism on, or a layer that XLA cannot compile, it is False.
    """
    if isinstance(jit_compile, bool):
        return jit_compile
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be True, False or 'auto', got {jit_compile!r}.")
    if not one_device or any(d.device_type != "CPU" for d in tf.config.list_physical_devices()):
        return "auto"  # XLA cannot compile the collectives of a strategy on CPUs
    if compat.op_determinism_enabled() or not all(
            getattr(layer, "supports_jit", True) for layer in _layers(*models)):
        return False  # Keras would refuse XLA here, with a warning
    if max((_input_size(m) for m in models), default=0) < XLA_MIN_INPUT:
        return False
    return not has_convolutions(*models)


def check_steps_per_execution(value):
    """``compile``'s ``steps_per_execution``: "epoch" (the default: one call per epoch) or a
    whole number of batches per call; 1 is Keras's one call per batch."""
    if value == "epoch":
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"steps_per_execution must be 'epoch' or an int, got "
                        f"{type(value).__name__} ({value!r}). Pass e.g. steps_per_execution=1.")
    if value < 1:
        raise ValueError(f"steps_per_execution must be 'epoch' or >= 1, got {value}. Pass "
                         "'epoch' (one call per epoch) or 1 (one call per batch).")
    return value


def steps_per_epoch(x, batch_size=None, steps=None) -> int:
    """The batches of one epoch of ``fit(x, batch_size=..., steps_per_epoch=steps)``: ``steps``
    when given, else ``ceil(len(x) / batch_size)`` for an array (Keras's default batch is 32),
    else a dataset's cardinality; 1 when a dataset does not know its length."""
    if steps is not None:
        return int(steps)
    if isinstance(x, tf.data.Dataset):
        n = int(x.cardinality())
        return n if n > 0 else 1
    return max(1, math.ceil(len(x) / (batch_size or 32)))


def array_dataset(x, batch_size=None, shuffle=True, seed=None):
    """``(dataset, steps)``: the batches ``fit(x, batch_size=...)`` trains on, as one dataset
    that repeats an epoch at a time, and the batches per epoch, ``ceil(len(x) / batch_size)``.

    As Keras does for an array, each epoch is a new shuffle of all samples (with
    ``shuffle=True``; ``seed`` fixes the sequence of shuffles, None takes it from TensorFlow's
    global seed, which ``cl.set_seed`` sets) and ends with the short batch of the remainder.
    Unlike Keras's per-epoch pipeline, one iterator serves every epoch of the ``fit`` call.
    """
    batch_size = batch_size or 32
    ds = tf.data.Dataset.from_tensor_slices(x)
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = without_autotune(ds.batch(batch_size).repeat().prefetch(2))
    return ds, steps_per_epoch(x, batch_size)


def last_batch(model, begin: int, end: int) -> int:
    """The index of the last batch the call from ``begin`` to ``end`` actually trained on.

    A :class:`GraphEpochs` model may stop early (a non-finite loss); any other model ran them
    all."""
    ran = getattr(model, "executed_steps", None)
    return end if ran is None else begin + ran - 1


class GraphEpochs:
    """A mixin that gives a ``keras.Model`` subclass's ``fit`` one call per epoch (chapter 4).

    Put it before ``keras.Model`` (``class GAN(GraphEpochs, keras.Model)``) and call
    ``super().fit`` inside ``with self.graph_epochs(x, batch_size, steps_per_epoch):``.
    ``executed_steps`` holds how many batches the latest call trained on.
    """

    executed_steps = None
    batch_check = None
    #: batches per call: "epoch" (all of an epoch's) or a whole number; set it with
    #: :func:`check_steps_per_execution` in the model's ``compile``
    execution_steps = "epoch"

    def graph_epochs(self, x, batch_size=None, steps=None, check=None):
        """A context in which ``fit`` runs one epoch per call (one device only).

        ``check(batch)``, if given, sees the first batch the call reads, before any step trains
        on it (e.g. ``cl.validation.check_dataset_batch``): a dataset is checked on the batch it
        really yields, without reading it a second time."""
        if not on_one_device(self):
            return _Execution(self, None, None)
        per_call = (steps_per_epoch(x, batch_size, steps) if self.execution_steps == "epoch"
                    else self.execution_steps)
        return _Execution(self, per_call, check)

    def reset_metrics(self):
        """Keras's ``reset_metrics`` (at the start of each epoch) in one call into TensorFlow;
        Keras's own makes one per variable from Python."""
        if not on_one_device(self):
            return super().reset_metrics()
        return self._in_one_call("reset", super().reset_metrics)

    def get_metrics_result(self):
        """Keras's ``get_metrics_result`` (each metric's value, read at the end of each epoch),
        in one call into TensorFlow."""
        if not on_one_device(self):
            return super().get_metrics_result()
        return self._in_one_call("result", super().get_metrics_result)

    def _in_one_call(self, kind, method):
        """``method()`` as one graph, traced again when the model's metrics change."""
        metrics = tuple(self.metrics)
        # in __dict__, out of Keras's attribute tracking: it holds no state to save
        graphs = self.__dict__.setdefault("_metric_graphs", {})
        held, function = graphs.get(kind, ((), None))
        if function is None or [id(m) for m in held] != [id(m) for m in metrics]:
            function = tf.function(method)
            graphs[kind] = (metrics, function)  # holding the metrics keeps their ids unique
        return function()

    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return self.train_function
        if not on_one_device(self):
            self.executed_steps = None
            return super().make_train_function(force)
        self.train_function = _stacked_train_function(self)
        return self.train_function


class _Execution:
    """Sets ``steps_per_execution`` for one ``fit`` call and puts the old value back."""

    def __init__(self, model, steps, check):
        self.model, self.steps, self.check, self.saved = model, steps, check, None

    def __enter__(self):
        self.saved = self.model.steps_per_execution
        if self.steps is not None:
            self.model.steps_per_execution = self.steps
        self.model.batch_check = self.check
        return self

    def __exit__(self, *exc):
        self.model.steps_per_execution = self.saved
        self.model.batch_check = None
        return False


def _all_finite(logs):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(tf.cast(v, tf.float32)))
                          for v in tf.nest.flatten(logs)])


def _loop(step):
    """``step`` (a ``tf.function``) over a stack of batches, stopping after the first non-finite
    log. ``step`` is traced once, for one batch, and called in the loop's body: a training step
    with a gradient of a gradient (R1) takes seconds to trace, so not twice."""

    def many(batches):
        n = tf.shape(tf.nest.flatten(batches)[0])[0]
        one = tf.nest.map_structure(lambda b: tf.TensorSpec(b.shape[1:], b.dtype), batches)
        outputs = step.get_concrete_function(one).structured_outputs
        logs = tf.nest.map_structure(lambda t: tf.zeros(t.shape, t.dtype), outputs)  # finite

        def cond(i, logs):
            return tf.logical_and(i < n, _all_finite(logs))

        def body(i, logs):
            return i + 1, step(tf.nest.map_structure(lambda b: b[i], batches))

        ran, logs = tf.while_loop(cond, body, (tf.constant(0), logs))
        return logs, ran

    return many


def _shape_key(batch):
    return tuple(tuple(t.shape) for t in tf.nest.flatten(batch))


def _same_shape(a, b):
    """Whether two batches of one structure have equal shapes (a graph boolean)."""
    return tf.reduce_all([tf.reduce_all(tf.equal(tf.shape(x), tf.shape(y)))
                          for x, y in zip(tf.nest.flatten(a), tf.nest.flatten(b), strict=True)])


def _fetch(iterator, k):
    """Read up to ``k`` batches in one call into TensorFlow: ``(n, stacked, rest)``.

    ``stacked`` holds the first ``n`` batches, which have one shape; ``rest`` (an optional) the
    batch that came next with another shape, e.g. an epoch's short last batch."""
    spec = iterator.element_spec
    first = iterator.get_next()
    arrays = [tf.TensorArray(s.dtype, size=k, element_shape=s.shape).write(0, t)
              for s, t in zip(tf.nest.flatten(spec), tf.nest.flatten(first), strict=True)]
    item = tf.cond(k > 1, iterator.get_next_as_optional,
                   lambda: tf.experimental.Optional.empty(spec))

    def fits(item):  # the item is there and has the first batch's shape
        return tf.cond(item.has_value(), lambda: _same_shape(item.get_value(), first),
                       lambda: False)

    def cond(i, arrays, item):
        return tf.logical_and(i < k, fits(item))

    def body(i, arrays, item):
        arrays = [a.write(i, t) for a, t in zip(arrays, tf.nest.flatten(item.get_value()),
                                                strict=True)]
        return i + 1, arrays, tf.cond(i + 1 < k, iterator.get_next_as_optional, lambda: item)

    n, arrays, item = tf.while_loop(cond, body, (1, arrays, item))
    stacked = tf.nest.pack_sequence_as(spec, [a.gather(tf.range(n)) for a in arrays])
    rest = tf.cond(tf.logical_and(n < k, item.has_value()), lambda: item,
                   lambda: tf.experimental.Optional.empty(spec))
    return n, stacked, rest


def _stacked_train_function(model):
    """The training function of :class:`GraphEpochs` (see :class:`_Stacked`)."""
    return _Stacked(model).train


class _Stacked:
    """Up to ``steps_per_execution`` batches per call, in one call into TensorFlow (each call
    costs about a millisecond of Python and dispatch): the batches of the first batch's shape
    are fetched, stacked and trained in a loop, then the batch of another shape that ended the
    run (an epoch's short last batch) is trained on its own. Batches of yet other shapes (rare)
    are fetched one by one."""

    def __init__(self, model):
        options = {"jit_compile": bool(model.jit_compile), "reduce_retracing": True}
        self.model = model
        self.one = tf.function(model.train_step, **options)
        self.loop = tf.function(_loop(self.one), **options)  # the same trace of the step
        self.epoch = tf.function(self._epoch)
        self.traced = set()
        self.check, self.check_error, self.spec = None, None, None

    def _epoch(self, iterator, k, check):
        """The graph of one call: ``(logs, ran, n, rest_ran, passed)``, ``n`` the batches of
        the run, ``rest_ran`` whether the batch of another shape after it trained too (not
        when the run stopped at a non-finite log). With ``check`` the first batch goes to
        :meth:`run_check` first, and nothing trains unless it ``passed``."""
        n, stacked, rest = _fetch(iterator, k)
        first = tf.nest.flatten(tf.nest.map_structure(lambda b: b[0], stacked))
        passed = tf.cond(check, lambda: tf.py_function(self.run_check, first, Tout=tf.bool),
                         lambda: tf.constant(True))

        def train():
            logs, ran = self.loop(stacked)
            go = tf.logical_and(tf.logical_and(tf.equal(ran, n), _all_finite(logs)),
                                rest.has_value())
            logs, ran = tf.cond(go, lambda: (self.one(rest.get_value()), ran + 1),
                                lambda: (logs, ran))
            return logs, ran, go

        def refuse():  # the batch failed its check: no step, logs of the right structure
            logs = self.loop.get_concrete_function(stacked).structured_outputs[0]
            return (tf.nest.map_structure(lambda t: tf.zeros(t.shape, t.dtype), logs),
                    tf.constant(0), tf.constant(False))

        logs, ran, go = tf.cond(passed, train, refuse)
        return logs, ran, n, go, passed

    def run_check(self, *flat):
        """The fit call's ``batch_check`` on its first batch (called from inside the graph);
        False, with the error kept for :meth:`train` to raise, when the batch fails it."""
        try:
            self.check(tf.nest.pack_sequence_as(self.spec, [np.asarray(t) for t in flat]))
        except (TypeError, ValueError) as exc:
            self.check_error = exc
            return False
        return True

    def many(self, stacked):
        """The loop over stacked batches: ``(logs, ran)``, its first call per shape with
        grappler's harmless notice (:data:`cl.startup.GRAPH_LOG_LINES`) kept off stderr."""
        logs, ran = self.quiet_first(_shape_key(stacked), self.loop, stacked)
        return logs, int(ran)

    def quiet_first(self, key, function, *args):
        """``function(*args)``; the first call for ``key`` traces and optimises a graph, with
        grappler's harmless notice (:data:`cl.startup.GRAPH_LOG_LINES`) kept off stderr."""
        if key in self.traced:
            return function(*args)
        with startup.quiet_descriptor(startup.GRAPH_LOG_LINES):
            out = function(*args)
        self.traced.add(key)
        return out

    def stacked(self, n, stacked):
        """Train on ``n`` stacked batches: ``(logs, ran)``."""
        if n > 1:
            return self.many(stacked)
        return self.one(tf.nest.map_structure(lambda b: b[0], stacked)), 1

    def batches(self, batches):
        """Train on a list of batches, a run of equal shapes at a time: ``(logs, ran)``."""
        ran, logs = 0, None
        while batches:
            key, n = _shape_key(batches[0]), 1
            while n < len(batches) and _shape_key(batches[n]) == key:
                n += 1
            group, batches = batches[:n], batches[n:]
            logs, done = self.stacked(n, tf.nest.map_structure(lambda *b: tf.stack(b), *group))
            ran += done
            if done < n or not _finite(logs):
                break  # stopped at a non-finite loss: the guard takes it from here
        return logs, ran

    def call_epoch(self, iterator, k):
        """One call of :meth:`_epoch`, the fit call's ``batch_check`` (taken once) with it."""
        self.check, self.model.batch_check = self.model.batch_check, None
        self.spec, self.check_error = iterator.element_spec, None
        try:  # a new kind of batch traces the graph again
            *out, passed = self.quiet_first(("epoch", repr(self.spec)), self.epoch, iterator,
                                            tf.constant(k), tf.constant(self.check is not None))
        finally:
            self.check = None
        if not bool(passed):
            raise self.check_error
        return out

    def train(self, iterator):
        """Keras's ``train_function``: one call, up to ``steps_per_execution`` batches."""
        k = self.model.steps_per_execution
        try:
            logs, ran, n, rest_ran = self.call_epoch(iterator, k)
        except (StopIteration, tf.errors.OutOfRangeError):
            raise StopIteration from None
        ran, n = int(ran), int(n)
        if bool(rest_ran) and n + 1 < k and _finite(logs):  # yet other shapes: one by one
            more = _take(iterator, k - n - 1)
            if more:
                logs, extra = self.batches(more)
                ran += extra
        self.model.executed_steps = ran
        return logs


def _take(iterator, k):
    """Up to ``k`` more batches, read one by one."""
    out = []
    while len(out) < k:
        try:
            out.append(next(iterator))
        except (StopIteration, tf.errors.OutOfRangeError):
            break
    return out


def _finite(logs) -> bool:
    return all(np.isfinite(np.asarray(v)).all() for v in tf.nest.flatten(logs))
