"""Imports go one way: handlers → features → infrastructure → storage → kernel.

Every module of bot/, handlers/ and storage/ is read (not imported) and each of its imports,
those inside functions too, is checked against the layer it may reach:

- the composition root (``bot.cli``, ``bot.factory``…) may import anything;
- ``handlers`` (Telegram's front end) import features and everything below, never the root;
- a feature (``bot.survey360``, ``bot.quarterly``, ``bot.legacy2018``…: its services,
  screens, notices and files) imports other features and everything below, never handlers;
- ``bot.infra`` (the outbox transport, the inbox, middlewares, i18n, the PDF kit) knows no
  feature: notices reach it through a registry (bot/infra/notices.py);
- ``storage`` imports only the kernel;
- the kernel (``bot.kernel`` and every feature's pure rules, ``rules.py`` / ``*_rules.py``)
  imports only the kernel, and neither aiogram, SQLAlchemy nor Redis.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")
COMPOSITION_ROOT = frozenset({"bot", "bot.__main__", "bot.cli", "bot.factory"})
FRAMEWORKS = ("aiogram", "sqlalchemy", "redis", "apscheduler", "alembic")
# Which layers each layer may import; a layer lower in the list never reaches a higher one.
MAY_IMPORT = {
    "root": {"root", "handlers", "feature", "infra", "storage", "kernel", "data"},
    "handlers": {"handlers", "feature", "infra", "storage", "kernel", "data"},
    "feature": {"feature", "infra", "storage", "kernel", "data"},
    "infra": {"infra", "storage", "kernel", "data"},
    "storage": {"storage", "kernel", "data"},
    "kernel": {"kernel", "data"},
    "data": set(),
}


def layer(module: str) -> str:
    if module in COMPOSITION_ROOT:
        return "root"
    parts = module.split(".")
    if parts[0] == "handlers":
        return "handlers"
    if parts[0] == "storage":
        return "storage"
    if len(parts) >= 2 and parts[1] == "kernel":
        return "kernel"
    if len(parts) >= 2 and parts[1] == "methodology":
        return "data"  # the methodology's JSON files, read as package data
    if len(parts) >= 2 and parts[1] == "infra":
        return "infra"
    if parts[-1] == "rules" or parts[-1].endswith("_rules"):
        return "kernel"  # a feature's pure rules
    return "feature"


@dataclass(frozen=True)
class Violation:
    module: str
    imported: str
    line: int

    def __str__(self) -> str:
        target = layer(self.imported) if self.imported.split(".")[0] in PACKAGES else "framework"
        return f"{self.module}:{self.line} imports {self.imported} ({layer(self.module)} → {target})"


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imports_of(source: str, module: str, known: Iterable[str]) -> Iterator[tuple[str, int]]:
    """(module imported, line) for each import of ``source``; ``from package import name``
    counts as importing ``package.name`` when that is a module."""
    modules = set(known)
    package = module if module in modules and _is_package(module, modules) else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in modules else base), node.lineno


def _is_package(module: str, modules: set[str]) -> bool:
    return any(other.startswith(module + ".") for other in modules)


def violations(modules: dict[str, str]) -> list[Violation]:
    """Every import against the direction, in ``modules`` (name → source)."""
    found = []
    for module, source in modules.items():
        own = layer(module)
        for imported, line in imports_of(source, module, modules):
            top = imported.split(".")[0]
            if top in PACKAGES:
                if layer(imported) not in MAY_IMPORT[own]:
                    found.append(Violation(module, imported, line))
            elif own == "kernel" and top in FRAMEWORKS:
                found.append(Violation(module, imported, line))
    return found


def test_imports_go_one_way() -> None:
    sources = {name: path.read_text(encoding="utf-8") for name, path in project_modules().items()}
    assert [str(v) for v in violations(sources)] == []


def test_nothing_stands_loose_in_bot() -> None:
    """Every module of bot/ but the composition root is in the kernel, the infrastructure or
    a feature's folder."""
    modules = set(project_modules())
    loose = {
        name
        for name in modules
        if name.count(".") == 1
        and name.startswith("bot.")
        and not _is_package(name, modules)
        and layer(name) != "data"
    }
    assert loose <= COMPOSITION_ROOT


def test_an_import_against_the_direction_is_caught() -> None:
    """The check itself: each kind of wrong import is reported, and the right ones are not."""
    modules = {
        "storage.things": "from bot.survey360.screens import render\n",  # storage → a screen
        "bot.kernel.money": "import aiogram\nfrom storage.db import x\n",  # kernel → framework, storage
        "bot.infra.outbox": "from bot.survey360 import notices\n",  # infra → a feature
        "bot.survey360.screens": "def f():\n    from handlers.common import y\n",  # feature → handlers
        "bot.survey360.notices": "from bot.survey360.screens import render\nfrom bot.infra.notices import notice\n",
        "bot.quarterly.rules": "from bot.kernel.workdays import WorkCalendar\n",
        "handlers.common": "from bot.factory import create_bot\n",  # handlers → the root
        "bot.survey360": "",
        "bot.kernel.workdays": "",
        "bot.infra.notices": "",
        "storage.db": "",
        "bot.factory": "",
    }
    assert sorted(str(v) for v in violations(modules)) == sorted(
        [
            "storage.things:1 imports bot.survey360.screens (storage → feature)",
            "bot.kernel.money:1 imports aiogram (kernel → framework)",
            "bot.kernel.money:2 imports storage.db (kernel → storage)",
            "bot.infra.outbox:1 imports bot.survey360.notices (infra → feature)",
            "bot.survey360.screens:2 imports handlers.common (feature → handlers)",
            "handlers.common:1 imports bot.factory (handlers → root)",
        ]
    )
