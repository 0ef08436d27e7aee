"""The shape of the code (issue #16), checked on every run: the domain stands under the dialog,
queries live in storage, and no room grows past what a newcomer can hold in their head."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
DOMAIN = ("tips", "meetings", "pledges", "calendar", "reports", "organisation", "people", "scams")
# What the runtime and the domain may not reach into.
RUNTIME = "bot.runtime"
HANDLERS = "handlers"
# Building SQL is storage's job; a type or an exception from SQLAlchemy is fine anywhere.
SQL_ALLOWED = {
    "AsyncSession",
    "AsyncConnection",
    "make_url",
    "StaleDataError",
    "InstrumentedAttribute",
    "IntegrityError",
    "OperationalError",
    "DBAPIError",
    "SQLAlchemyError",
}
SESSION_QUERY_METHODS = {"execute", "scalar", "scalars", "get", "stream", "stream_scalars"}


def _modules(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py") if ".venv" not in p.parts)


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _sql_built(path: Path) -> list[str]:
    """SQLAlchemy statement builders imported, and queries run on a session, in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"imports {a.name}" for a in node.names if a.name not in SQL_ALLOWED]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_QUERY_METHODS
            and isinstance(node.func.value, ast.Name | ast.Attribute)
            and (getattr(node.func.value, "id", None) or getattr(node.func.value, "attr", ""))
            == "session"
        ):
            found.append(f"session.{node.func.attr}() at line {node.lineno}")
    return found


def _is_domain(name: str) -> bool:
    return any(name == f"bot.{d}" or name.startswith(f"bot.{d}.") for d in DOMAIN)


@pytest.mark.parametrize("path", _modules("bot", "handlers", "storage"), ids=_name)
def test_no_module_grows_past_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{_name(path)} has {lines} lines: split it by what it does"


def test_the_domain_does_not_import_the_dialog_a_channel_or_a_handler() -> None:
    offenders = {
        _name(path): sorted(
            i for i in _imports(path) if i.startswith((RUNTIME, HANDLERS + ".")) or i == HANDLERS
        )
        for path in _modules("bot")
        if _is_domain(_name(path))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# Where the runtime is wired to the rest: the app hands the handlers' registry to the engine,
# the scheduler runs the domain's due jobs. Nothing else in the runtime knows a flow or a domain.
WIRING = {"bot.runtime.app", "bot.runtime.scheduler", "bot.runtime.__main__"}


def test_the_runtime_imports_no_handler_and_no_domain_package() -> None:
    offenders = {
        _name(path): sorted(i for i in _imports(path) if i.startswith(HANDLERS) or _is_domain(i))
        for path in _modules("bot/runtime")
        if _name(path) not in WIRING
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_sql_is_built_outside_storage() -> None:
    offenders = {_name(path): _sql_built(path) for path in _modules("bot", "handlers")}
    assert {k: v for k, v in offenders.items() if v} == {}


def _module_graph() -> dict[str, set[str]]:
    """Who imports whom among our modules, at the top or inside a function (an import hidden
    in a function still ties the two), leaving out imports only for type checking."""
    modules = {_name(p): p for p in _modules("bot", "handlers", "storage")}
    modules = {n: p for n, p in modules.items() if ".migrations." not in n}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for sub in ast.walk(node)
        }
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in modules:
                        found.add(full)
                    elif node.module in modules:
                        found.add(node.module)
        graph[name] = found - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_modules_import_each_other() -> None:
    assert _cycles(_module_graph()) == []


def test_a_cycle_is_found_where_there_is_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_handler_imports_another_handlers_private_names() -> None:
    offenders = {}
    for path in _modules("handlers"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handlers"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private and node.module != _name(path):
                    offenders[_name(path)] = private
    assert offenders == {}


def test_every_flow_step_says_what_it_stores_and_asks_next() -> None:
    from handlers import build_flows

    missing = [
        f"{type(flow).__module__}.{type(flow).__name__}.{name}"
        for flow in build_flows().flows.values()
        for name, step in inspect.getmembers(type(flow), inspect.isfunction)
        if (name == "begin" or name.startswith("on_")) and not (step.__doc__ or "").strip()
    ]
    assert missing == []


def test_only_the_wiring_knows_the_chat_flows() -> None:
    """The console, the CLIs and the domain call domain functions, never a chat flow's module:
    only what starts the bot (the app, the command line that runs it) builds the registry."""
    offenders = {
        _name(path): sorted(i for i in _imports(path) if i == HANDLERS or i.startswith("handlers."))
        for path in _modules("bot")
        if _name(path) not in {"bot.runtime.app", "bot.cli"}
    }
    assert {k: v for k, v in offenders.items() if v} == {}
