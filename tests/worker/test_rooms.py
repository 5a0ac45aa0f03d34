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
