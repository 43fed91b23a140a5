"""Say how a wrong answer relates to the right one (the exercise checks of every chapter).

A check runs the learner's function on its *probe* inputs and compares the output with the
reference. When they differ and none of the check's own listed mistakes matches, the general
diagnosis here looks for a relation between the two that a learner can act on: a constant
factor (1/ln 2 is a log base 2, n is a sum where a mean was wanted, ...), a sign flip, a
constant offset, the right values transposed or in the wrong shape, terms left unsummed,
the reciprocal, swapped arguments, logits treated as probabilities, NaN only for some inputs,
right only where an input is 0, and so on.

The API is small::

    probe = Probe(reference=ref, calls=[(p, q)], names=("p", "q"), counts={"classes": 3})
    finding = diagnose(found, expected, probe)          # a Finding, or None
    explain(found, expected, "H(p, q)", probe, hint=...) # raises Failure unless they agree

A check adds its own relations, tried first, with ``relations=[...]``: each is a function
``(found, expected, probe) -> Finding | None``; :func:`known` turns a listed mistake ("the
answer equals this array") into one.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from course_lib.checks.messages import has, say, tr

__all__ = ["Finding", "Probe", "Relation", "diagnose", "explain", "finding", "known",
           "RELATIONS"]


@dataclass(frozen=True)
class Finding:
    """A diagnosis: the message id ``key``, the learner-facing ``message`` and its ``hint``."""

    key: str
    message: str
    hint: str = ""


def finding(key: str, **fields) -> Finding:
    """Build the :class:`Finding` of message ``key`` (and its ``key.hint``) from ``fields``."""
    hint = say(f"{key}.hint", **fields) if has(f"{key}.hint") else ""
    return Finding(key, say(key, **fields), hint)


@dataclass
class Probe:
    """What a check knows about the inputs behind ``found`` and ``expected``.

    ``reference`` and ``calls``: the reference function and the argument tuples it was called
    with, one call per output (``calls=[args]``), or one call per *row* of stacked outputs when
    a check evaluates a scalar function on several inputs and stacks the results. ``names``
    names the arguments; ``kinds`` marks arguments that hold ``"logits"`` or
    ``"probabilities"``; ``inputs`` maps a name to an array broadcastable to the output's shape
    (for "right only where x = 0", "NaN where x < 0"); ``labels`` describes each stacked call in
    a few words; ``counts`` names the sizes that make a factor meaningful, e.g.
    ``{"batch": 6, "classes": 3}``.
    """

    reference: Callable | None = None
    calls: Sequence[tuple] = ()
    names: Sequence[str] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict)
    labels: Sequence[str] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    stacked: bool = False  # True: each call gives one entry (or row) of the outputs

    def name(self, i: int) -> str:
        return self.names[i] if i < len(self.names) else tr("argument {i}", i=i + 1)

    def rerun(self, transform: Callable[[tuple], tuple]) -> np.ndarray | None:
        """The reference's outputs on transformed arguments, stacked like the originals."""
        if self.reference is None or not self.calls:
            return None
        try:
            with np.errstate(all="ignore"):
                outs = [np.asarray(self.reference(*transform(tuple(c))), dtype=np.float64)
                        for c in self.calls]
        except Exception:  # the transformed inputs do not fit the reference
            return None
        if self.stacked:
            try:
                return np.stack(outs)
            except ValueError:
                return None
        return outs[0] if len(outs) == 1 else None


Relation = Callable[[np.ndarray, np.ndarray, Probe], Finding | None]


# ----------------------------------------------------------------------------- helpers
RTOL, ATOL = 1e-4, 1e-7


def _near(a, b, rtol=RTOL, atol=ATOL) -> bool:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _g(x: float) -> str:
    return f"{x:.4g}"


def _varies(e: np.ndarray) -> bool:
    """At least two clearly different values: a relation fitted to them means something."""
    e = e[np.isfinite(e)]
    return e.size >= 2 and float(np.ptp(e)) > 1e-6 * (1.0 + float(np.max(np.abs(e))))


def known(value, message: str, hint: str = "", key: str = "listed", rtol=RTOL,
          atol=ATOL) -> Relation:
    """A relation for one listed mistake: the answer equals ``value`` (same shape)."""

    def relation(found, expected, probe):
        with np.errstate(all="ignore"):
            v = np.asarray(value, dtype=np.float64)
        if _near(found, v, rtol, atol) and not _near(v, expected, rtol, atol):
            return Finding(key, message, hint)
        return None

    return relation


