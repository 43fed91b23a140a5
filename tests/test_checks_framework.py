"""The exercise-check machinery and the chapter 0 checks."""

import pytest

import course_lib as cl
from course_lib.checks import CHECKS, Check, Failure


def _todo(*args):
    raise NotImplementedError()


def test_unattempted_answer_reads_not_attempted_never_a_traceback():
    result = cl.checks.check("ch00.scale_pixels", _todo)
    assert result.passed is None and not result
    assert "not attempted yet" in result.text()
    assert "Traceback" not in result.text() and "not attempted yet" in result._repr_html_()


def test_crashing_answer_is_a_failure_with_the_error_message():
    def crash(x):
        return x.nonexistent_method()

    result = cl.checks.check("ch00.scale_pixels", crash)
    assert result.passed is False
    assert "AttributeError" in result.message and "nonexistent_method" in result.message


def test_result_text_and_html_show_expected_found_and_hint():
    result = Check("demo.x", "demo", lambda a: (_ for _ in ()).throw(
        Failure("Wrong.", expected="1 < 2", found="3", hint="try again")))(lambda: 0)
    text, page = result.text(), result._repr_html_()
    for part in ("Expected: 1 < 2", "Found: 3", "Hint: try again", "failed"):
        assert part in text
    assert "1 &lt; 2" in page and "failed" in page


def test_unknown_exercise_id_lists_known_ones():
    with pytest.raises(ValueError, match="ch00.gan_year"):
        cl.checks.check("ch00.nope", lambda: 1)


def test_every_check_is_registered_once_with_chapter_prefix():
    assert len(CHECKS) >= 14, "at least two checks for each of the seven chapters"
    for exercise_id, chk in CHECKS.items():
        assert exercise_id.startswith("ch0") and chk.exercise_id == exercise_id
    with pytest.raises(ValueError, match="Duplicate"):
        cl.checks.register("ch00.gan_year", "again")(lambda a: None)
