"""Run every check a test_checks_* test runs in Chinese too, and compare (tests/conftest.py).

The English run is what the test sees and asserts on; the Chinese run of the same answer must
reach the same verdict, say it in Chinese (CJK letters wherever the English has prose), keep no
English text of the catalogue untranslated inside it, and carry the same numbers. So every
message path the chapter tests drive (each correct answer, each named mistake, the general
diagnosis of unanticipated answers) is walked in both languages.
"""

from __future__ import annotations

import functools
import re

from course_lib.checks import Check, CheckResult, get_language, zh

CJK = re.compile(r"[\u4e00-\u9fff]")
WORDS = re.compile(r"(?<![\w.(\[=*/-])[A-Za-z]{2,},? [A-Za-z]{2,}(?![\w(.\[=*/])")
"""Two English words in a row: prose, not code or a formula."""
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:[.,]\d+)*(?:e-?\d+)?")
FIELDS = ("message", "expected", "found", "hint")


@functools.cache
def _english_texts() -> re.Pattern:
    """Any English text of the catalogue (with a space in it) as a whole phrase."""
    keys = sorted((k for k in zh.BY_TEXT if " " in k.strip() and "{" not in k), key=len,
                  reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z])")


def problems(en: CheckResult, cn: CheckResult, deterministic: bool = True) -> list[str]:
    """What is wrong with ``cn`` as the Chinese of ``en`` (an empty list: nothing)."""
    out = []
    if cn.passed != en.passed or cn.key != en.key:
        out.append(f"verdict {en.passed}/{en.key!r} in English, {cn.passed}/{cn.key!r} in Chinese")
    for name in FIELDS:
        e, z = getattr(en, name), getattr(cn, name)
        left = _english_texts().search(z)
        if bool(e) != bool(z):
            out.append(f"{name}: present in one language only ({e!r} / {z!r})")
        elif left and not _quoted(en, name, e):
            out.append(f"{name} keeps the English {left.group()!r}: {z!r}")
        elif z != e and WORDS.search(_prose(e)) and not CJK.search(z):
            out.append(f"{name} is not Chinese: {z!r}")
        elif deterministic and set(NUMBER.findall(e)) != set(NUMBER.findall(z)) and (
                "..." not in e + z):
            out.append(f"{name}: numbers {sorted(set(NUMBER.findall(e)))} in English, "
                       f"{sorted(set(NUMBER.findall(z)))} in Chinese ({e!r} / {z!r})")
    return out


def _prose(text: str) -> str:
    """``text`` without quoted strings, code in backticks and an exception's message."""
    text = re.sub(r"\b\w+(Error|Exception|Warning): .*", "", text)
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "", text)


def _quoted(result: CheckResult, name: str, text: str) -> bool:
    """Fields that quote the learner's own strings as they are (the labels they must return)."""
    return name in ("expected", "found") and result.exercise in ("ch06.diagnose",
                                                                 "ch02.model_kinds")


def install(monkeypatch, failures: list) -> None:
    """Make every Check run twice, English then Chinese, recording mismatches in ``failures``.

    A check whose numbers differ between the runs is run once more in English: when that run's
    numbers differ too (a freshly initialised model, random noise), numbers are not compared.
    """
    original = Check.__call__

    def both(self, answer, lang=None):
        en = original(self, answer, lang="en")
        cn = original(self, answer, lang="zh")
        found = problems(en, cn)
        if found and any("numbers" in f for f in found):
            again = original(self, answer, lang="en")
            steady = all(getattr(again, f) == getattr(en, f) for f in FIELDS)
            found = problems(en, cn, deterministic=steady)
        if found:
            failures.append((en.text(), cn.text(), found))
        return en if (lang or get_language()) == "en" else cn

    monkeypatch.setattr(Check, "__call__", both)