# ----------------------------------------------------------------------------- shapes
def _shape_relations(f, e, what, probe) -> Finding:
    fields = {"what": what, "shape": e.shape, "found_shape": f.shape, "n": e.size}
    if f.size == 1 and e.size > 1:
        v = f.reshape(())
        if _near(v, e.sum()):
            return finding("shape.scalar_sum", **fields)
        if _near(v, e.mean()):
            return finding("shape.scalar_mean", **fields)
        return finding("shape.scalar", **fields)
    if f.ndim >= 2 and f.shape == e.shape[::-1] and _near(f.T, e):
        return finding("shape.transposed", **fields)
    if f.size == e.size and _near(f.reshape(e.shape), e):
        return finding("shape.reshaped", **fields)
    for axis in range(f.ndim):  # the terms before a sum / mean that is missing
        reduced = {"sum": f.sum(axis=axis), "mean": f.mean(axis=axis)}
        for kind, r in reduced.items():
            if r.size == e.size and _near(r.reshape(e.shape), e):
                return finding(f"shape.unreduced_{kind}", axis=axis - f.ndim if f.ndim > 1
                               else axis, size=f.shape[axis], **fields)
    for axis in range(e.ndim):  # a sum / mean over an axis that must stay
        for kind, r in (("sum", e.sum(axis=axis)), ("mean", e.mean(axis=axis))):
            if r.size == f.size and r.size > 1 and _near(f.reshape(r.shape), r):
                return finding(f"shape.reduced_{kind}", axis=axis, size=e.shape[axis],
                               **fields)
    if f.ndim == 2 and f.shape[0] == f.shape[1] == e.size and e.size > 1 and _near(
            np.diag(f), e.ravel()):
        return finding("shape.broadcast", **fields)
    return finding("shape.other", **fields)


# ----------------------------------------------------------------------------- where
def _conditions(probe: Probe, shape):
    """(text, mask) pairs describing regions of the output by the named inputs."""
    out = []
    for name, values in probe.inputs.items():
        try:
            v = np.broadcast_to(np.asarray(values, dtype=np.float64), shape)
        except ValueError:
            continue
        for text, mask in (("where {name} = 0", v == 0), ("where {name} < 0", v < 0),
                           ("where {name} > 0", v > 0), ("where {name} = 1", v == 1),
                           ("where {name} > 1", v > 1), ("where {name} <= 0", v <= 0),
                           ("where {name} is 0 or 1", (v == 0) | (v == 1)),
                           ("where |{name}| is 0 or 1", (v == 0) | (np.abs(v) == 1)),
                           ("where {name} is not 0", v != 0)):
            if mask.any() and not mask.all():  # the English template names the condition
                out.append((text, name, mask))
    return out


def _which(probe: Probe, mask: np.ndarray) -> str:
    if not probe.labels or mask.ndim < 1 or mask.shape[0] != len(probe.labels):
        return ""
    rows = mask.reshape(mask.shape[0], -1).any(axis=1)
    chosen = [tr(lab) for lab, m in zip(probe.labels, rows, strict=True) if m][:3]
    return tr(" ({labels})", labels="; ".join(chosen)) if chosen else ""


def _nonfinite(f, e, what, probe) -> Finding | None:
    bad = ~np.isfinite(f)
    if not bad.any() or not np.all(np.isfinite(e)):
        return None
    kinds = sorted({("NaN" if np.isnan(x) else "infinite") for x in f[bad]})
    bad_text = tr("NaN or infinite") if len(kinds) == 2 else tr(kinds[0])
    if bad.all():
        return finding("nonfinite.all", what=what, bad=bad_text)
    for text, name, mask in _conditions(probe, f.shape):
        if np.array_equal(mask, bad):
            where = tr(text, name=name)
            if probe.kinds.get(name) == "logits" and text.endswith("< 0"):
                return finding("nonfinite.log_of_logit", what=what, bad=bad_text, where=where,
                               name=name)
            return finding("nonfinite.where", what=what, bad=bad_text, where=where)
    return finding("nonfinite.some", what=what, bad=bad_text, k=int(bad.sum()), n=bad.size,
                   which=_which(probe, bad))


