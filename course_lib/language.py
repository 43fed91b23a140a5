"""The course's language: English, or Chinese for the Chinese edition (chapter 0).

One switch for everything the library says to a learner: the Chinese edition's setup cells add
the line ``cl.set_language("zh")``, and what reads the language (the glossary table of chapter
0, the exercise checks' messages) follows it. Importing this module changes nothing; the
language is English until ``set_language`` is called, and only for this Python process.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "current", "set_language"]

#: The languages the course is written in: English, the reference, and Chinese.
LANGUAGES = ("en", "zh")

_state = {"language": "en"}


def check_language(lang) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else a ``TypeError``/``ValueError`` saying so."""
    if not isinstance(lang, str):
        raise TypeError(f"The language must be a string such as \"zh\", got "
                        f"{type(lang).__name__} {lang!r}.")
    if lang not in LANGUAGES:
        raise ValueError(f"The course is written in {', '.join(map(repr, LANGUAGES))}, not "
                         f"{lang!r}. Use cl.set_language(\"zh\") for the Chinese edition, "
                         "cl.set_language(\"en\") for English.")
    return lang


def set_language(lang: str) -> None:
    """Make ``lang`` ("en" or "zh") the language of the course's tables and messages.

    Introduced in chapter 0 (the Chinese edition's setup cell calls ``cl.set_language("zh")``).
    """
    _state["language"] = check_language(lang)


def current() -> str:
    """The language set by :func:`set_language` ("en" until it is called)."""
    return _state["language"]
