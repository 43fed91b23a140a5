"""`python -m course_lib grade`: real notebooks, hostile ones, the CSV and the feedback pages."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib.tools import grading, wire
from course_lib.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _nb(*cells: str, outputs: dict | None = None) -> str:
    nb = nbformat.v4.new_notebook()
    for i, src in enumerate(cells):
        cell = nbformat.v4.new_code_cell(src)
        if outputs and i in outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=outputs[i])]
            cell.execution_count = i + 1
        nb.cells.append(cell)
    return nbformat.writes(nb)


def _read(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == list(grading.FIELDS)
    return {(Path(r["submission"]).name, r["exercise"]): r for r in rows}


# A correct chapter-0 answer that does not import course_lib: its kernel starts in a second.
LIGHT_GOOD = ("import numpy as np\n\ndef gan_year():\n    return 2014\n\n"
              "def scale_pixels(x):\n    return (x / 127.5 - 1).astype(np.float32)\n")

WRONG_AND_PATCHED = (
    "import builtins\nimport numpy as np\nimport course_lib as cl\n"
    "cl.checks.check = lambda *a, **k: print('✅ passed')\n"
    "for c in cl.checks.CHECKS.values():\n    c.fn = lambda answer: 'Well done.'\n"
    "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
    "builtins.print = lambda *a, **k: None\n"
    "def gan_year():\n    return 1985\n\n"
    "def scale_pixels(x):\n    return (x / 255.0).astype(np.float32)\n"
    "cl.checks.check('ch00.gan_year', gan_year)\n"
)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """Real course notebooks: a solution, a fresh exercise, a wrong answer with patched checks."""
    d = tmp_path_factory.mktemp("real")
    shutil.copy(ROOT / "solutions" / "00_welcome_exercises.ipynb", d / "00_solution.ipynb")
    shutil.copy(ROOT / "exercises" / "01_normal_distribution_exercises.ipynb",
                d / "01_fresh.ipynb")
    (d / "00_wrong_patched.ipynb").write_text(_nb(WRONG_AND_PATCHED, outputs={
        0: "✅ ch00.gan_year: passed. 2014\n✅ ch00.scale_pixels: passed."}))
    out = d / "grades.csv"
    rows = grading.grade(sorted(d.glob("*.ipynb")), out, timeout=240, jobs=2,
                         feedback=d / "feedback", gradebook=d / "gradebook.csv")
    return d, out, rows


def test_solution_notebook_grades_all_passed(real):
    _, out, _ = real
    got = _read(out)
    for ex in grading.exercises_of("ch00"):
        assert got[("00_solution.ipynb", ex)]["status"] == "passed", got[("00_solution.ipynb", ex)]
    assert got[("00_solution.ipynb", "total")]["score"] == str(len(grading.exercises_of("ch00")))


def test_fresh_exercise_notebook_grades_not_attempted(real):
    _, out, _ = real
    got = _read(out)
    exercises = grading.exercises_of("ch01")
    assert exercises
    assert [got[("01_fresh.ipynb", ex)]["status"] for ex in exercises] == \
        ["not attempted"] * len(exercises)
    assert got[("01_fresh.ipynb", "total")]["score"] == "0"


def test_wrong_answer_with_patched_checks_and_fake_outputs_fails(real):
    _, out, _ = real
    got = _read(out)
    year = got[("00_wrong_patched.ipynb", "ch00.gan_year")]
    assert year["status"] == "failed" and year["found"] == "1985" and year["message"]
    pixels = got[("00_wrong_patched.ipynb", "ch00.scale_pixels")]
    assert pixels["status"] == "failed" and pixels["message"]


def test_feedback_page_per_submission_escapes_learner_text(real, tmp_path):
    d, _, rows = real
    pages = sorted(p.name for p in (d / "feedback").glob("*.html"))
    assert len(pages) == 3
    rows = [grading.Row("x<script>.ipynb", "ch00.gan_year", "failed", "<img src=x onerror=1>",
                        found="</section><script>alert(1)</script>")]
    (page,) = grading.write_feedback(rows, tmp_path)
    text = page.read_text()
    assert "<script>" not in text and "<img" not in text and "&lt;script&gt;" in text


def test_gradebook_has_one_row_per_student_with_score(real):
    d, _, _ = real
    with open(d / "gradebook.csv", newline="") as f:
        book = {r["student"]: r for r in csv.DictReader(f)}
    n0 = len(grading.exercises_of("ch00"))
    assert set(book) == {"00_solution", "01_fresh", "00_wrong_patched"}
    assert book["00_solution"]["score"] == str(n0) and book["00_solution"]["percent"] == "100"
    assert book["00_wrong_patched"]["score"] == "0"
    assert book["01_fresh"]["max_score"] == str(len(grading.exercises_of("ch01")))


def test_summary_counts_passes_and_common_failures(real):
    _, out, rows = real
    text = grading.summary(rows)
    assert "ch00.gan_year: 1/2 passed, 1 failed" in text
    message = _read(out)[("00_wrong_patched.ipynb", "ch00.gan_year")]["message"]
    assert f"1 x {message[:100]}" in text


HOSTILE = {
    "00_good.ipynb": _nb(LIGHT_GOOD),
    "00_loop.ipynb": _nb(LIGHT_GOOD, "while True:\n    pass\n"),
    "00_memory_hog.ipynb": _nb(LIGHT_GOOD, "hog = bytearray(8 * 2**30)\n"),
    "00_kills_itself.ipynb": _nb(LIGHT_GOOD, "import os, signal\nos.kill(os.getpid(), "
                                 "signal.SIGKILL)\n"),
    "00_kills_parent.ipynb": _nb(LIGHT_GOOD, "import os, signal\nos.kill(os.getppid(), "
                                 "signal.SIGKILL)\nos.killpg(0, signal.SIGKILL)\n"),
    "00_kills_in_check.ipynb": _nb(
        "import os, signal\n\ndef gan_year():\n    os.killpg(0, signal.SIGKILL)\n"),
    "00_vandal.ipynb": _nb(
        "import glob, os\n"
        "for p in glob.glob('{dir}/*'):\n"
        "    open(p, 'w').write('submission,exercise,status\\nx,ch00.gan_year,passed\\n')\n"
        "open('grades.csv', 'w').write('hacked')\n"
        "def gan_year():\n    return 2014\n"),
    "00_slow_answer.ipynb": _nb("def gan_year():\n    while True:\n        pass\n"),
    "00_huge_file.ipynb": _nb(
        "import os\n\ndef gan_year():\n    try:\n        with open('big', 'wb') as f:\n"
        "            for _ in range(1024):\n                f.write(bytes(2**20))\n"
        "    except OSError:\n        pass\n    return os.path.getsize('big')\n"),
    "00_env_spy.ipynb": _nb(
        "import os\n\ndef gan_year():\n    secret = os.environ.get('COURSE_GRADER_SECRET', 'none')\n"
        "    return f\"{secret} {os.path.expanduser('~') == os.getcwd()}\"\n"),
    "00_vandal_course_lib.ipynb": _nb(
        "import importlib.util\nPATH = importlib.util.find_spec('course_lib').origin\n"
        "if '{root}' not in PATH:  # never the checkout's own files, should isolation break\n"
        "    open(PATH, 'w').write('raise SystemExit(\"vandalised\")')\n"
        "def gan_year():\n    return PATH\n"),
    "00_zz_reads_course_lib.ipynb": _nb(
        "import importlib.util\n\ndef gan_year():\n"
        "    return open(importlib.util.find_spec('course_lib').origin).read()[:40]\n"),
    "00_garbled.ipynb": '{"cells": [ {"cell_type": "code", "sour',
    "00_not_a_notebook.ipynb": "print('hello')\n",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    for name, text in HOSTILE.items():
        (d / name).write_text(text.replace("{dir}", str(d)).replace("{root}", ROOT.as_posix()))
    out = d / "grades.csv"
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_GRADER_SECRET", "s3cret")
    try:
        rows = grading.grade(sorted(d.glob("*.ipynb")), out, timeout=25, memory_mb=1024, jobs=2)
    finally:
        mp.undo()
    return out, rows


def _status(got, name):
    return {ex: got[(name, ex)]["status"] for ex in grading.exercises_of("ch00")}


def test_good_submission_passes_next_to_hostile_ones(hostile):
    got = _read(hostile[0])
    assert _status(got, "00_good.ipynb") == {ex: "passed" for ex in grading.exercises_of("ch00")}


@pytest.mark.parametrize("name, reason", [
    ("00_loop.ipynb", "time limit"),
    ("00_memory_hog.ipynb", "memory limit"),
    ("00_slow_answer.ipynb", "time limit: still running during a call of gan_year"),
    ("00_kills_itself.ipynb", "the kernel died in code cell 2 (killed by SIGKILL"),
    ("00_kills_parent.ipynb", "the kernel died in code cell 2"),
    ("00_kills_in_check.ipynb", "the kernel died during a call of gan_year"),
    ("00_garbled.ipynb", "not a notebook"),
    ("00_not_a_notebook.ipynb", "not a notebook"),
])
def test_hostile_submission_recorded_with_its_reason(hostile, name, reason):
    got = _read(hostile[0])
    for ex in grading.exercises_of("ch00"):
        row = got[(name, ex)]
        assert row["status"] == "error" and reason in row["message"], row


def test_vandal_cannot_rewrite_grades_or_other_submissions(hostile):
    out, rows = hostile
    got = _read(out)  # the real CSV, written after the vandal ran
    assert got[("00_vandal.ipynb", "ch00.gan_year")]["status"] == "passed"
    assert got[("00_vandal.ipynb", "ch00.scale_pixels")]["status"] == "not attempted"
    assert len([r for r in rows if r.exercise == grading.TOTAL]) == len(HOSTILE)


def test_vandal_rewrites_only_its_own_copy_of_course_lib(hostile):
    got = _read(hostile[0])
    path = got[("00_vandal_course_lib.ipynb", "ch00.gan_year")]["found"].strip("'")
    assert path.endswith("course_lib/__init__.py") and ROOT.as_posix() not in path
    assert (ROOT / "course_lib" / "__init__.py").read_text().startswith('"""course_lib')
    assert got[("00_zz_reads_course_lib.ipynb", "ch00.gan_year")]["found"].startswith(
        "'\"\"\"course_lib")