# ----------------------------------------------------------------------------- values
def _named_factors(probe: Probe):
    """(factor, text, meaning, fix) for the factors that mean something."""
    ln2, ln10 = math.log(2.0), math.log(10.0)
    out = [
        (2.0, tr("twice"), tr("a factor 2 too many (or a 1/2 missing)"),
         tr("Look for a 2 that should not be there, or a missing 1/2.")),
        (0.5, tr("half"), tr("a factor 1/2 too many (or a 2 missing)"),
         tr("Look for a 1/2 that should not be there, or a missing factor 2.")),
        (1 / ln2, tr("1/ln 2 ≈ 1.443 times"), tr("you used log base 2 where the natural log is "
         "wanted"), tr("Use np.log (natural log, nats), not np.log2.")),
        (ln2, tr("ln 2 ≈ 0.693 times"), tr("you used the natural log where log base 2 is "
         "wanted"), tr("Use np.log2 (bits), or divide by np.log(2).")),
        (1 / ln10, tr("1/ln 10 ≈ 0.434 times"), tr("you used log base 10 where the natural log "
         "is wanted"), tr("Use np.log, not np.log10.")),
        (ln10, tr("ln 10 ≈ 2.303 times"), tr("you used the natural log where log base 10 is "
         "wanted"), tr("Use np.log10.")),
    ]
    for name, n in probe.counts.items():
        n, f = int(n), {"n": n, "m": int(n) - 1, "name": tr(name)}
        if n < 2:
            continue
        out += [
            (float(n), tr("{n} times", **f), tr("a sum over the {n} {name} where their mean is "
             "wanted", **f), tr("Average over the {name} (np.mean) instead of summing.", **f)),
            (1.0 / n, tr("1/{n} times", **f), tr("a mean over the {n} {name} where their sum is "
             "wanted", **f), tr("Sum over the {name} (np.sum) instead of averaging.", **f)),
            (n / (n - 1), tr("{n}/{m} times", **f), tr("a division by n - 1 = {m} where n = {n} "
             "is wanted (the {name})", **f), tr("Divide by n = {n}, not n - 1.", **f)),
            ((n - 1) / n, tr("{m}/{n} times", **f), tr("a division by n = {n} where n - 1 = {m} "
             "is wanted (the {name})", **f), tr("Divide by n - 1 = {m}, not n.", **f)),
        ]
    return out


def _named_offsets(probe: Probe):
    ln2, half_log_2pi = math.log(2.0), 0.5 * math.log(2 * math.pi)
    out = [(ln2, "log 2", tr("Look for a log 2 term you added or dropped.")),
           (math.log(4.0), "log 4", tr("Look for a log 4 = 2 log 2 term you added or dropped.")),
           (half_log_2pi, tr("0.5 * log(2 pi), the Gaussian's normaliser"),
            tr("Check the -0.5 * log(2 * pi * sigma**2) term.")),
           (1.0, "1", tr("Look for a + 1 or - 1 too many or missing."))]
    for name, n in probe.counts.items():  # the same constant once per example
        out += [(n * value, tr("{n} x {meaning}, once for each of the {n} {name}", n=n,
                               meaning=meaning, name=tr(name)), fix)
                for value, meaning, fix in list(out[:3]) if n >= 2]
    return out


def _value_relations(f, e, what, probe) -> Finding | None:
    if not np.all(np.isfinite(f)):
        return None
    fw = {"what": what}
    varies = _varies(e)
    if varies and not _varies(f) and f.size >= 2:
        v = float(f.ravel()[0])
        return finding("value.zeros" if v == 0 else "value.constant", value=_g(v), **fw)
    if _near(f, -e) and np.any(np.abs(e) > ATOL):
        return finding("value.sign", **fw)
    nz = np.abs(e) > 1e-9
    found = _factor_relations(f, e, probe, varies, nz, fw)
    if found is not None:
        return found
    d = f - e
    if varies and np.all(np.isfinite(d)) and not _varies(d):
        off = float(np.median(d))
        if abs(off) > ATOL:
            direction = tr("above") if off > 0 else tr("below")
            for value, meaning, fix in _named_offsets(probe):
                if math.isclose(abs(off), value, rel_tol=1e-4):
                    return finding("value.offset_named", offset=_g(abs(off)), direction=direction,
                                   meaning=meaning, fix=fix, **fw)
            return finding("value.offset", offset=_g(abs(off)), direction=direction, **fw)
    if varies and _near(f, 1 - e):
        return finding("value.complement", **fw)
    with np.errstate(all="ignore"):
        if varies and np.all(nz) and _near(f, 1 / e):
            return finding("value.reciprocal", **fw)
        if varies and _near(f, e**2):
            return finding("value.square", **fw)
        if varies and np.all(e >= 0) and _near(f, np.sqrt(e)):
            return finding("value.sqrt", **fw)
        if varies and np.all(e > 0) and _near(f, np.log(e)):
            return finding("value.log", **fw)
        if varies and np.all(e < 700) and _near(f, np.exp(e)):
            return finding("value.exp", **fw)
        if varies and _near(f, 1 / (1 + np.exp(-e))):
            return finding("value.sigmoid", **fw)
        if varies and np.all((e > 0) & (e < 1)) and _near(f, np.log(e / (1 - e))):
            return finding("value.logit", **fw)
    if varies and np.all(f == np.round(f)) and not np.all(e == np.round(e)) and np.all(
            np.abs(f - e) < 1):
        return finding("value.rounded", **fw)
    if varies:  # an affine relation: least squares f = a e + b
        a, b = np.polyfit(e.ravel(), f.ravel(), 1)
        if _near(f, a * e + b) and abs(b) > ATOL and not math.isclose(a, 1, rel_tol=RTOL):
            return finding("value.affine", a=_g(a), sign="+" if b >= 0 else "-", b=_g(abs(b)),
                           **fw)
    return None


