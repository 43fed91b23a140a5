"""Instant feedback for the exercise notebooks (every chapter).

``CHECKS`` maps an exercise id such as ``"ch01.normal_pdf"`` to a :class:`Check`; calling it
with the learner's answer returns a :class:`CheckResult` whose text and HTML say whether the
answer passed, and if not what was expected, what was found and a hint::

    cl.checks.check("ch01.normal_pdf", normal_pdf)

An answer that still raises ``NotImplementedError`` (the exercise notebooks' placeholder) reads
"not attempted yet"; an answer that crashes reads as a failure with the first line of the error,
never a traceback. What a check cannot use (None, a string, a ragged list) is reported as what the
function *returned*, and a value passed instead of a function is named as such. No message is
longer than :data:`MAX_CHARS`. When a wrong answer matches none of a check's listed mistakes,
:mod:`course_lib.checks.diagnose` says how it relates to the right one. The framework's words
live in :mod:`course_lib.checks.messages`, keyed by id. Each chapter's checks live in
``course_lib/checks/chNN.py``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course_lib.checks import messages
from course_lib.checks.diagnose import Probe, explain
from course_lib.checks.messages import LANGUAGES, get_language, language, say, set_language, tr

__all__ = ["CHECKS", "LANGUAGES", "MAX_CHARS", "Check", "CheckResult", "Failure", "as_array",
           "check", "close", "describe", "first_line", "get_language", "register",
           "set_language", "tr"]

MAX_CHARS = 600
"""The longest a result's message, expected, found and hint may be together."""


class Failure(Exception):
    """Raised inside a check function to report a specific, explained failure.

    ``key`` names the message (see :mod:`course_lib.checks.messages`) when it came from a
    template; checks' own literal messages leave it empty. Each text is given in English and
    translated here (:func:`~course_lib.checks.messages.tr`) into the running check's language.
    """

    def __init__(self, message: str, expected: str = "", found: str = "", hint: str = "",
                 key: str = ""):
        message, expected, found, hint = (tr(t) for t in (message, expected, found, hint))
        super().__init__(message)
        self.message, self.expected, self.found, self.hint = message, expected, found, hint
        self.key = key


@dataclass
class CheckResult:
    """The outcome of one check: ``passed`` is True, False, or None (not attempted)."""

    exercise: str
    passed: bool | None
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""
    key: str = ""
    lang: str = "en"

    def __post_init__(self):
        self.message, self.expected, self.found, self.hint = _fit(
            [self.message, self.expected, self.found, self.hint], MAX_CHARS)

    @property
    def status(self) -> str:
        key = {True: "status.passed", False: "status.failed", None: "status.todo"}[self.passed]
        return say(key, lang=self.lang)

    def _fields(self):
        return [(say(f"label_{name}", lang=self.lang), getattr(self, name))
                for name in ("expected", "found", "hint") if getattr(self, name)]

    def __bool__(self) -> bool:
        return self.passed is True

    def text(self) -> str:
        head = {True: "✅", False: "❌", None: "⏳"}[self.passed]
        title = say("result.head", lang=self.lang, exercise=self.exercise, status=self.status)
        colon = say("label_colon", lang=self.lang)
        lines = [f"{head} {title}{self.message}".rstrip()]
        lines += [f"   {label}{colon}{value}" for label, value in self._fields()]
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        color = {True: "#1a7f37", False: "#cf222e", None: "#9a6700"}[self.passed]
        colon = say("label_colon", lang=self.lang)
        title = say("result.head", lang=self.lang, exercise=self.exercise, status=self.status)
        rows = "".join(f"<li><b>{html.escape(label + colon.strip())}</b> {html.escape(value)}</li>"
                       for label, value in self._fields())
        return (
            f'<div style="border-left:4px solid {color};padding:4px 10px">'
            f'<b style="color:{color}">{html.escape(title.rstrip())}</b> '
            f"{html.escape(self.message)}{f'<ul>{rows}</ul>' if rows else ''}</div>"
        )


