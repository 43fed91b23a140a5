"""Instant feedback for the exercise notebooks (every chapter).

``CHECKS`` maps an exercise id such as ``"ch01.normal_pdf"`` to a :class:`Check`; calling it
with the learner's answer returns a :class:`CheckResult` whose text and HTML say whether the
answer passed, and if not what was expected, what was found and a hint::

    cl.checks.check("ch01.normal_pdf", normal_pdf)

An answer that still raises ``NotImplementedError`` (the exercise notebooks' placeholder) reads
"not attempted yet"; an answer that crashes reads as a failure with the error's message, never
a traceback. Each chapter's checks live in ``course_lib/checks/chNN.py``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CHECKS", "Check", "CheckResult", "Failure", "check", "close", "register"]


class Failure(Exception):
    """Raised inside a check function to report a specific, explained failure."""

    def __init__(self, message: str, expected: str = "", found: str = "", hint: str = ""):
        super().__init__(message)
        self.message, self.expected, self.found, self.hint = message, expected, found, hint


@dataclass
class CheckResult:
    """The outcome of one check: ``passed`` is True, False, or None (not attempted)."""

    exercise: str
    passed: bool | None
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""

    @property
    def status(self) -> str:
        return {True: "passed", False: "failed", None: "not attempted yet"}[self.passed]

    def __bool__(self) -> bool:
        return self.passed is True

    def text(self) -> str:
        head = {True: "✅", False: "❌", None: "⏳"}[self.passed]
        lines = [f"{head} {self.exercise}: {self.status}. {self.message}".rstrip()]
        for label, value in (("Expected", self.expected), ("Found", self.found),
                             ("Hint", self.hint)):
            if value:
                lines.append(f"   {label}: {value}")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        color = {True: "#1a7f37", False: "#cf222e", None: "#9a6700"}[self.passed]
        rows = "".join(
            f"<li><b>{label}:</b> {html.escape(value)}</li>"
            for label, value in (("Expected", self.expected), ("Found", self.found),
                                 ("Hint", self.hint)) if value
        )
        return (
            f'<div style="border-left:4px solid {color};padding:4px 10px">'
            f'<b style="color:{color}">{html.escape(self.exercise)}: {self.status}.</b> '
            f"{html.escape(self.message)}{f'<ul>{rows}</ul>' if rows else ''}</div>"
        )


class Check:
    """One exercise's check; call it with the learner's answer."""

    def __init__(self, exercise_id: str, title: str, fn: Callable[[object], str | None]):
        self.exercise_id, self.title, self.fn = exercise_id, title, fn

    def __call__(self, answer) -> CheckResult:
        if answer is None or answer is Ellipsis:
            return CheckResult(self.exercise_id, None, "Fill in the answer, then run this cell.")
        try:
            note = self.fn(answer)
        except NotImplementedError:
            return CheckResult(
                self.exercise_id, None,
                "Replace `raise NotImplementedError()` with your code, then run the cell again.",
            )
        except Failure as f:
            return CheckResult(self.exercise_id, False, f.message, f.expected, f.found, f.hint)
        except Exception as exc:  # the learner's code crashed: explain, no traceback
            return CheckResult(
                self.exercise_id, False,
                f"Your code raised {type(exc).__name__}: {exc}",
                hint="Run your function on a small input in a new cell to see where it fails.",
            )
        return CheckResult(self.exercise_id, True, note or "Well done.")

    def __repr__(self) -> str:
        return f"Check({self.exercise_id!r}: {self.title})"


CHECKS: dict[str, Check] = {}


def register(exercise_id: str, title: str):
    """Decorator that adds a check function to :data:`CHECKS` under ``exercise_id``."""

    def deco(fn):
        if exercise_id in CHECKS:
            raise ValueError(f"Duplicate exercise id {exercise_id!r}.")
        CHECKS[exercise_id] = Check(exercise_id, title, fn)
        return fn

    return deco


def check(exercise_id: str, answer) -> CheckResult:
    """Run the check of ``exercise_id`` on ``answer`` and return its result."""
    if exercise_id not in CHECKS:
        close_ids = [k for k in CHECKS if k.split(".")[0] == str(exercise_id).split(".")[0]]
        raise ValueError(
            f"Unknown exercise id {exercise_id!r}. Known ids"
            f"{' in this chapter' if close_ids else ''}: {', '.join(close_ids or sorted(CHECKS))}."
        )
    return CHECKS[exercise_id](answer)


def close(found, expected, what: str, rtol=1e-5, atol=1e-6, hint: str = "") -> None:
    """Raise :class:`Failure` unless ``found`` matches ``expected`` in shape and value."""
    f = np.asarray(found)
    e = np.asarray(expected)
    if f.shape != e.shape:
        raise Failure(f"{what} has the wrong shape.", expected=str(e.shape), found=str(f.shape),
                      hint=hint)
    if not np.issubdtype(f.dtype, np.number) and f.dtype != bool:
        raise Failure(f"{what} is not numeric.", expected="numbers", found=str(f.dtype), hint=hint)
    if not np.allclose(f.astype(float), e.astype(float), rtol=rtol, atol=atol, equal_nan=False):
        raise Failure(f"{what} has the wrong values.", expected=_short(e), found=_short(f),
                      hint=hint)


def _short(a) -> str:
    a = np.asarray(a, dtype=float)
    return np.array2string(a.ravel()[:6], precision=4) + (" ..." if a.size > 6 else "")


# Chapter modules register their checks on import (inside this package only).
from course_lib.checks import ch00  # noqa: E402,F401,I001  (one line per chapter, appended)
from course_lib.checks import ch01  # noqa: E402,F401
from course_lib.checks import ch02  # noqa: E402,F401
from course_lib.checks import ch06  # noqa: E402,F401
from course_lib.checks import ch04  # noqa: E402,F401
from course_lib.checks import ch03  # noqa: E402,F401
from course_lib.checks import ch05  # noqa: E402,F401
