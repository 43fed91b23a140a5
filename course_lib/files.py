"""Small file helpers of the run directories (chapter 5): atomic writes, JSON that explains itself.

A crash mid-write leaves the previous file: each writer writes a temporary file next to the target
and then renames it over the target (``os.replace`` is atomic on one file system). Nothing here
imports TensorFlow, so the command line's notebook tools use it too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["read_json", "save_npy_atomic", "write_json_atomic"]


def write_json_atomic(path: Path, obj) -> None:
    """Write ``obj`` as JSON to ``path`` via a temporary file, so a crash leaves the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def save_npy_atomic(path: Path, arr) -> None:
    """``np.save`` to ``path`` via a temporary file, so a crash leaves the old one."""
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, arr)
    os.replace(tmp, path)


def read_json(path: Path, what: str):
    """``path``'s JSON, or a ``ValueError`` that says which file is broken and what to do."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fix = {
            "settings": "restore it from a backup, or delete it to resume with the settings "
                        "you pass",
            "history": "restore it from a backup, or delete it to resume without the earlier "
                       "history",
        }.get(what, "undo the last edit or restore it from version control")
        raise ValueError(
            f"{path} is not valid JSON ({exc}), so the {what} cannot be read. Expected the "
            f"file as course_lib wrote it; {fix}."
        ) from None
