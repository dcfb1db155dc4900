"""The package's shape: rooms import only downward, only render/ imports rich, only cli/ imports click, engine/
imports only ops/. Read from the source with `ast`, every import counted, those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "diffcheck"
# Lower rooms never import higher ones; rooms on one level do not import each other. `defaults`, `errors` and `exact` sit
# below every room (they import nothing of diffcheck's at run time).
LEVELS = [
    {"defaults", "errors", "exact"},
    {"ops"},
    {"engine"},
    {"lang"},
    {"symbolic"},
    {"engines"},
    {"check"},
    {"snippet", "batch", "fuzz", "testing"},
    {"render"},
    {"cli", "pytest_plugin"},
    {"__main__"},
]
LEVEL = {room: level for level, rooms in enumerate(LEVELS) for room in rooms}
ONLY_IMPORTED_BY = {"rich": "render", "click": "cli"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        package = parts if path.name == "__init__.py" else parts[:-1]
        yield path, parts[1] if len(parts) > 1 else "__init__", package


def _runtime_imports(tree: ast.Module):
    """Every import statement outside `if TYPE_CHECKING:` blocks."""
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def _targets(node, package: tuple[str, ...]) -> list[str]:
    """The modules an import statement names, as dotted paths."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module]
    base = list(package[: len(package) - node.level + 1])
    if node.module:
        return [".".join(base + [node.module])]
    return [".".join(base + [alias.name]) for alias in node.names]


IMPORTS = [
    (path.relative_to(PACKAGE.parent).as_posix(), room, target)
    for path, room, package in _modules()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    for target in _targets(node, package)
]


def test_every_room_has_a_level():
    rooms = {room for _, room, _ in _modules()} - {"__init__"}
    assert rooms <= set(LEVEL), f"rooms without a level in LEVELS: {sorted(rooms - set(LEVEL))}"


@pytest.mark.parametrize("library", sorted(ONLY_IMPORTED_BY))
def test_only_one_room_imports(library):
    offenders = sorted(
        {
            where
            for where, room, target in IMPORTS
            if target.split(".")[0] == library and room != ONLY_IMPORTED_BY[library]
        }
    )
    assert offenders == [], f"{library} is imported outside {ONLY_IMPORTED_BY[library]}/"


def test_rooms_import_only_downward():
    upward = sorted(
        {
            f"{where} imports {target}"
            for where, room, target in IMPORTS
            if target.startswith("diffcheck.")
            and room in LEVEL
            and (other := target.split(".")[1]) in LEVEL
            and other != room
            and LEVEL[other] >= LEVEL[room]
        }
    )
    assert upward == []


def test_engine_imports_only_ops():
    allowed = {"diffcheck.ops", "diffcheck.engine"}
    outside = sorted(
        {
            f"{where} imports {target}"
            for where, room, target in IMPORTS
            if room == "engine" and target.startswith("diffcheck") and ".".join(target.split(".")[:2]) not in allowed
        }
    )
    assert outside == []


def test_the_rules_see_an_upward_import():
    """The checks read real imports: a relative import two levels up resolves to its room."""
    node = ast.parse("from ..render.check import check_table").body[0]
    assert _targets(node, ("diffcheck", "check")) == ["diffcheck.render.check"]
    node = ast.parse("from .. import engine, ops").body[0]
    assert _targets(node, ("diffcheck", "check")) == ["diffcheck.engine", "diffcheck.ops"]
