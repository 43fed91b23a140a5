"""Binder's environment.yml, pyproject.toml, README and .ci/run agree with each other."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    out = {}
    for line in lines:
        m = re.fullmatch(r"\s*-?\s*([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)\s*", line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_environment_yml_pins_match_pyproject():
    env = (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines()
    project = _project()
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["lab"])
    assert _pins(env) == wanted
    assert any(re.fullmatch(r"\s*-\s*python=3\.11\s*", line) for line in env)
    assert project["requires-python"].startswith(">=3.11")


def test_every_dependency_is_pinned():
    project = _project()
    deps = project["dependencies"] + [d for ds in project["optional-dependencies"].values()
                                      for d in ds]
    assert all("==" in d for d in deps), [d for d in deps if "==" not in d]
    assert "tensorflow-cpu==2.21.0" in project["dependencies"]


def test_binder_installs_course_lib_and_caps_threads():
    assert not (ROOT / "binder").exists(), "a binder/ folder would hide the root configuration"
    post = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "pip install --no-deps -e ." in post and "set -euo pipefail" in post
    start = (ROOT / "start").read_text(encoding="utf-8")
    assert 'exec "$@"' in start and "TF_NUM_INTRAOP_THREADS" in start


def test_readme_commands_and_ci_agree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    lines = [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip()]
    test_cmd = next(ln for ln in lines if ln.endswith("python -m pytest"))
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(ln.endswith("jupyter lab --ServerApp.root_dir=. notebooks/00_welcome.ipynb") for ln in lines)
    assert any(ln.startswith("python -m course_lib train-cats") for ln in lines)
    badge = re.search(r"https://mybinder\.org/v2/gh/[^)\s]+", readme).group(0)
    assert badge.endswith("?urlpath=lab/tree/notebooks/00_welcome.ipynb")
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