def _factor_relations(f, e, probe, varies, nz, fw) -> Finding | None:
    """The answer is the expected value times a (named, exact or approximate) factor."""
    if nz.any() and np.allclose(f[~nz], 0, atol=ATOL):
        ratio = f[nz] / e[nz]
        c = float(np.median(ratio))
        if np.isfinite(c) and c != 0 and _near(f, c * e) and not math.isclose(c, 1, rel_tol=RTOL):
            for factor, text, meaning, fix in _named_factors(probe):
                if math.isclose(c, factor, rel_tol=1e-4):
                    return finding("value.factor_named", factor_text=text, meaning=meaning,
                                   fix=fix, **fw)
            if varies or nz.sum() >= 2:
                return finding("value.factor", factor=_g(c), **fw)
        if np.isfinite(c) and c > 0 and not math.isclose(c, 1, rel_tol=0.05) and nz.sum() >= 2 \
                and np.all(np.abs(ratio / c - 1) < 0.02):
            return finding("value.factor_about", factor=_g(c), lo=_g(float(ratio.min())),
                           hi=_g(float(ratio.max())), **fw)
    return None


def _reference_relations(f, e, what, probe) -> Finding | None:
    if probe.reference is None or not probe.calls:
        return None
    nargs = len(probe.calls[0])
    for relation in (_swapped_or_duplicated, _logits_confused, _negated_or_ignored):
        found = relation(f, e, what, probe, nargs)
        if found is not None:
            return found
    return None


def _swapped_or_duplicated(f, e, what, probe, nargs) -> Finding | None:
    """Two arguments swapped, or one argument used in another's place."""
    # arguments swapped
    for i, j in itertools.combinations(range(nargs), 2):
        def swap(args, i=i, j=j):
            args = list(args)
            args[i], args[j] = args[j], args[i]
            return tuple(args)

        alt = probe.rerun(swap)
        if alt is not None and _near(f, alt) and not _near(alt, e):
            order = ", ".join(probe.name(k) for k in range(nargs))
            return finding("value.swapped", a=probe.name(i), b=probe.name(j), order=order,
                           what=what)
    # one argument used in another's place
    for i, j in itertools.permutations(range(nargs), 2):
        def dup(args, i=i, j=j):
            args = list(args)
            if np.shape(args[i]) != np.shape(args[j]):
                raise ValueError("shapes differ")
            args[j] = args[i]
            return tuple(args)

        alt = probe.rerun(dup)
        if alt is not None and _near(f, alt) and not _near(alt, e):
            return finding("value.duplicated", a=probe.name(i), b=probe.name(j), what=what)
    return None


def _logits_confused(f, e, what, probe, nargs) -> Finding | None:
    """Logits and probabilities confused in one argument."""
    # logits and probabilities confused
    for i in range(nargs):
        name = probe.name(i)
        kind = probe.kinds.get(name)
        if kind not in ("logits", "probabilities"):
            continue

        def sig(args, i=i):
            args = list(args)
            args[i] = 1 / (1 + np.exp(-np.asarray(args[i], dtype=np.float64)))
            return tuple(args)

        def logit(args, i=i):
            args = list(args)
            p = np.clip(np.asarray(args[i], dtype=np.float64), 1e-7, 1 - 1e-7)
            args[i] = np.log(p / (1 - p))
            return tuple(args)

        alt = probe.rerun(sig)
        if alt is not None and _near(f, alt) and not _near(alt, e):
            key = "value.sigmoid_twice" if kind == "logits" else "value.probs_as_logits"
            return finding(key, name=name, what=what)
        alt = probe.rerun(logit)
        if kind == "logits" and alt is not None and _near(f, alt, rtol=1e-3) and not _near(alt, e):
            return finding("value.logits_as_probs", name=name, what=what)
    return None