class _Answer:
    """The learner's function, wrapped: it marks exceptions raised inside it as the learner's
    and remembers what it last returned (to report what the check could not use)."""

    def __init__(self, fn):
        self.fn, self.returned, self.calls = fn, None, 0

    def __call__(self, *args, **kwargs):
        try:
            out = self.fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as exc:
            try:
                exc._course_lib_learner = True
                # a TypeError raised by the call itself, not inside the function's body:
                # the function takes other arguments than the exercise's
                tb = exc.__traceback__
                exc._course_lib_signature = isinstance(exc, TypeError) and (
                    tb is not None and tb.tb_next is None)
            except AttributeError:  # an exception type without a __dict__
                pass
            raise
        self.returned, self.calls = out, self.calls + 1
        return out

    def __getattr__(self, name):
        return getattr(self.fn, name)


class Check:
    """One exercise's check; call it with the learner's answer.

    ``expects`` describes, in a few words, what the learner's function must return; it is quoted
    when the check cannot use what came back.
    """

    def __init__(self, exercise_id: str, title: str, fn: Callable[[object], str | None],
                 expects: str = ""):
        self.exercise_id, self.title, self.fn = exercise_id, title, fn
        self.expects = expects  # English; translated when a result quotes it

    def __call__(self, answer, lang: str | None = None) -> CheckResult:
        """The result of this check on ``answer``, in ``lang`` (None: the session's language)."""
        with language(lang) as lang:
            result = self._run(answer)
        result.lang = lang
        return result

    def _run(self, answer) -> CheckResult:
        ex, expects = self.exercise_id, tr(self.expects) if self.expects else say("expects.numbers")
        if answer is None or answer is Ellipsis:
            return CheckResult(ex, None, say("call.none", exercise=ex), key="call.none")
        if not callable(answer) or isinstance(answer, type):
            return CheckResult(ex, False, say("call.value", exercise=ex, found=describe(answer)),
                               hint=say("call.value.hint"), key="call.value")
        wrapped = _Answer(answer)
        try:
            with np.errstate(all="ignore"):
                note = self.fn(wrapped)
        except NotImplementedError:
            return CheckResult(ex, None, say("todo"), key="todo")
        except Failure as f:
            return CheckResult(ex, False, f.message, f.expected, f.found, f.hint, key=f.key)
        except Exception as exc:
            if getattr(exc, "_course_lib_signature", False):
                return CheckResult(ex, False, say("call.signature", error=first_line(exc)),
                                   hint=say("call.signature.hint"), key="call.signature")
            if getattr(exc, "_course_lib_learner", False):  # the learner's code crashed
                return CheckResult(ex, False, say("raised", error=first_line(exc)),
                                   hint=say("raised.hint"), key="raised")
            # the check could not use what the function returned: say what that was
            return CheckResult(
                ex, False, say("unusable", found=describe(wrapped.returned), expects=expects),
                found=first_line(exc), hint=say("unusable.hint", expects=expects),
                key="unusable")
        return CheckResult(ex, True, tr(note) if note else say("passed"), key="passed")

    def __repr__(self) -> str:
        return f"Check({self.exercise_id!r}: {self.title})"


CHECKS: dict[str, Check] = {}


def register(exercise_id: str, title: str, expects: str = ""):
    """Decorator that adds a check function to :data:`CHECKS` under ``exercise_id``."""

    def deco(fn):
        if exercise_id in CHECKS:
            raise ValueError(f"Duplicate exercise id {exercise_id!r}.")
        CHECKS[exercise_id] = Check(exercise_id, title, fn, expects)
        return fn

    return deco


def check(exercise_id: str, answer, lang: str | None = None) -> CheckResult:
    """Run the check of ``exercise_id`` on ``answer`` and return its result.

    The feedback is in ``lang`` (``"en"`` or ``"zh"``); None uses the session's language,
    :func:`set_language` (English unless a notebook set another).
    """
    if lang is not None:
        messages.validate(lang)
    if exercise_id not in CHECKS:
        close_ids = [k for k in CHECKS if k.split(".")[0] == str(exercise_id).split(".")[0]]
        raise ValueError(
            f"Unknown exercise id {exercise_id!r}. Known ids"
            f"{' in this chapter' if close_ids else ''}: {', '.join(close_ids or sorted(CHECKS))}."
        )
    return CHECKS[exercise_id](answer, lang=lang)


