"""The dependency rule: routes -> services -> {pure domain, models, core}.

Pure modules import only the standard library (and other pure modules); routes never touch
the ORM directly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "portal"
PURE_MODULES = [
    "portal/proposals/domain.py",
    "portal/proposals/gamification.py",
    "portal/core/auditchain.py",
    "portal/core/agencies.py",
    "portal/core/workdays.py",
    "portal/accounts/nik.py",
    "portal/accounts/identity.py",
    "portal/panels/scoring.py",
    "portal/panels/domain.py",
    "portal/panels/csv_import.py",
    "portal/panels/deadlines.py",
    "portal/voting/tally.py",
    "portal/voting/pabulib.py",
    "portal/voting/domain.py",
    "portal/voting/ballot_rules.py",
    "portal/voting/mes_stability.py",
    "portal/voting/budget_classes.py",
    "portal/voting/mes_intervals.py",
    "portal/notifications/domain.py",
    "portal/council/domain.py",
    "portal/programmes/domain.py",
    "portal/feeds/atom.py",
    "portal/opendata/fields.py",
]
# Third-party libraries a pure module may use: they do no I/O and hold no state (holidays'
# calendars; numpy counts and moves the tally's integer budget classes at C speed; numba
# compiles the float-interval MES run that Add1 tries first).
PURE_ALLOWED_THIRD_PARTY = {"holidays", "numpy", "numba"}
WEB_AND_ORM = ("starlette", "tortoise", "jinja2", "httpx", "uvicorn")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_no_web_or_orm(module: str) -> None:
    path = ROOT.parent / module
    if not path.exists():
        pytest.skip(f"{module} not written yet")
    pure = {m.removesuffix(".py").replace("/", ".") for m in PURE_MODULES}
    import sys

    for name in _imports(path):
        top = name.split(".")[0]
        if top == "portal":
            assert name in pure or name == "portal", f"{module} imports impure {name}"
        elif top not in sys.stdlib_module_names:
            assert top in PURE_ALLOWED_THIRD_PARTY, f"{module} imports third-party {name}"
        assert not name.startswith(WEB_AND_ORM), f"{module} imports {name}"


ROUTE_FILES = sorted(p for p in ROOT.rglob("*routes.py"))


@pytest.mark.parametrize("path", ROUTE_FILES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_routes_do_not_touch_the_orm(path: Path) -> None:
    for name in _imports(path):
        assert not name.startswith("tortoise"), f"{path.name} imports {name}"
        assert not name.endswith(".models"), f"{path.name} imports {name}"


def test_models_do_not_import_services_or_routes() -> None:
    for path in ROOT.rglob("models.py"):
        for name in _imports(path):
            assert not name.endswith((".services", ".routes")), f"{path} imports {name}"


def test_model_docstrings_are_safe_table_comments() -> None:
    """Tortoise turns model docstrings into SQL table comments; a ';' splits the statement."""
    for path in ROOT.rglob("models.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                doc = (ast.get_docstring(node) or "").split("\n")[0]  # tortoise keeps the first line
                assert ";" not in doc and "`" not in doc, f"{path.name}: {node.name}"