def _with_constants(args, fixed):
    """``args`` with argument ``k`` replaced by the constant ``fixed[k]`` (same shape if an array)."""
    args = list(args)
    for k, v in fixed.items():
        a = args[k]
        args[k] = np.full_like(np.asarray(a, dtype=np.float64), v) if np.ndim(a) else v
    return tuple(args)

def _negated_or_ignored(f, e, what, probe, nargs) -> Finding | None:
    """One argument's sign flipped, or one or two arguments ignored."""
    # one argument's sign flipped
    for i in range(nargs):
        def neg(args, i=i):
            args = list(args)
            args[i] = -np.asarray(args[i], dtype=np.float64)
            return tuple(args)

        alt = probe.rerun(neg)
        if alt is not None and _near(f, alt) and not _near(alt, e):
            return finding("value.negated", name=probe.name(i), what=what)
    # one argument ignored (the answer is the formula at 0 or 1 for it)
    for i in range(nargs):
        for value in (0.0, 1.0):
            alt = probe.rerun(functools.partial(_with_constants, fixed={i: value}))
            if alt is not None and _near(f, alt) and not _near(alt, e):
                return finding("value.ignored", name=probe.name(i), value=_g(value), what=what)
    for i, j in itertools.combinations(range(nargs), 2):  # two arguments ignored
        for vi, vj in itertools.product((0.0, 1.0), repeat=2):
            alt = probe.rerun(functools.partial(_with_constants, fixed={i: vi, j: vj}))
            if alt is not None and _near(f, alt) and not _near(alt, e):
                return finding("value.ignored_two", a=probe.name(i), b=probe.name(j),
                               va=_g(vi), vb=_g(vj), what=what)
    return None


def _partial(f, e, what, probe) -> Finding | None:
    with np.errstate(all="ignore"):
        ok = np.isclose(f, e, rtol=RTOL, atol=ATOL) & np.isfinite(f)
    if not ok.any() or ok.all():
        return None
    for text, _name, mask in _conditions(probe, f.shape):
        if np.array_equal(mask, ok):
            return finding("value.partial_where", where=tr(text, name=_name), what=what)
    if ok.size >= 2:
        return finding("value.partial", k=int(ok.sum()), n=ok.size, which=_which(probe, ok),
                       what=what)
    return None


RELATIONS: list[Callable[..., Finding | None]] = [_nonfinite, _value_relations, _reference_relations, _partial]
"""The general relations for same-shape outputs, in the order they are tried."""


def diagnose(found, expected, probe: Probe | None = None, relations: Sequence[Relation] = (),
             what: str = "Your result") -> Finding | None:
    """How ``found`` relates to ``expected``: a :class:`Finding`, or None if no relation fits.

    ``relations`` (the check's own, e.g. from :func:`known`) are tried first; then the shape
    relations when the shapes differ, else the general value relations.
    """
    probe, what = probe or Probe(), tr(what)
    with np.errstate(all="ignore"):
        f = np.asarray(found, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        for relation in relations:
            hit = relation(f, e, probe)
            if hit is not None:
                return hit
        if f.shape != e.shape:
            return _shape_relations(f, e, what, probe)
        if _near(f, e):
            return None
        for relation in RELATIONS:
            hit = relation(f, e, what, probe)
            if hit is not None:
                return hit
    return None


def _short(a) -> str:
    a = np.asarray(a, dtype=np.float64)
    return np.array2string(a.ravel()[:6], precision=4) + (" ..." if a.size > 6 else "")


def explain(found, expected, what: str, probe: Probe | None = None,
            relations: Sequence[Relation] = (), hint: str = "", rtol=1e-5, atol=1e-6) -> None:
    """Raise :class:`~course_lib.checks.Failure` unless ``found`` matches ``expected``.

    The failure names the relation :func:`diagnose` finds, or says "wrong values" with both
    values shown; ``hint`` (the check's own) is used when the relation has none to give.
    """
    from course_lib.checks import Failure  # the package imports this module

    f = np.asarray(found)
    e = np.asarray(expected)
    what = tr(what)
    if f.shape == e.shape and np.issubdtype(f.dtype, np.number) and np.allclose(
            f.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol):
        return
    hit = diagnose(f, e, probe, relations, what)
    if f.shape != e.shape:
        exp_text, found_text = tr("shape {shape}", shape=e.shape), tr("shape {shape}",
                                                                       shape=f.shape)
    else:
        exp_text, found_text = _short(e), _short(f)
    if hit is None:
        hit = finding("value.wrong", what=what)
        hit = Finding(hit.key, hit.message, hint or hit.hint)
    raise Failure(hit.message, expected=exp_text, found=found_text,
                  hint=hit.hint or hint, key=hit.key)
