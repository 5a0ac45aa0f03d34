"""The house's shape: rooms call downwards only, and the layers never call the worker."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Package -> packages of ours it must never import (what would point an arrow back up).
FORBIDDEN = {
    "worker/calls": ("worker.queue", "worker.stored", "worker.cli", "worker.api"),
    "worker/stored": ("worker.queue", "worker.cli", "worker.api"),
    "worker/queue": ("worker.cli",),
    "callrec": ("worker", "audio", "redaction", "vault"),
    "audio": ("worker", "redaction", "vault"),
    "redaction": ("worker", "vault"),
    "vault": ("worker", "audio", "redaction"),
}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_arrow_points_back_up(package):
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[package]):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_the_floor_holds_no_room_of_its_own():
    floor = sorted(p.name for p in (ROOT / "worker").glob("*.py"))
    assert floor == ["__init__.py", "__main__.py", "boot.py", "errors.py", "outputs.py", "settings.py",
                     "vaults.py", "workdirs.py"]
    rooms = sorted(p.name for p in (ROOT / "worker").iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert rooms == ["api", "calls", "cli", "queue", "stored"]


# -- redaction stands on audio/, and one writer replaces files --------------------------------

PRODUCT = ("callrec", "audio", "redaction", "vault", "worker")


def calls_in(package: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        found += [(path, node) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    return found


def test_redaction_reads_resamples_and_writes_audio_through_audio():
    wrong = []
    for path in sorted((ROOT / "redaction").rglob("*.py")):
        for name in imports_of(path):
            if name.split(".")[0] in ("soundfile", "soxr", "tempfile"):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_the_worker_reads_audio_through_audio():
    wrong = []
    for path in sorted((ROOT / "worker").rglob("*.py")):
        for name in imports_of(path):
            if name.split(".")[0] in ("soundfile", "soxr", "pydub"):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_one_write_to_temp_then_rename_in_the_product():
    # callrec/files.py is the one. Two protocols of their own: a work dir's lock renamed into
    # place (worker/workdirs.py), and the local vault store's writes, whose temporary files
    # are locked until renamed (or linked, create-only) so that reclaiming a killed writer's
    # never touches a live one (vault/stores/local.py), and whose deletes rename an object aside
    # before zeroing it, so a new object renamed in meanwhile is not unlinked (session 58).
    allowed = {"callrec/files.py": {"replace"}, "worker/workdirs.py": {"rename"},
               "vault/stores/local.py": {"replace", "rename"}}
    wrong = []
    for package in PRODUCT:
        for path, call in calls_in(package):
            where = path.relative_to(ROOT).as_posix()
            is_os = isinstance(call.func.value, ast.Name) and call.func.value.id == "os"
            if (is_os and call.func.attr in ("replace", "rename", "renames")) or call.func.attr == "rename":
                if call.func.attr not in allowed.get(where, ()):
                    wrong.append(f"{where}:{call.lineno} {ast.unparse(call.func)}")
    assert wrong == []


def test_no_detector_kind_is_told_by_its_name():
    # Detections and detectors carry a typed Source (redaction.spans); their names are for reports.
    wrong = []
    for package in ("redaction", "worker"):
        for path, call in calls_in(package):
            if call.func.attr not in ("startswith", "endswith"):
                continue
            receiver = ast.unparse(call.func.value)
            literals = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            names = [a.id for a in call.args if isinstance(a, ast.Name)]
            if ("detector" in receiver or any(v.startswith(("recognizer", "transcript", "dtmf")) for v in literals)
                    or any(n.endswith("_PREFIX") and "RECOGNIZER" in n for n in names)):
                wrong.append(f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(call)}")
    assert wrong == []
