"""The package's map: stage folders import only the stages below them, and the middle is pure.

The layers, lowest first (docs/design.md draws them):

    _version, diagnostics, errors       what every stage may report (in that order)
    language/    what a document is: models, quantities, positions, schema
    credentials/ verifiable credentials: offline verification and signing (no rule base)
    rulebase/    the checked rule base: index, filters, check passes
    compile/     compiled targets: trees, catalogue layout, graph
    decisions/   typed decision records
    decide/      deciding one (learner, target, day)
    render/      text renderings of decisions
    source/      the only I/O: files, YAML, learners, the cache
    decision, engine                    the facade
    cohort/      many learners: batches (local processes, Dask), impact, cohort figures and charts
    service/     the HTTP service (the only module that imports a web library)
    cli, __main__, __init__             the command line and the package (in that order)

Every import of a package module, at the top of a file or inside a function
(a function-level import hides a cycle, it does not remove it), must go to
the same folder or a lower layer, and no folder has a cycle of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "stackrules"
LAYERS = [
    "_version",
    "diagnostics",
    "errors",
    "language",
    "credentials",
    "rulebase",
    "compile",
    "decisions",
    "decide",
    "render",
    "source",
    "decision",
    "engine",
    "cohort",
    "service",
    "cli",
    "__main__",
    "__init__",
]
PURE = {"diagnostics", "errors", "language", "credentials", "rulebase", "compile", "decisions", "decide", "render"}
BANNED_MODULES = {"os", "pathlib", "socket", "urllib", "http", "subprocess", "shutil", "requests", "io", "tempfile"}
BANNED_CALLS = {"open", "today", "now", "utcnow", "getenv"}
WEB_MODULES = {"fastapi", "starlette", "uvicorn", "httpx", "anyio", "h11", "multipart"}


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = f.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _stage(module: str) -> str:
    return module.split(".")[0]


def _layer(module: str) -> int:
    stage = _stage(module)
    if stage in LAYERS:
        return LAYERS.index(stage)
    raise AssertionError(f"stackrules/{module.replace('.', '/')}.py is in no layer: add its folder to LAYERS and docs/design.md")


def _imports(module: str) -> set[str]:
    """Package modules ``module`` imports (resolved to existing modules), anywhere in the file."""
    path = MODULES[module]
    pkg = module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else list(pkg)
            stem = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                for cand in (".".join([*stem, alias.name]), ".".join(stem)):
                    if cand in MODULES or cand + ".__init__" in MODULES:
                        found.add(cand if cand in MODULES else cand + ".__init__")
                        break
        elif isinstance(node, ast.ImportFrom | ast.Import) and getattr(node, "level", 0) == 0:
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else [a.name for a in getattr(node, "names", [])]
            for n in names:
                if n and n.startswith("stackrules."):
                    found.add(n.removeprefix("stackrules."))
    found.discard(module)
    return {m for m in found if m in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down(module: str) -> None:
    mine = _layer(module)
    for dep in sorted(_imports(module)):
        if dep.endswith("__init__") and _stage(dep) == _stage(module):
            continue
        assert _layer(dep) < mine or _stage(dep) == _stage(module), f"{module} (layer {mine}) imports {dep} (layer {_layer(dep)})"


def test_no_cycles_inside_a_folder() -> None:
    edges = {m: {d for d in _imports(m) if _stage(d) == _stage(m)} for m in MODULES}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(edges[m]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(d) :], d]) if d in path else d)
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


# The checker re-derives what it checks from the rule base and the problem's items: it may read
# the problem, its items and the choice it is handed, the node semantics written once, and the
# stages below, never the audit model, the solver, the fast path or the explanation. It reads the
# qualification documents again (their trees and limits, for the limits it checks), so it may name
# what a document is.
CHECKER_MAY_IMPORT = {
    "errors",
    "language.models",
    "language.quantity",
    "rulebase.filters",
    "rulebase.index",
    "compile.tree",
    "decide.problem",
    "decide.items",
    "decide.choice",
    "decide.semantics",
}
# What the checker must never reach, even through the modules it may import: the model it checks
# (model, solve, the HiGHS wrapper, the fast path, the plan's rows) and what reads its answer.
CHECKER_MUST_NOT_REACH = {"decide.model", "decide.solve", "decide.milp", "decide.fastpath", "decide.schedule", "decide.plan", "decide.audit"}


def _reach(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for dep in _imports(todo.pop()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def test_checker_is_independent() -> None:
    assert _imports("decide.checker") <= CHECKER_MAY_IMPORT, sorted(_imports("decide.checker") - CHECKER_MAY_IMPORT)
    reached = _reach("decide.checker")
    assert "decide.credit" in reached  # the problem applies the credit rules the checker re-checks
    assert not reached & CHECKER_MUST_NOT_REACH, sorted(reached & CHECKER_MUST_NOT_REACH)


CORE = sorted(m for m in MODULES if _stage(m) in PURE)


@pytest.mark.parametrize("module", CORE)
def test_core_module_is_pure(module: str) -> None:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & BANNED_MODULES, f"{module} imports {[a.name for a in node.names]}"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            assert node.module.split(".")[0] not in BANNED_MODULES, f"{module} imports {node.module}"
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            assert name not in BANNED_CALLS, f"{module}:{node.lineno} calls {name}()"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) != "service"))
def test_web_libraries_only_in_the_service(module: str) -> None:
    """The engine and the CLI load without FastAPI: only stackrules/service/ imports a web library."""
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        assert not {n.split(".")[0] for n in names} & WEB_MODULES, f"{module}:{node.lineno} imports {names}"
