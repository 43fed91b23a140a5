"""The instructor guide and README stay in step with the code they describe."""

import re
from pathlib import Path

import course_lib as cl
from course_lib.recipes import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]


def _text(name):
    return (ROOT / name).read_text(encoding="utf-8")


def test_instructor_guide_describes_every_exercise_check():
    guide = _text("INSTRUCTORS.md")
    rows = set(re.findall(r"^\| (ch\d\d\.\w+) \|", guide, flags=re.M))
    assert rows == set(cl.checks.CHECKS), (
        f"missing: {sorted(set(cl.checks.CHECKS) - rows)}, stale: {sorted(rows - set(cl.checks.CHECKS))}"
    )


def test_instructor_guide_times_every_chapter():
    guide = _text("INSTRUCTORS.md")
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        label = re.match(r"0?(\d+[a-z]?)_", path.name).group(1)   # 05b_... -> "5b"
        assert re.search(rf"^\| {label} [^|]*\| \d+ s \|", guide, flags=re.M), (
            f"INSTRUCTORS.md has no measured run time for notebook {path.name} (row {label})"
        )


def test_readme_names_the_benchmark_commands_and_the_case_study_numbers():
    readme = _text("README.md")
    for command in ("python benchmarks/bench_training.py", "python benchmarks/bench_notebooks.py",
                    "python scripts/score_run.py runs/cats", "--strategy mirrored"):
        assert command in readme, command
    for script in ("benchmarks/bench_training.py", "benchmarks/bench_notebooks.py",
                   "scripts/score_run.py"):
        assert (ROOT / script).is_file(), script
    assert re.search(r"Fréchet distance[^\n]*\|[^\n]*\d", readme)


def test_readme_train_cats_defaults_are_the_cli_defaults():
    readme = _text("README.md")
    epochs = DEFAULTS["epochs"]
    assert f"{epochs} epochs" in readme, f"README does not give the default of {epochs} epochs"
