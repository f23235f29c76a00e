"""The layers keep to their imports: pages on top, the engine and models below.

Read from the source with `ast` (every import, including those inside functions), so
a lazy import cannot slip past. A feature package is any package of `synth_web`
other than the engine and the models; page views are its `views` and `routes`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "synth_web"
LOWER = {"engine", "models"}
FEATURES = {
    path.name
    for path in PACKAGE.iterdir()
    if (path / "__init__.py").exists() and path.name not in LOWER
}
PAGE_MODULES = {"views", "routes"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every synth_web module a file imports, relative imports resolved."""
    tree = ast.parse(path.read_text(), str(path))
    here = module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + [base]).strip(".")
            found.add(base)
            # `from synth_web.x import views` imports the module views.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("synth_web")}


def modules_under(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def is_page_view(name: str) -> bool:
    parts = name.split(".")
    return len(parts) >= 3 and parts[1] in FEATURES and parts[-1] in PAGE_MODULES


def feature_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in FEATURES else None


def test_the_contract_sees_the_packages():
    assert {"api", "workflows", "executions", "connections", "hooks"} <= FEATURES
    assert imports_of(PACKAGE / "hooks" / "views.py") >= {"synth_web.engine.start"}


@pytest.mark.parametrize("layer", ["api", "engine"])
def test_api_and_engine_never_import_a_page_view(layer):
    wrong = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules_under(layer)
        for name in imports_of(path)
        if is_page_view(name)
    }
    assert not wrong


def test_the_engine_imports_no_feature_package():
    wrong = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules_under("engine")
        for name in imports_of(path)
        if feature_of(name)
    }
    assert not wrong


def test_models_import_only_extensions_and_their_own_types():
    allowed = ("synth_web.extensions", "synth_web.models")
    wrong = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules_under("models")
        for name in imports_of(path)
        if not name.startswith(allowed)
    }
    assert not wrong
