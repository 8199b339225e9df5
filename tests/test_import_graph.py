"""The package's layers import in one direction only, no private name crosses packages, and
modules and functions stay small.

data → policy → model → results → engine (the models) → api → game → dynamics → backtest →
report → cli, with the utilities (errors, status, progress, jsonsafe, registry, folders,
compilation) below everything and the data builders and estimators (build, estimate) between
the model and the engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "tradewar"
ORDER = [
    "errors",
    "status",
    "progress",
    "jsonsafe",
    "registry",
    "folders",
    "compilation",
    "datasets",
    "data",
    "policy",
    "model",
    "results",
    "build",
    "estimate",
    "engine",
    "api",
    "game",
    "dynamics",
    "uncertainty",
    "backtest",
    "report",
    "web",
    "cli",
]
RESOURCES = {"scenarios"}


def _imports():
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts == ("__init__",):
            continue  # the facade re-exports every layer
        layer = parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "tradewar" or node.module.startswith("tradewar."):
                    yield path, layer, node.module, [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("tradewar."):
                        yield path, layer, alias.name, []


def test_every_layer_is_known():
    layers = {p.relative_to(SRC).with_suffix("").parts[0] for p in SRC.rglob("*.py")}
    assert layers - {"__init__"} - RESOURCES <= set(ORDER), layers - set(ORDER)


def test_imports_go_one_way():
    backwards = []
    for path, layer, module, names in _imports():
        if layer in RESOURCES:
            continue
        if module == "tradewar":
            if names != ["__version__"]:
                backwards.append(f"{path.relative_to(SRC)} imports {names} from the facade")
            continue
        target = module.split(".")[1]
        if target in RESOURCES or target == layer:
            continue
        if ORDER.index(target) > ORDER.index(layer):
            backwards.append(f"{path.relative_to(SRC)} ({layer}) imports {module}")
    assert not backwards, "\n".join(backwards)


def test_no_private_name_crosses_a_package():
    crossing = []
    for path, layer, module, names in _imports():
        parts = module.split(".")
        if len(parts) > 1 and parts[1] != layer:
            crossing += [
                f"{path.relative_to(SRC)}: {module}.{n}" for n in names if n.startswith("_")
            ]
        crossing += [
            f"{path.relative_to(SRC)}: {module}"
            for p in parts[1:]
            if p.startswith("_") and p != "__init__"
        ]
    assert not crossing, "\n".join(crossing)


def test_the_engine_does_not_know_the_scenario_layer():
    for path, layer, module, _ in _imports():
        if layer == "model":
            assert not module.startswith("tradewar.policy"), f"{path.relative_to(SRC)}: {module}"


def test_strategy_and_dynamics_never_import_the_public_api():
    """Games, negotiations and the engine take what they need from the engine, not `api`."""
    upward = [
        f"{path.relative_to(SRC)} imports {module}"
        for path, layer, module, _ in _imports()
        if layer in ("engine", "game", "dynamics") and module == "tradewar.api"
    ]
    assert not upward, "\n".join(upward)


def _is_typer_command(path: Path, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A command of the command line (``@app.command``): its parameters are its flags."""
    return "cli" in path.relative_to(SRC).parts and any(
        isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command"
        for d in node.decorator_list
    )


def test_modules_and_functions_stay_small():
    """No module over 600 lines; no function over 100 lines or 8 parameters (``self`` aside),
    except the command line's commands, whose parameters are their flags."""
    too_big = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SRC)
        if text.count("\n") > 600:
            too_big.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if _is_typer_command(path, node):
                continue
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            count = len(params) - (1 if params and params[0].arg in ("self", "cls") else 0)
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > 100 or count > 8:
                too_big.append(f"{name}:{node.lineno} {node.name}: {length} lines, {count} params")
    assert not too_big, "\n".join(too_big)
