"""The engine imports neither openpyxl nor xlwings (nor our adapters and front ends), at
import time or inside any function; and the package has no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = ["juesuan.spec", "juesuan.ledger", "juesuan.fill", "juesuan.rounding", "juesuan.repair",
        "juesuan.layout", "juesuan.reading", "juesuan.jobs", "juesuan.validate", "juesuan.report",
        "juesuan.rules", "juesuan.importer", "juesuan.evaluation", "juesuan.narrative.steps",
        "juesuan.narrative.checktext", "juesuan.udf_logic", "juesuan.validate.marks_plan"]


def test_core_modules_do_not_load_spreadsheet_libraries():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings'))\n"
            "print(','.join(bad))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"the core pulled in: {proc.stdout}"


# -- static checks over the source: every import statement, also those inside functions ------
PACKAGE = Path(__file__).resolve().parents[1] / "juesuan"
FRONT_ENDS = ("juesuan.io", "juesuan.cli", "juesuan.excel", "juesuan.__main__")
ADAPTERS = ("openpyxl", "xlwings", "python_calamine", "juesuan.io", "juesuan.cli", "juesuan.excel")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path, module_level_only: bool) -> set[str]:
    """Modules a file imports (``from a import b`` counts as ``a`` and ``a.b``); imports under
    ``if TYPE_CHECKING:`` don't run and are left out; ``module_level_only`` skips function bodies."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if module_level_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{a.name}" for a in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_engine_modules_never_import_adapters_or_front_ends():
    bad = {}
    for name, path in _modules().items():
        if name.startswith(FRONT_ENDS):
            continue
        hits = sorted(i for i in _imports(path, module_level_only=False) if i.startswith(ADAPTERS))
        if hits:
            bad[name] = hits
    assert not bad, f"engine modules reach adapters or front ends (even inside functions): {bad}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles_inside_the_package():
    modules = _modules()
    graph = {m: {i for i in _imports(p, module_level_only=True) if i in modules and i != m}
             for m, p in modules.items()}
    assert not _cycles(graph), f"import cycles: {_cycles(graph)}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