def close(found, expected, what: str, rtol=1e-5, atol=1e-6, hint: str = "",
          probe: Probe | None = None, relations=()) -> None:
    """Raise :class:`Failure` unless ``found`` matches ``expected`` in shape and value.

    A mismatch is diagnosed (:func:`course_lib.checks.diagnose.explain`): the message says how
    the two relate when a relation fits, using ``probe`` (what the inputs were) and the check's
    own ``relations``.
    """
    f = as_array(found, what)
    explain(f, expected, what, probe=probe, relations=relations, hint=hint, rtol=rtol, atol=atol)


def describe(value) -> str:
    """A few words for what a function returned: ``None``, "the string 'abc'", "a tuple of 2
    values", "an array of shape (3,)", ..."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return say("describe.bool", value=value)
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return say("describe.string", text=repr(text))
    if isinstance(value, int | float | np.number):
        return say("describe.number", value=repr(value))
    if isinstance(value, dict):
        keys = ", ".join(map(repr, list(value)[:4])) + (", ..." if len(value) > 4 else "")
        return say("describe.dict", keys=keys) if value else say("describe.empty_dict")
    if isinstance(value, tuple | list):
        kind = "tuple" if isinstance(value, tuple) else "list"
        lengths = {len(v) for v in value if hasattr(v, "__len__") and not isinstance(v, str)}
        if len(lengths) > 1:
            return say(f"describe.ragged_{kind}", lengths=sorted(lengths)[:4])
        if any(v is None for v in value):
            return say(f"describe.{kind}_none", n=len(value))
        return say(f"describe.{kind}", n=len(value))
    if isinstance(value, np.ndarray):
        return say("describe.array", shape=value.shape, dtype=value.dtype)
    shape = getattr(value, "shape", None)
    if shape is not None:
        return say("describe.shaped", type=type(value).__name__, shape=tuple(shape))
    if callable(value):
        return say("describe.function", name=getattr(value, "__name__", type(value).__name__))
    return say("describe.object", type=type(value).__name__)


def as_array(value, what: str, expects: str = "") -> np.ndarray:
    """``value`` as a float array, or a :class:`Failure` that says what the function returned.

    None, strings, dicts, ragged lists and non-numeric arrays are refused here, so that the
    check never reads them as NaN or crashes on them.
    """
    expects, what = (tr(expects) if expects else say("expects.numbers")), tr(what)
    if value is None:
        raise Failure(say("returned.none"), expected=expects, found="None",
                      hint=say("returned.none.hint"), key="returned.none")
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        try:
            value = value.numpy()
        except Exception:  # a symbolic tensor: leave it to np.asarray below
            pass
    bad = isinstance(value, str | bytes | dict | set) or callable(value)
    arr = None
    if not bad:
        try:
            with np.errstate(all="ignore"):
                arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            bad = True
    if bad or arr is None:
        raise Failure(say("returned.not_numbers", what=what, found=describe(value)),
                      expected=expects, found=describe(value),
                      hint=say("returned.not_numbers.hint", expects=expects),
                      key="returned.not_numbers")
    return arr


def first_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: first useful line`` of an exception, at most ``limit`` characters."""
    lines = [re.sub(r"^\{\{.*?\}\}\s*", "", ln.strip()) for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln]
    useful = [ln for ln in lines if not ln.startswith(("Traceback", "File ", "{{", "[["))]
    text = (useful or lines or [""])[0]
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fit(parts: list[str], limit: int) -> list[str]:
    """Shorten the longest of ``parts`` until together they fit in ``limit`` characters."""
    parts = [str(p or "") for p in parts]
    while sum(map(len, parts)) > limit:
        i = max(range(len(parts)), key=lambda k: len(parts[k]))
        excess = sum(map(len, parts)) - limit
        keep = max(len(parts[i]) - excess - 3, 40)
        if keep >= len(parts[i]) - 3:
            break
        parts[i] = parts[i][:keep].rstrip() + "..."
    return parts


# Chapter modules register their checks on import (inside this package only).
from course_lib.checks import ch00  # noqa: E402,F401,I001  (one line per chapter, appended)
from course_lib.checks import ch01  # noqa: E402,F401
from course_lib.checks import ch02  # noqa: E402,F401
from course_lib.checks import ch06  # noqa: E402,F401
from course_lib.checks import ch04  # noqa: E402,F401
from course_lib.checks import ch03  # noqa: E402,F401
from course_lib.checks import ch05  # noqa: E402,F401
from course_lib.checks import ch07  # noqa: E402,F401
from course_lib.checks import ch07b  # noqa: E402,F401