def test_kernel_gets_no_grader_secrets_and_a_temporary_home(hostile):
    row = _read(hostile[0])[("00_env_spy.ipynb", "ch00.gan_year")]
    assert row["status"] == "failed" and row["found"] == "'none True'"


def test_files_a_submission_writes_are_capped_at_512_mb(hostile):
    row = _read(hostile[0])[("00_huge_file.ipynb", "ch00.gan_year")]
    assert row["status"] == "failed" and row["found"] == str(2**29)


def test_csv_has_one_row_per_submission_and_exercise_plus_total(hostile):
    got = _read(hostile[0])
    names = {name for name, _ in got}
    assert names == set(HOSTILE)
    for name in names:
        total = got[(name, "total")]
        passed = sum(got[(name, ex)]["status"] == "passed" for ex in grading.exercises_of("ch00"))
        assert total["score"] == str(passed)
        assert total["max_score"] == str(len(grading.exercises_of("ch00")))


# ------------------------------------------------------------------- no kernel needed
def test_wire_round_trips_plain_values_with_their_types():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3), np.int64(7), [1, 2.5, None],
             {"a": True, 3: float("nan")}, float("-inf"), 2**70, "text")
    back = wire.decode(json.loads(wire.dumps(wire.encode(value))))
    assert isinstance(back, tuple) and back[0].dtype == np.float32
    np.testing.assert_array_equal(back[0], value[0])
    assert isinstance(back[1], np.int64) and back[1] == 7
    assert back[2] == [1, 2.5, None] and back[3]["a"] is True and np.isnan(back[3][3])
    assert back[4] == float("-inf") and back[5] == 2**70 and back[6] == "text"


