"""The words of the checks' messages in every language they speak (every chapter).

Two kinds of text, one catalogue (:mod:`course_lib.checks.zh` holds the Chinese of both):

* the framework's and the general diagnosis's messages, keyed by id in :data:`TEXTS`
  (``say("call.none", exercise=...)``); a key ``"x.hint"`` holds the hint of message ``"x"``;
* each chapter's own messages, written in English where the check is, and looked up by that
  English text: ``tr("Return exactly n = {n} samples.", n=n)``. :class:`~course_lib.checks.Failure`
  passes its message, expected, found and hint through :func:`tr`, so a literal message needs no
  wrapping; one with values is a template whose fields are formatted in after the look-up.

Both are :meth:`str.format` templates, and a translation has the same placeholders as its
English (tests/test_checks_zh.py enforces it, and that every English text the checks use has a
Chinese one). This is gettext's model (the English text is the message id) as plain Python
dicts rather than ``.po``/``.mo`` files: no compile step, no extra dependency, the catalogue is
importable data that the tests can walk, and two languages do not need plural forms.

The language is the session's (:func:`set_language`, the same switch as ``cl.set_language``;
``"en"`` by default, and the Chinese notebooks' setup cells set ``"zh"``) unless a call passes
``lang=``; inside one check :func:`language` holds it. Library errors (a wrong exercise id, an unknown language) stay in
English, like Keras's.
"""

from __future__ import annotations

import contextlib
import contextvars

from course_lib import language as course_language
from course_lib.checks import zh

LANGUAGES = course_language.LANGUAGES
"""The languages the feedback speaks (the course's, :mod:`course_lib.language`)."""

_ACTIVE: contextvars.ContextVar[str | None] = contextvars.ContextVar("checks_lang", default=None)

