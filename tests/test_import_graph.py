"""The package's modules import each other without a circle (issue 17, must-show 4).

Every relative import counts, at module level and inside functions alike: an import
deferred into a function to dodge a circle is still a circle in the design. ``from . import
name`` points at the submodule ``name`` where one exists, else at the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "symbiosis_abm"


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """Module -> module edges of every relative import in ``package``."""
    files = {_module_name(p, package): p for p in package.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = ".".join(here[:len(here) - node.level + 1]
                            + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                graph.add_edge(name, target if target in files else base)
    return graph


def test_the_package_has_no_import_circle():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], sorted(cycles, key=len)[:5]


def test_the_graph_sees_imports_inside_functions(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("def f():\n    from .b import g\n    return g\n")
    (package / "b.py").write_text("from . import a\n\ndef g():\n    return a\n")
    graph = import_graph(package)
    assert ("pkg.a", "pkg.b") in graph.edges and ("pkg.b", "pkg.a") in graph.edges
    assert list(nx.simple_cycles(graph))