@pytest.mark.parametrize("data", [
    {"__array__": {"dtype": "|O", "shape": [1], "data": ""}},
    {"__array__": {"dtype": "<f8", "shape": [3], "data": "AAAA"}},
    {"__keras__": "../../etc/passwd"},
    {"__pickle__": "gASV"},
    {"a": 1, "b": 2},
])
def test_wire_rejects_what_the_grader_did_not_send(data):
    with pytest.raises(ValueError):
        wire.decode(data)


def test_unsendable_result_arrives_as_learner_object_that_checks_reject():
    from course_lib.checks import check

    class Sneaky:
        def __array__(self, dtype=None, copy=None):
            return np.zeros(3)

    back = wire.decode(wire.encode_result(Sneaky()))
    assert isinstance(back, wire.LearnerObject)
    assert check("ch00.gan_year", lambda: back).passed is False


def test_chapter_comes_from_file_name_or_checks_and_a_mismatch_is_an_error(tmp_path):
    a = tmp_path / "alice_01_normal_distribution_exercises.ipynb"
    a.write_text(_nb("cl.checks.check('ch01.normal_pdf', normal_pdf)"))
    assert grading.read_submission(a).chapter == "ch01"
    b = tmp_path / "bob.ipynb"
    b.write_text(_nb("cl.checks.check('ch01.normal_pdf', normal_pdf)"))
    assert grading.read_submission(b).chapter == "ch01"
    c = tmp_path / "00_carol.ipynb"
    c.write_text(_nb("cl.checks.check('ch01.normal_pdf', normal_pdf)"))
    assert "--chapter" in grading.read_submission(c).problem
    assert grading.read_submission(c, "ch00").problem is None
    d = tmp_path / "dave.ipynb"
    d.write_text(_nb("print(1)"))
    assert "--chapter" in grading.read_submission(d).problem


