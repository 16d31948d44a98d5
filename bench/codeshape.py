"""The shape of the code: import cycles between the package's modules, long modules, long functions.

Usage: python bench/codeshape.py [--package gdprgraph] [--module-lines 400] [--function-lines 60]

Imports are read from the source (ast), at any depth (inside functions too, and under TYPE_CHECKING:
a cycle hidden behind a deferred import is still a cycle in the design). A cycle is a strongly
connected component of more than one module. Prints the figures and the lists; exit code 0.
tests/test_import_graph.py uses ``import_graph`` and ``cycles`` to fail on a new cycle.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    """gdprgraph/store/base.py -> gdprgraph.store.base; a package's __init__ is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    # "from . import x" names a module x; "from .m import f" names m
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(package: str = "gdprgraph", root: Path = ROOT) -> nx.DiGraph:
    """Module -> module it imports, within the package (a name that is not a module counts as its module)."""
    paths = sorted((root / package.replace(".", "/")).rglob("*.py"))
    modules = {module_name(p, root): p for p in paths}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _imported(node, module, path.name == "__init__.py"):
                    while name and name not in modules:
                        name = name.rpartition(".")[0]
                    # a package importing its own modules (re-exports) is not a dependency back
                    if name and name != module and not module.startswith(name + "."):
                        graph.add_edge(module, name)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    """The groups of modules that import each other (directly or round a loop), sorted."""
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def long_functions(root: Path, package: str, limit: int) -> list[tuple[str, int]]:
    found = []
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append((f"{path.relative_to(root)}:{node.lineno} {node.name}", length))
    return sorted(found, key=lambda item: -item[1])


def long_modules(root: Path, package: str, limit: int) -> list[tuple[str, int]]:
    sizes = [
        (str(p.relative_to(root)), len(p.read_text(encoding="utf-8").splitlines()))
        for p in sorted((root / package).rglob("*.py"))
    ]
    return sorted([s for s in sizes if s[1] > limit], key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="gdprgraph")
    parser.add_argument("--module-lines", type=int, default=400)
    parser.add_argument("--function-lines", type=int, default=60)
    args = parser.parse_args()
    graph = import_graph(args.package)
    found = cycles(graph)
    modules = long_modules(ROOT, args.package, args.module_lines)
    functions = long_functions(ROOT, args.package, args.function_lines)
    print(
        f"| measure | count |\n|---|---:|\n| modules | {graph.number_of_nodes()} |\n"
        f"| imports between modules | {graph.number_of_edges()} |\n| import cycles | {len(found)} |\n"
        f"| modules over {args.module_lines} lines | {len(modules)} |\n"
        f"| functions over {args.function_lines} lines | {len(functions)} |"
    )
    for group in found:
        print("cycle:", " <-> ".join(group))
    for name, length in modules:
        print(f"module {length:5d} {name}")
    for name, length in functions:
        print(f"function {length:4d} {name}")


if __name__ == "__main__":
    main()
