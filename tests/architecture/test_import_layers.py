"""The apps stay layered: imports between them run one way, and the project package knows no domain.

Read statically from the source (every import, including those inside functions), so a late import
added to dodge a cycle is caught too. Tests and migrations are left out: they may reach anywhere.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first; each app may import the ones before it (docs/architecture.md draws this).
LAYERS = [
    "dukaan",
    "stores",
    "products",
    "catalogue",
    "coupons",
    "orders",
    "payments",
    "checkout",
    "notifications",
    "ops",
]
DOMAIN_APPS = set(LAYERS) - {"dukaan"}
# The one module of the project package that names the domain apps: it maps URLs to them.
PROJECT_MODULES_THAT_MAY_NAME_APPS = {"dukaan/urls.py"}


def _imported_apps(path: Path) -> list[tuple[str, int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS:
                found.append((top, node.lineno, name))
    return found


def _edges() -> dict[str, dict[str, list[str]]]:
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            for target, line, name in _imported_apps(path):
                if target != app:
                    edges[app][target].append(f"{relative}:{line} imports {name}")
    return edges


def _cycle(edges: dict[str, dict[str, list[str]]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(app: str) -> list[str] | None:
        state[app] = "open"
        stack.append(app)
        for target in sorted(edges.get(app, {})):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[app] = "done"
        return None

    for app in LAYERS:
        if app not in state and (found := visit(app)):
            return found
    return None


def test_every_app_is_in_the_layer_list():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS)


def test_no_import_cycle_between_apps():
    edges = _edges()
    cycle = _cycle(edges)
    if cycle:
        evidence = [line for a, b in itertools.pairwise(cycle) for line in edges[a][b][:2]]
        raise AssertionError("import cycle " + " -> ".join(cycle) + ":\n" + "\n".join(evidence))


def test_imports_run_down_the_layers_only():
    upward = [
        line
        for app, targets in _edges().items()
        for target, lines in targets.items()
        if LAYERS.index(target) > LAYERS.index(app)
        for line in lines
        if not (app == "dukaan" and line.split(":")[0] in PROJECT_MODULES_THAT_MAY_NAME_APPS)
    ]
    assert upward == [], "imports against the layer order (see docs/architecture.md):\n" + "\n".join(upward)


def test_project_package_imports_no_domain_app():
    offending = [
        line
        for target, lines in _edges().get("dukaan", {}).items()
        if target in DOMAIN_APPS
        for line in lines
        if line.split(":")[0] not in PROJECT_MODULES_THAT_MAY_NAME_APPS
    ]
    assert offending == []


def test_the_checker_sees_a_late_import_inside_a_function(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from checkout.cart import get_cart\n    import orders.models\n")
    assert [(app, line) for app, line, _ in _imported_apps(module)] == [("checkout", 2), ("orders", 3)]


def test_the_cycle_finder_finds_a_cycle():
    edges = {"stores": {"orders": ["x"]}, "orders": {"products": ["y"]}, "products": {"stores": ["z"]}}
    assert _cycle(edges) == ["stores", "orders", "products", "stores"]
    assert _cycle({"orders": {"stores": ["x"]}}) is None
