"""`python -m course_lib doctor`: a healthy set-up, and simulated problems with their fixes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course_lib import data
from course_lib.tools import doctor
from course_lib.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]
# What CI's machine cannot promise is injected: 2 CPUs for TensorFlow and for real, 4 GB.
HEALTHY = {"tf_threads": 2, "available_cpus": 2, "available_mb": 4000}


def _by_name(findings):
    return {f.name: f for f in findings}


def test_healthy_setup_has_no_problem_and_exits_0(capsys):
    findings = doctor.run_all(ROOT, **HEALTHY)
    assert [f.name for f in findings if not f.ok] == []
    names = _by_name(findings)
    assert {"python", "package numpy", "package tensorflow-cpu", "cpus", "memory",
            "working directory", "jupyter kernel"} <= set(names)
    assert sum(n.startswith("data ") for n in names) == len(data.FILE_SHA256)
    assert doctor.main(ROOT, **HEALTHY) == 0
    assert capsys.readouterr().out.strip().endswith("All is well.")


def test_wrong_package_version_is_reported_with_the_pip_command(capsys):
    real = doctor._installed

    def installed(name):
        return "2.3.0" if name == "numpy" else real(name)

    assert doctor.main(ROOT, installed=installed, **HEALTHY) == 1
    f = _by_name(doctor.run_all(ROOT, installed=installed, **HEALTHY))["package numpy"]
    _, pins = doctor.read_pins(ROOT / "pyproject.toml")
    assert not f.ok and "numpy 2.3.0" in f.detail and pins["numpy"] in f.detail
    assert f.fix == f"python -m pip install 'numpy=={pins['numpy']}'"
    out = capsys.readouterr().out
    assert "FAIL  package numpy" in out and "fix: python -m pip install" in out


def test_missing_and_corrupted_data_files_are_reported(tmp_path):
    names = list(data.FILE_SHA256)
    good = data.default_data_dir()
    shutil.copy(good / names[0], tmp_path / names[0])
    (tmp_path / names[0]).write_bytes(b"not the data")
    found = _by_name(doctor.run_all(ROOT, data_dir=tmp_path, **HEALTHY))
    assert "is missing" in found[f"data {names[1]}"].detail
    assert "expected" in found[f"data {names[0]}"].detail
    assert "animal-shape-mnist==0.39" in found[f"data {names[1]}"].fix
    assert doctor.main(ROOT, data_dir=tmp_path, **HEALTHY) == 1


@pytest.mark.parametrize("kwargs, name, fix_part", [
    ({"python_version": (3, 10, 12)}, "python", "environment.yml"),
    ({"tf_threads": 64, "available_cpus": 1}, "cpus", "cl.cap_threads()"),
    ({"available_mb": 700}, "memory", "Shut Down All Kernels"),
    ({"kernel": "no-such-kernel"}, "jupyter kernel", "ipykernel install"),
    ({"kernel_command": "/opt/other-python/bin/python3"}, "jupyter kernel", "ipykernel install"),
])
def test_simulated_problem_is_reported_with_a_fix(kwargs, name, fix_part):
    findings = doctor.run_all(ROOT, **{**HEALTHY, **kwargs})
    bad = [f for f in findings if not f.ok]
    assert [f.name for f in bad] == [name]
    assert fix_part in bad[0].fix


def test_unwritable_working_directory_is_reported(tmp_path):
    f = doctor.check_workdir(tmp_path / "no" / "such" / "folder")
    assert not f.ok and "not writable" in f.detail and f.fix


def test_requires_python_is_compared_by_version_not_text():
    assert doctor._satisfies((3, 11, 7), ">=3.11,<3.12")
    assert not doctor._satisfies((3, 12, 0), ">=3.11,<3.12")
    assert not doctor._satisfies((3, 9, 18), ">=3.11,<3.12")


def test_cli_doctor_exit_status_follows_the_findings(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_tf_threads", lambda: 1)
    monkeypatch.setattr(doctor, "_available_mb", lambda: 100)
    assert main(["doctor", "--root", str(ROOT)]) == 1
    assert "FAIL  memory" in capsys.readouterr().out
