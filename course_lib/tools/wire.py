"""Plain data across the grader / learner-kernel boundary (``grade``, see INSTRUCTORS.md).

The grader never unpickles or evaluates anything a submission produced. Values travel as JSON
in which NumPy arrays are base64 bytes with a dtype and a shape; tuples, dicts with non-string
keys, NaN and infinities survive the trip, and NumPy scalars keep their dtype. Anything else a
learner's function returns arrives as a :class:`LearnerObject` (its type name and a short repr),
which every check rejects as "not numbers". A Keras model is the one richer answer: the kernel
saves it as a ``.keras`` file and the grader loads it with ``safe_mode=True`` (no Lambda
layers, no learner classes).

This file is also sent, as source, to the learner's kernel: it must import nothing from
course_lib, so that the same code encodes on both sides.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

#: dtypes an array may have on the wire (no objects, no structured or void dtypes).
_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 "
    "complex64 complex128".split()
)
MAX_BYTES = 64 * 2**20  # the most a result file may hold
_MAX_DEPTH = 40


class CannotCross(BaseException):  # noqa: N818 - not an Exception: checks must not catch it
    """A value the grader cannot send to a learner's kernel (a live Keras model, an optimizer).

    It derives from ``BaseException`` so that a check's ``except Exception`` does not turn it
    into "your code raised ...": the grader records the exercise as an error instead.
    """


class LearnerObject:
    """Stands in for a value of a type that cannot cross the boundary (chapter 0's checks on)."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = str(type_name)[:80], str(text)[:200]

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def encode(value, _depth: int = 0, keras_saver=None):
    """``value`` as JSON-ready data; raises :class:`CannotCross` for what cannot be sent."""
    if _depth > _MAX_DEPTH:
        raise CannotCross("the value is nested too deeply")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):  # before float: np.float64 is a float
        return {"__scalar__": _array(np.asarray(value))}
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__big__": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        return {"__array__": _array(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, _depth + 1, keras_saver) for v in value]}
    if isinstance(value, list):
        return [encode(v, _depth + 1, keras_saver) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, _depth + 1, keras_saver), encode(v, _depth + 1,
                                                                           keras_saver)]
                             for k, v in value.items()]}
    module = type(value).__module__ or ""
    if module.startswith(("tensorflow", "keras")) and hasattr(value, "numpy") \
            and hasattr(value, "dtype") and hasattr(value, "shape"):
        return {"__tensor__": _array(np.asarray(value.numpy()))}
    if keras_saver is not None and module.startswith("keras") and hasattr(value, "save") \
            and hasattr(value, "layers"):
        return {"__keras__": keras_saver(value)}
    raise CannotCross(f"a {type(value).__name__} ({module.split('.')[0] or 'builtins'})")


def _array(a: np.ndarray) -> dict:
    if a.dtype.name not in _DTYPES:
        raise CannotCross(f"an array of dtype {a.dtype}")
    a = np.array(a, order="C", copy=True)  # ascontiguousarray would make a 0-d array 1-d
    return {"dtype": a.dtype.str, "shape": list(a.shape),
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def encode_result(value, keras_saver=None):
    """Like :func:`encode`, but an unsendable value becomes a :class:`LearnerObject` marker."""
    try:
        return encode(value, keras_saver=keras_saver)
    except CannotCross:
        try:
            text = repr(value)
        except Exception:
            text = "?"
        return {"__object__": [type(value).__name__, text[:200]]}


def decode(data, _depth: int = 0, keras_loader=None, tensor=None):
    """Rebuild a value from :func:`encode`'s output; raises ValueError on anything else."""
    if _depth > _MAX_DEPTH:
        raise ValueError("nested too deeply")
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, _depth + 1, keras_loader, tensor) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("not a value the grader sent or expects")
    (tag, body), = data.items()
    if tag == "__big__" and isinstance(body, str) and len(body) < 400:
        return int(body)
    if tag == "__float__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag in ("__array__", "__scalar__", "__tensor__"):
        arr = _unarray(body)
        if tag == "__scalar__":
            if arr.shape != ():
                raise ValueError("a scalar with a shape")
            return arr[()]
        return tensor(arr) if (tag == "__tensor__" and tensor is not None) else arr
    if tag == "__tuple__" and isinstance(body, list):
        return tuple(decode(v, _depth + 1, keras_loader, tensor) for v in body)
    if tag == "__dict__" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise ValueError("a malformed dict entry")
            key = decode(pair[0], _depth + 1, keras_loader, tensor)
            try:
                hash(key)
            except TypeError:
                raise ValueError("an unhashable dict key") from None
            out[key] = decode(pair[1], _depth + 1, keras_loader, tensor)
        return out
    if tag == "__object__" and isinstance(body, list) and len(body) == 2:
        return LearnerObject(str(body[0]), str(body[1]))
    if tag == "__keras__" and isinstance(body, str) and keras_loader is not None:
        return keras_loader(body)
    raise ValueError(f"an unknown tag {str(tag)[:40]!r}")


def _unarray(body) -> np.ndarray:
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "data"}:
        raise ValueError("a malformed array")
    dtype = np.dtype(str(body["dtype"])[:8])
    if dtype.name not in _DTYPES:
        raise ValueError(f"an array of dtype {dtype}")
    shape = body["shape"]
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
        raise ValueError("a malformed array shape")
    raw = base64.b64decode(str(body["data"]), validate=True)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError("an array whose bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def dumps(value) -> str:
    return json.dumps(value, allow_nan=False)


def loads(text: str):
    return json.loads(text)


# ---------------------------------------------------------------------- in the learner's kernel
# Run in the learner's kernel after the notebook, in a private namespace (``_course_grader``).
# Nothing it does is trusted: the grader only reads the JSON it writes, with ``decode``.
KERNEL_SIDE = r'''
def kind(name):
    import builtins
    ns = _user_ns()
    if name not in ns:
        return "missing"
    value = ns[name]
    if not builtins.callable(value):
        return "value"
    code = builtins.getattr(value, "__code__", None)
    if code is not None and code.co_names == ("NotImplementedError",):
        return "placeholder"  # the exercise notebook's `raise NotImplementedError()`
    return "callable"


def _user_ns():
    return get_ipython().user_ns


def _saver(folder, _counter=[0]):
    import os

    def save(model):
        _counter[0] += 1
        name = f"answer_model_{_counter[0]}.keras"
        model.save(os.path.join(folder, name))
        return name

    return save


def _tensor(arr):
    import tensorflow as tf
    return tf.constant(arr)


def call(name, in_path, out_path):
    import builtins
    with builtins.open(in_path, encoding="utf-8") as f:
        request = decode(loads(f.read()), tensor=_tensor)
    try:
        target = _user_ns()[name]
        value = target(*request[0], **request[1]) if request is not None else target
        import os
        out = {"ok": encode_result(value, keras_saver=_saver(os.path.dirname(out_path)))}
    except BaseException as exc:  # noqa: BLE001 - reported to the grader as data
        try:
            text = builtins.str(exc)
        except BaseException:
            text = "?"
        out = {"raised": [builtins.type(exc).__name__, text[:500]]}
    try:
        text = dumps(out)
    except ValueError:
        text = dumps({"raised": ["ValueError", "the result could not be encoded"]})
    with builtins.open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
'''