TEXTS: dict[str, dict[str, str]] = {"en": {
    # ------------------------------------------------------------------ framework
    "call.none": "Nothing to check yet: you passed None. Pass your function itself, without (): "
                 "cl.checks.check(\"{exercise}\", your_function).",
    "call.value": "You passed {found} instead of a function. Pass the function itself, without "
                  "(): cl.checks.check(\"{exercise}\", your_function), not your_function().",
    "call.value.hint": "With () Python runs the function first and hands the check only its "
                       "result; the check needs to call your function on its own inputs.",
    "call.signature": "Your function cannot be called with the exercise's arguments: {error}",
    "call.signature.hint": "Keep the function's name and arguments exactly as the exercise "
                           "gives them (def ...(...):) and write your code in its body.",
    "todo": "Replace `raise NotImplementedError()` with your code, then run the cell again.",
    "raised": "Your code raised {error}",
    "raised.hint": "Run your function on a small input in a new cell to see where it fails.",
    "unusable": "Your function returned {found}, which the check cannot use as {expects}.",
    "unusable.hint": "Print what your function returns for a small input: it must be {expects}.",
    "returned.none": "Your function returned None: it has no `return` statement (or returns "
                     "nothing on some path).",
    "returned.none.hint": "End the function with `return <your result>`.",
    "returned.not_numbers": "{what} must be numbers, but your function returned {found}.",
    "returned.not_numbers.hint": "Return a NumPy array (or a float): {expects}.",
    "expects.numbers": "numbers (a NumPy array or a float)",
    "passed": "Well done.",
    "result.head": "{exercise}: {status}. ",
    "label_colon": ": ",
    "label_expected": "Expected",
    "label_found": "Found",
    "label_hint": "Hint",
    "status.passed": "passed",
    "status.failed": "failed",
    "status.todo": "not attempted yet",
    # ------------------------------------------------------------------ what came back
    "describe.bool": "the boolean {value}",
    "describe.string": "the string {text}",
    "describe.number": "the number {value}",
    "describe.dict": "a dict with keys {keys}",
    "describe.empty_dict": "an empty dict",
    "describe.ragged_tuple": "a ragged tuple (its items have different lengths: {lengths})",
    "describe.ragged_list": "a ragged list (its items have different lengths: {lengths})",
    "describe.tuple_none": "a tuple of {n} values, some of them None",
    "describe.list_none": "a list of {n} values, some of them None",
    "describe.tuple": "a tuple of {n} values",
    "describe.list": "a list of {n} values",
    "describe.array": "an array of shape {shape} and dtype {dtype}",
    "describe.shaped": "a value of type {type} with shape {shape}",
    "describe.function": "a function ({name})",
    "describe.object": "an object of type {type}",
    # ------------------------------------------------------------------ shapes
    "shape.scalar_sum": "{what}: you returned one number, the SUM of the {n} values the "
                        "exercise asks for.",
    "shape.scalar_sum.hint": "Return all {n} values (shape {shape}); do not add them up.",
    "shape.scalar_mean": "{what}: you returned one number, the MEAN of the {n} values the "
                         "exercise asks for.",
    "shape.scalar_mean.hint": "Return all {n} values (shape {shape}); do not average them.",
    "shape.scalar": "{what}: you returned one number where {n} values (shape {shape}) are "
                    "expected.",
    "shape.scalar.hint": "Compute elementwise; do not sum or average.",
    "shape.transposed": "{what} has the right values, but transposed: shape {found_shape} "
                        "instead of {shape}.",
    "shape.transposed.hint": "Swap the axes (.T), or build the result with rows and columns the "
                             "other way round.",
    "shape.reshaped": "{what} has the right values in the wrong shape: {found_shape} instead of "
                      "{shape}.",
    "shape.reshaped.hint": "Keep the shape the exercise asks for; check each reshape, "
                           "concatenate or stack.",
    "shape.unreduced_sum": "{what}: these are the terms before the sum over axis {axis} "
                           "(size {size}); that sum is missing.",
    "shape.unreduced_sum.hint": "Add them up with np.sum(..., axis={axis}).",
    "shape.unreduced_mean": "{what}: these are the values before the mean over axis {axis} "
                            "(size {size}); that mean is missing.",
    "shape.unreduced_mean.hint": "Average them with np.mean(..., axis={axis}).",
    "shape.reduced_sum": "{what}: you summed over axis {axis} (size {size}), which must stay: "
                         "shape {found_shape} instead of {shape}.",
    "shape.reduced_sum.hint": "Sum only over the axis the exercise names, or over none.",
    "shape.reduced_mean": "{what}: you averaged over axis {axis} (size {size}), which must "
                          "stay: shape {found_shape} instead of {shape}.",
    "shape.reduced_mean.hint": "Average only over the axis the exercise names, or over none.",
    "shape.broadcast": "{what} is a {found_shape} table whose diagonal holds the right values: "
                       "an array of shape (n, 1) met one of shape (n,) and broadcast against "
                       "the wrong axis.",
    "shape.broadcast.hint": "Make both operands the same shape first (x.ravel() or "
                            "x[:, None]), then combine them.",
    "shape.other": "{what} has the wrong shape: {found_shape} instead of {shape}.",
    "shape.other.hint": "Print the shape of each intermediate result to see where it changes.",
    # ------------------------------------------------------------------ non-finite
    "nonfinite.where": "{what} is {bad} {where}, and finite elsewhere.",
    "nonfinite.where.hint": "Look at what your formula does with such inputs (a log or a "
                            "division by zero, an exp that overflows).",
    "nonfinite.log_of_logit": "{what} is {bad} {where}: your code takes the log of {name}, which "
                              "holds logits, as if they were probabilities.",
    "nonfinite.log_of_logit.hint": "Logits can be any real number; the probability is "
                                   "sigmoid(logit). Compute from logits with the stable "
                                   "softplus form (chapter 2).",
    "nonfinite.some": "{what} is {bad} for {k} of {n} probe inputs{which}, and finite for the "
                      "others.",
    "nonfinite.some.hint": "Try your function on the inputs named here: look for a log or a "
                           "division by zero, or an exp that overflows.",
    "nonfinite.all": "{what} is {bad} everywhere.",
    "nonfinite.all.hint": "Print the intermediate values: a log of zero or of a negative number, "
                          "a division by zero, or an overflowing exp.",
    # ------------------------------------------------------------------ values
    "value.constant": "Your function returns the same value ({value}) whatever the input: the "
                      "expected values change from input to input.",
    "value.constant.hint": "Compute the result from the arguments; do not return a fixed number.",
    "value.zeros": "Your function returns zeros: no part of the formula reached the result.",
    "value.zeros.hint": "Check that the function returns the value it computes, not a "
                        "placeholder.",
    "value.sign": "{what} has the right size but the opposite sign: you have -1 times the "
                  "expected values.",
    "value.sign.hint": "Look for a missing or an extra minus sign.",
    "value.factor_named": "{what} is {factor_text} the expected values: {meaning}.",
    "value.factor_named.hint": "{fix}",
    "value.factor": "{what} is off by a constant factor: every value is {factor} times the "
                    "expected one.",
    "value.factor.hint": "Look for a missing or extra constant (a 1/2, a 2, a normaliser) "
                         "multiplying the whole result.",
    "value.factor_about": "{what} is about {factor} times the expected values (the ratio lies "
                          "between {lo} and {hi}): a scale is off, e.g. a normaliser or a sum "
                          "where a mean belongs.",
    "value.factor_about.hint": "Look for the factor that scales the whole result: a missing "
                               "division by a total, or a sum over the points where their "
                               "average is wanted.",
    "value.offset_named": "{what} is off by a constant: every value is {offset} {direction} "
                          "the expected one ({meaning}).",
    "value.offset_named.hint": "{fix}",
    "value.offset": "{what} is off by a constant: every value is {offset} {direction} the "
                    "expected one.",
    "value.offset.hint": "Look for a term that does not depend on the inputs: a missing or "
                         "extra constant added to the result.",
    "value.complement": "{what} is 1 minus the expected values: the probability of the other "
                        "outcome.",
    "value.complement.hint": "Check which outcome the formula asks for (e.g. real rather than "
                             "fake) and which term goes on top.",
    "value.affine": "{what} is a linear function of the expected values ({a} * expected "
                    "{sign} {b}): a scale and a shift are both off.",
    "value.affine.hint": "Check the constants that multiply and that are added to the result.",
    "value.reciprocal": "{what} is the reciprocal (1 / value) of the expected values: "
                        "numerator and denominator are swapped.",
    "value.reciprocal.hint": "Check which quantity goes on top of the fraction.",
    "value.square": "{what} is the square of the expected values.",
    "value.square.hint": "Look for a square (**2) too many, or a missing square root.",
    "value.sqrt": "{what} is the square root of the expected values.",
    "value.sqrt.hint": "Look for a square root too many, or a missing square.",
    "value.log": "{what} is the log of the expected values: a log too many.",
    "value.log.hint": "Return the quantity itself, not its logarithm (or exponentiate).",
    "value.exp": "{what} is exp of the expected values: the expected result is the log of "
                 "yours.",
    "value.exp.hint": "Take the logarithm (or leave out the exp).",
    "value.sigmoid": "{what} is sigmoid of the expected values: probabilities where logits "
                     "(or raw values) are expected.",
    "value.sigmoid.hint": "Leave out the sigmoid: return the values before it.",
    "value.logit": "{what} is the logit (log-odds) of the expected values: logits where "
                   "probabilities are expected.",
    "value.logit.hint": "Apply the sigmoid, 1 / (1 + exp(-logit)), to get probabilities.",
    "value.rounded": "{what} is rounded to whole numbers.",
    "value.rounded.hint": "Compute in floating point: integer division (//) or an integer "
                          "dtype drops the fractions.",
    "value.swapped": "{what} is the formula with {a} and {b} swapped: your code uses each "
                     "argument in the other's place.",
    "value.swapped.hint": "Check the order of the arguments: ({order}).",
    "value.negated": "{what} is the formula with -{name} in place of {name}: a sign (or, for "
                     "logits, a label) is flipped for {name}.",
    "value.negated.hint": "Check the sign with which {name} enters the formula.",
    "value.duplicated": "{what} is the formula with {a} used in place of {b}: your code never "
                        "reads {b}.",
    "value.duplicated.hint": "Use each argument where the formula has it: {b} is ignored now.",
    "value.ignored": "{what} is what the formula gives with {name} = {value}: your code ignores "
                     "{name}.",
    "value.ignored_two": "{what} is what the formula gives with {a} = {va} and {b} = {vb}: your "
                         "code ignores {a} and {b}.",
    "value.ignored_two.hint": "Use the arguments {a} and {b} where the formula has them.",
    "value.ignored.hint": "Use the argument {name} where the formula has it.",
    "value.logits_as_probs": "{what}: your code treats the logits in {name} as probabilities.",
    "value.logits_as_probs.hint": "Logits are any real number; the probability is "
                                  "sigmoid(logit). Use the from-logits formula.",
    "value.sigmoid_twice": "{what}: you applied the sigmoid to {name} and then a formula that "
                           "expects logits, so the sigmoid acts twice.",
    "value.sigmoid_twice.hint": "Pass the raw logits to the from-logits formula.",
    "value.probs_as_logits": "{what}: your code treats {name} as logits, but it holds "
                             "probabilities.",
    "value.probs_as_logits.hint": "{name} are probabilities in [0, 1]: use them directly "
                                  "(log p, log(1 - p)), without a sigmoid.",
    "value.partial_where": "{what} is right {where} only, and wrong elsewhere: the part of your "
                           "formula that matters there is off.",
    "value.partial_where.hint": "Compare your result with the expected one at an input outside "
                                "that region: the difference shows which term is wrong (x**2 "
                                "and |x| agree only at 0 and 1: check the powers).",
    "value.partial": "{what} is right for {k} of {n} probe inputs{which} and wrong for the "
                     "others.",
    "value.partial.hint": "Compare the inputs where it is right with those where it is not.",
    "value.wrong": "{what} has the wrong values.",
    "value.wrong.hint": "Work one input through by hand and compare each step.",
}}


