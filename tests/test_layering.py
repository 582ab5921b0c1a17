"""The package's layers, read from the source: no import cycles, and no CLI below the CLI.

The import graph is built with :mod:`ast` from every module under cnncalc/, so modules
added later are checked too. Imports inside functions count like top-level ones (a cycle
through a function is still a cycle between layers); imports under ``if TYPE_CHECKING:``
are kept apart: they do not run, so the cycle test ignores them, but a lower layer must
not name rich, typer or the CLI even there.

Upper layers: ``cnncalc/cli`` (a module or a package), ``cnncalc/console``,
``cnncalc/rendering`` and ``cnncalc/__main__``. Every other module is a lower layer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "cnncalc"
UPPER = ("cnncalc.cli", "cnncalc.rendering", "cnncalc.__main__")
CLI = ("cnncalc.cli",)


@dataclass(frozen=True)
class Import:
    """One import statement's target, as the importing module sees it."""

    source: str  # the importing module
    target: str  # a module name: a cnncalc module, or a third-party one such as rich.text
    line: int
    in_function: bool
    type_checking: bool

    def describe(self) -> str:
        where = "in a function" if self.in_function else "at top level"
        if self.type_checking:
            where += ", under TYPE_CHECKING"
        return f"{self.source} imports {self.target} (line {self.line}, {where})"


def module_name(path: Path) -> str:
    """The dotted name of a module file under cnncalc/."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _resolve(name: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a ``from`` import reads (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """Every import in one module, with where it stands."""
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(name, alias.name, node.lineno, in_function, type_checking))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, path, node)
            for alias in node.names:
                # `from cnncalc.engine import formulas` imports the module cnncalc.engine.formulas
                sub = f"{base}.{alias.name}"
                target = sub if sub in known else base
                found.append(Import(name, target, node.lineno, in_function, type_checking))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, in_function, True)
            for statement in node.orelse:
                visit(statement, in_function, type_checking)
            return
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner, type_checking)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False, False)
    return found


def all_imports() -> list[Import]:
    """Every import of every module of the package."""
    known = set(modules())
    return [imp for name, path in modules().items() for imp in imports_of(name, path, known)]


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a module is one of ``prefixes`` or inside one of them."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def find_cycle(edges: dict[str, dict[str, Import]]) -> list[Import] | None:
    """One import cycle among the modules, as the imports that make it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Import] = []

    def walk(node: str) -> list[Import] | None:
        state[node] = 1
        for target, imp in sorted(edges.get(node, {}).items()):
            if state.get(target) == 1:
                start = next(i for i, step in enumerate(path) if step.source == target)
                return [*path[start:], imp]
            if target not in state:
                path.append(imp)
                cycle = walk(target)
                if cycle:
                    return cycle
                path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = walk(node)
            if cycle:
                return cycle
    return None


def test_the_graph_is_read() -> None:
    names = set(modules())
    assert {
        "cnncalc",
        "cnncalc.spec",
        "cnncalc.engine.formulas",
        "cnncalc.parsing.grammar",
    } <= names
    imports = all_imports()
    targets = {(imp.source, imp.target) for imp in imports}
    assert ("cnncalc.rendering.table", "rich.console") in targets
    assert any(imp.type_checking for imp in imports)  # cnncalc/__init__.py names its API so
    assert any(imp.in_function for imp in imports)  # heavy modules are imported on first use


def test_no_import_cycle() -> None:
    known = set(modules())
    edges: dict[str, dict[str, Import]] = {}
    for imp in all_imports():
        if imp.target in known and imp.target != imp.source and not imp.type_checking:
            edges.setdefault(imp.source, {}).setdefault(imp.target, imp)
    cycle = find_cycle(edges)
    if cycle is not None:
        chain = " -> ".join([cycle[0].source, *(imp.target for imp in cycle)])
        pytest.fail(f"import cycle: {chain}\n" + "\n".join(imp.describe() for imp in cycle))


def test_lower_layers_never_import_the_cli_rich_or_typer() -> None:
    bad = [
        imp.describe()
        for imp in all_imports()
        if not within(imp.source, UPPER) and within(imp.target, ("rich", "typer", *CLI))
    ]
    assert bad == []


def test_only_the_cli_and_render_import_rich_and_only_the_cli_typer() -> None:
    bad = [
        imp.describe()
        for imp in all_imports()
        if (
            within(imp.target, ("rich",))
            and not within(imp.source, ("cnncalc.cli", "cnncalc.rendering"))
        )
        or (within(imp.target, ("typer",)) and not within(imp.source, ("cnncalc.cli",)))
    ]
    assert bad == []