def test_answer_names_come_from_the_course_exercise_notebook():
    names = grading.answer_names("ch01")
    assert names["ch01.normal_pdf"] == "normal_pdf"
    assert set(names) == set(grading.exercises_of("ch01"))


def test_cli_grade_rejects_bad_arguments_with_one_error_line(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "x.ipynb"), "--out",
                 str(tmp_path / "missing" / "g.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "does not exist" in err[0]
    assert main(["grade", str(tmp_path / "x.ipynb"), "--out", str(tmp_path / "g.csv"),
                 "--chapter", "99"]) == 2
    assert "No checks are defined for chapter ch99" in capsys.readouterr().err


def test_cli_grade_writes_csv_and_summary_for_an_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "00_bad.ipynb"
    bad.write_bytes(b"\x89PNG\r\n")
    assert main(["grade", str(bad), "--out", str(tmp_path / "g.csv")]) == 0
    out = capsys.readouterr().out
    assert "ch00.gan_year: 0/1 passed, 0 failed, 0 not attempted, 1 error" in out
    assert "1 submission(s) graded" in out and "wrote" in out
    got = _read(tmp_path / "g.csv")
    assert {got[("00_bad.ipynb", ex)]["status"] for ex in grading.exercises_of("ch00")} == \
        {"error"}


def test_learner_exceptions_are_rebuilt_by_name_for_the_checks():
    from course_lib.checks import check

    assert type(grading._learner_exception("TypeError", "bad")) is TypeError
    odd = grading._learner_exception("mod.Weird<Error>", "boom")
    assert isinstance(odd, grading.LearnerError) and type(odd).__name__ == "modWeirdError"

    def placeholder():
        raise grading._learner_exception("NotImplementedError", "")

    def crash():
        raise odd

    assert check("ch00.gan_year", placeholder).passed is None
    result = check("ch00.gan_year", crash)
    assert result.passed is False and "modWeirdError" in result.message


def test_answer_names_read_both_call_styles(tmp_path):
    ex = grading.exercises_of("ch00")
    nb = _nb(f"cl.checks.check({ex[0]!r}, my_first)", f"check({ex[1]!r}, my_second)")
    (tmp_path / "00_x_exercises.ipynb").write_text(nb)
    assert grading.answer_names("ch00", tmp_path) == {ex[0]: "my_first", ex[1]: "my_second"}


def test_answer_model_loads_only_a_plain_keras_archive(tmp_path):
    import zipfile

    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "answer_model_1.keras")
    loaded = grading.load_answer_model(tmp_path, "answer_model_1.keras")
    for got, want in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    with zipfile.ZipFile(tmp_path / "answer_model_2.keras", "w") as zf:
        zf.writestr("config.json", "{}")
        zf.writestr("evil.py", "import os")
    with pytest.raises(ValueError, match="more than a Keras model"):
        grading.load_answer_model(tmp_path, "answer_model_2.keras")
    (tmp_path / "answer_model_3.keras").write_text("not a zip")
    with pytest.raises(ValueError, match="not a .keras archive"):
        grading.load_answer_model(tmp_path, "answer_model_3.keras")
    with pytest.raises(ValueError, match="unexpected model file name"):
        grading.load_answer_model(tmp_path, "../answer_model_1.keras")


def test_csv_defuses_spreadsheet_formulas(tmp_path):
    grading.write_csv([grading.Row("=HYPERLINK(1)", "ch00.gan_year", "failed", "-1+2")],
                      tmp_path / "g.csv")
    with open(tmp_path / "g.csv", newline="") as f:
        row = list(csv.DictReader(f))[0]
    assert row["submission"] == "'=HYPERLINK(1)" and row["message"] == "'-1+2"
