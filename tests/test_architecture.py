"""The layout holds: no import cycle in bot/ (imports inside functions count), and the layers below
the Discord adapter never import discord or the configuration."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
# package -> what it must never import (itself or below)
FORBIDDEN = {
    "bot.core": ("discord", "bot.config", "bot.app", "bot.service", "bot.storage", "bot.library", "bot.ingest"),
    "bot.ingest": ("discord", "bot.config", "bot.app", "bot.service", "bot.storage", "bot.library"),
    "bot.library": ("discord", "bot.config", "bot.app", "bot.service", "bot.storage"),
    "bot.storage": ("discord", "bot.config", "bot.app", "bot.service", "bot.library", "bot.ingest"),
    "bot.service": ("discord", "bot.config", "bot.app", "bot.cli"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> every module it imports (bot modules resolved to the deepest known name)."""
    files = {module_name(p): p for p in BOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in files else base)
        resolved = set()
        for target in targets:
            name = target
            while name and name not in files and name.startswith("bot"):
                name = name.rpartition(".")[0]
            resolved.add(name or target)
        graph[module] = {t for t in resolved if t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_import_graph_is_complete_enough_to_trust():
    graph = import_graph()
    assert "bot.app.client" in graph and "bot.app.answering" in graph["bot.app.client"]
    assert "discord" in graph["bot.app.client"]


def test_no_import_cycle_in_bot():
    assert cycles(import_graph()) == []


def test_a_cycle_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_lower_layers_never_import_what_sits_above_them():
    graph = import_graph()
    broken = [
        (module, target)
        for module, targets in graph.items()
        for package, forbidden in FORBIDDEN.items()
        if module == package or module.startswith(package + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    ]
    assert broken == []
