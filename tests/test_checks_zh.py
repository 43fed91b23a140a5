"""The checks' feedback in Chinese: every English text the checks use has a Chinese one with the
same placeholders, nothing in the catalogue is stale, and the language follows the session or
the call. (Each check the other test_checks_*.py files run is also run in Chinese and compared:
tests/checks_bilingual.py.)"""

import ast
import re
import string
from pathlib import Path

import numpy as np
import pytest

import course_lib as cl
from course_lib import language
from course_lib.checks import CHECKS, messages, zh

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "course_lib" / "checks").glob("*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")
PROSE = re.compile(r" ?[A-Za-z]{2,}")
PROSE_WORDS = re.compile(r"(?<![\w.(\[=*/-])[A-Za-z]{2,},? [A-Za-z]{2,}(?![\w(.\[=*/])")
"""Two English words in a row: prose, not code or a formula (which may read the same)."""
LIBRARY_ERRORS = {"ValueError", "TypeError", "KeyError", "RuntimeError"}


def _skipped(tree) -> set:
    """Nodes whose strings are not feedback: docstrings, library errors, check titles (never
    shown to learners), f-strings (checked apart) and strings searched for in other text."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # docstrings, module and attribute ones
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(
                node.exc.func, "id", "") in LIBRARY_ERRORS:
            skip.update(id(n) for n in ast.walk(node.exc))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "register" and len(
                node.args) > 1:
            skip.update(id(n) for n in ast.walk(node.args[1]))
        elif isinstance(node, ast.JoinedStr | ast.Compare):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def english_texts(path: Path) -> list[tuple[int, str]]:
    """The English feedback texts of one checks module: each string constant with prose in it
    (two words, or any argument of tr()), outside what :func:`_skipped` leaves out."""
    if path.name in ("zh.py", "messages.py"):
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _skipped(tree)
    trs = {id(n.args[0]) for n in ast.walk(tree) if isinstance(n, ast.Call)
           and getattr(n.func, "id", "") == "tr" and n.args}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
            and (id(n) in trs or (" " in n.value.strip() and PROSE.search(n.value)))]


def _fields(template: str) -> list:
    return sorted((f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template)
                  if f is not None)


USED = {text: f"{path.name}:{line}" for path in MODULES for line, text in english_texts(path)}


def test_every_english_text_of_the_checks_has_a_chinese_one():
    missing = [f"{where}: {text!r}" for text, where in USED.items()
               if text not in zh.BY_TEXT and text not in zh.SAME]
    assert not missing, "add to course_lib/checks/zh.py BY_TEXT:\n" + "\n".join(missing)


def test_the_catalogue_has_no_stale_texts():
    """A text is used if some string constant of the checks is it (names and words in fields
    too: the Probe's counts, a check's "what")."""
    constants = {n.value for path in MODULES if path.name != "zh.py"
                 for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    stale = sorted(set(zh.BY_TEXT) - constants) + sorted(zh.SAME - constants)
    assert not stale, stale
    assert not set(zh.BY_TEXT) & zh.SAME


@pytest.mark.parametrize("table", ["BY_KEY", "BY_TEXT"])
def test_each_translation_is_chinese_with_the_english_placeholders(table):
    english = messages.TEXTS["en"] if table == "BY_KEY" else {k: k for k in zh.BY_TEXT}
    chinese = getattr(zh, table)
    assert set(chinese) == set(english) if table == "BY_KEY" else True
    def words(text):  # the letters outside the placeholders
        return re.sub(r"\{[^{}]*\}", "", text)

    wrong = [(key, chinese[key]) for key in chinese
             if _fields(english[key]) != _fields(chinese[key])
             or (PROSE_WORDS.search(words(english[key])) and not CJK.search(chinese[key]))]
    assert not wrong, wrong


def test_the_framework_messages_exist_in_both_languages():
    assert set(messages.TEXTS["zh"]) == set(messages.TEXTS["en"])
    assert messages.TEXTS["zh"] is zh.BY_KEY


def test_no_english_f_string_reaches_a_learner():
    """Text with values is a tr() template (its English is the catalogue key), never an
    f-string, which the catalogue could not look up."""
    prose = re.compile(r"(?<![\w.])[a-z]{3,}(?= )")
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        errors = {id(n) for r in ast.walk(tree) if isinstance(r, ast.Raise)
                  and isinstance(r.exc, ast.Call) and getattr(r.exc.func, "id", "") in
                  LIBRARY_ERRORS for n in ast.walk(r.exc)}
        found += [f"{path.name}:{n.lineno} {ast.unparse(n)[:80]}" for n in ast.walk(tree)
                  if isinstance(n, ast.JoinedStr) and id(n) not in errors and "<" not in
                  ast.unparse(n)
                  and prose.search("".join(v.value for v in n.values
                                           if isinstance(v, ast.Constant)))]
    assert not found, found


def test_no_text_is_translated_at_import_time():
    """tr() outside a function would fix the language when the module is imported."""
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.Lambda)
                  for n in ast.walk(f)}
        found += [f"{path.name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Call)
                  and getattr(n.func, "id", "") in ("tr", "say") and id(n) not in inside]
    assert not found, found


def test_the_glossary_terms_are_used():
    text = "".join(zh.BY_TEXT.values()) + "".join(zh.BY_KEY.values())
    for term in ("生成器", "判别器", "交叉熵", "模式崩溃", "非饱和损失", "潜在向量", "Fréchet距离",
                 "批次大小", "梯度惩罚", "前向过程", "噪声调度"):
        assert term in text, term
    for wrong in ("鉴别器", "模式坍塌", "隐向量", "批量大小", "反卷积", "极大似然", "潜空间"):
        assert wrong not in text, wrong


@pytest.fixture
def session_language():
    yield
    language.set_language("en")


def _wrong_pdf(x, mu, sigma):
    return 2 * np.exp(-(x - mu) ** 2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


def test_lang_zh_gives_the_feedback_in_chinese_with_chinese_labels():
    result = cl.checks.check("ch01.normal_pdf", _wrong_pdf, lang="zh")
    assert result.passed is False and result.lang == "zh"
    assert "两倍" in result.message and "未通过" in result.text()
    assert "预期：" in result.text() and "实际：" in result.text() and "提示：" in result.text()
    assert "预期：" in result._repr_html_() and "Expected" not in result.text()
    english = cl.checks.check("ch01.normal_pdf", _wrong_pdf)
    assert "twice" in english.message and "Expected: " in english.text()


def test_the_session_language_is_the_default_and_a_call_overrides_it(session_language):
    cl.checks.set_language("zh")
    assert cl.checks.get_language() == "zh" == language.current()
    assert "尚未作答" in cl.checks.check("ch01.normal_pdf", None).text()
    assert "not attempted yet" in cl.checks.check("ch01.normal_pdf", None, lang="en").text()
    assert cl.checks.check("ch00.gan_year", lambda: 2014).message.startswith("2014 年")
    cl.checks.set_language("en")
    assert "not attempted yet" in cl.checks.check("ch01.normal_pdf", None).text()


def test_an_unknown_language_is_a_value_error_that_lists_the_supported_ones(session_language):
    with pytest.raises(ValueError, match="'en', 'zh'"):
        cl.checks.set_language("fr")
    with pytest.raises(ValueError, match="'en', 'zh'"):
        cl.checks.check("ch00.gan_year", lambda: 2014, lang="fr")
    assert cl.checks.get_language() == "en"


def test_a_failing_check_leaves_the_session_language_as_it_was():
    cl.checks.check("ch01.normal_pdf", lambda *a: 1 / 0, lang="zh")
    assert cl.checks.get_language() == "en"


@pytest.mark.parametrize("exercise_id", sorted(CHECKS))
def test_every_check_speaks_chinese_on_placeholder_answers(exercise_id):
    """Whatever comes back (None, a value, a crash, a constant), the zh result is Chinese."""
    for answer in (None, 2014, lambda *a, **k: 1 / 0, lambda *a, **k: None,
                   lambda *a, **k: 0.5, lambda *a, **k: "x"):
        result = cl.checks.check(exercise_id, answer, lang="zh")
        assert CJK.search(result.text()), result.text()