TEXTS["zh"] = zh.BY_KEY

BY_TEXT: dict[str, dict[str, str]] = {"zh": zh.BY_TEXT}
"""The chapters' messages by language, keyed by their English text (English needs no table)."""


def validate(lang: str) -> str:
    """``lang`` if the feedback speaks it, else a ValueError that lists the languages."""
    return course_language.check_language(lang)


def set_language(lang: str) -> None:
    """Make ``lang`` (``"en"`` or ``"zh"``) the language of every later check's feedback.

    The same switch as ``cl.set_language`` (:mod:`course_lib.language`): the glossary follows it.
    """
    course_language.set_language(lang)


def get_language() -> str:
    """The language feedback is given in now: the running check's ``lang=``, else the
    session's (:func:`course_lib.language.current`)."""
    return _ACTIVE.get() or course_language.current()


@contextlib.contextmanager
def language(lang: str | None):
    """Give feedback in ``lang`` (None: the session's) inside the ``with`` block; yields it."""
    token = _ACTIVE.set(validate(lang or get_language()))
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)


def say(key: str, lang: str | None = None, **fields) -> str:
    """The text of message ``key`` in ``lang`` (default :func:`get_language`), filled with
    ``fields``.

    A language that lacks the key falls back to English; a key missing everywhere is a bug in
    the checks and raises ``KeyError``.
    """
    lang = lang or get_language()
    template = TEXTS.get(lang, {}).get(key, TEXTS["en"][key])
    return template.format(**_translated(fields, lang))


def tr(text: str, lang: str | None = None, **fields) -> str:
    """``text`` (an English message of a chapter's checks) in ``lang`` (default
    :func:`get_language`), with ``fields`` formatted in.

    Text the catalogue does not know (a value, an error's first line, text already translated)
    comes back as it is; without ``fields`` nothing is formatted. A string field that is itself
    a catalogue text (``what="The densities"``) is translated too.
    """
    lang = lang or get_language()
    if lang != "en" and text:
        text = BY_TEXT.get(lang, {}).get(text, text)
    return text.format(**_translated(fields, lang)) if fields else text


def _translated(fields: dict, lang: str) -> dict:
    """``fields`` with each string that is a catalogue text (a check's "what", a label) in
    ``lang``; numbers, arrays and other strings stay as they are."""
    if lang == "en":
        return fields
    table = BY_TEXT.get(lang, {})
    return {k: table.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}


def has(key: str) -> bool:
    """Whether message ``key`` exists (in English, the reference language)."""
    return key in TEXTS["en"]
