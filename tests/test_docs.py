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


def _bash_blocks(text):
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_the_chinese_readme_gives_readmes_course_and_case_study_commands_exactly():
    english = _bash_blocks(_text("README.md"))
    course = [b for b in english if 'pip install -e ".[lab]"' in b]
    case_study = [b for b in english if b == "python -m course_lib train-cats --out runs/cats"]
    assert len(course) == 1 and len(case_study) == 1
    assert _bash_blocks(_text("README.zh.md")) == course + case_study


def test_readme_links_the_chinese_edition_at_the_top_and_its_badge_opens_chinese_chapter_0():
    readme, chinese = _text("README.md"), _text("README.zh.md")
    assert "(README.zh.md)" in "\n".join(readme.splitlines()[:5])
    badge = re.compile(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)")
    english_url, chinese_url = badge.search(readme).group(1), badge.search(chinese).group(1)
    assert chinese_url == english_url.replace("tree/notebooks/00_welcome.ipynb",
                                              "tree/notebooks/zh/00_welcome.ipynb")
    assert (ROOT / "notebooks" / "zh" / "00_welcome.ipynb").is_file()


def test_the_chinese_readme_credits_the_data_as_readme_does():
    chinese = _text("README.zh.md")
    for credit in ("https://pypi.org/project/animal-shape-mnist/", "Sina Mohammadi", "MIT",
                   "CC BY 4.0", "(LICENSE)", "(LICENSE-CONTENT.md)"):
        assert credit in chinese, credit


def test_the_chinese_guides_are_linked_and_use_the_glossarys_terms():
    assert "(INSTRUCTORS.zh.md)" in "\n".join(_text("INSTRUCTORS.md").splitlines()[:6])
    for name in ("README.zh.md", "INSTRUCTORS.zh.md"):
        problems = cl.glossary.term_problems(_text(name))
        assert not problems, f"{name}:\n" + "\n".join(map(str, problems))
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", _text(name)):
            assert (ROOT / target).exists(), f"{name} links to {target}, which does not exist"
