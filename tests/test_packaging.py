"""What the package declares is what it uses, and the layers import downwards only."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gongkai", "transforms", "expectations", "warehouse", "flows", "review")
# Runtime dependencies used without an import statement of their own, and why.
USED_WITHOUT_IMPORT = {
    "duckdb": "the DuckDB engine itself, driven through duckdb-engine (duckdb:// URLs)",
    "duckdb-engine": "SQLAlchemy's dialect for duckdb:// URLs, found by its entry point",
    "dask": "what prefect-dask's DaskTaskRunner (--runner dask) runs on",
}


def _imports(paths: list[Path]) -> set[str]:
    """Top-level module names imported anywhere in ``paths`` (also inside functions)."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def _dependencies() -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.split(r"[\[<>=!~ ;]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]]


def test_every_runtime_dependency_is_used_outside_tests_and_benchmarks() -> None:
    sources = [p for pkg in PACKAGES for p in (REPO_ROOT / pkg).rglob("*.py")]
    imported = _imports(sources)
    by_module = packages_distributions()
    used = {dist.lower().replace("_", "-") for mod in imported for dist in by_module.get(mod, [])}
    unused = [d for d in _dependencies() if d.replace("_", "-") not in used and d not in USED_WITHOUT_IMPORT]
    assert not unused, f"declared in [project.dependencies] but imported nowhere in {PACKAGES}: {unused}"


def test_generator_and_benchmark_libraries_are_extras() -> None:
    deps = _dependencies()
    assert not {"python-docx", "reportlab", "psutil"} & set(deps)


@pytest.mark.parametrize("layer", ["flows", "transforms", "expectations", "warehouse", "review"])
def test_layers_below_the_cli_do_not_import_it(layer: str) -> None:
    modules = set()
    for path in (REPO_ROOT / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                modules |= {(path.name, a.name) for a in node.names}
    upward = sorted((f, m) for f, m in modules if m == "gongkai" or m.startswith("gongkai."))
    assert not upward, upward


def test_synth_names_the_extra_when_a_library_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    from gongkai.synth.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "docx" else real(name, *a))
    assert main(["--n", "1", "--out", str(tmp_path), "--seed", "1", "--carriers", "txt,docx"]) == 2
    err = capsys.readouterr().err
    assert "python-docx" in err and "pip install 'gongkai[synth]'" in err
    assert not list(tmp_path.iterdir())
    assert main(["--n", "1", "--out", str(tmp_path), "--seed", "1", "--carriers", "txt"]) == 0
