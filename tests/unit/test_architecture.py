"""The dependency rule, checked on the source: the domain imports nothing but itself and the
standard library; the services add only themselves on top of the domain."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import scheduler

PACKAGE = Path(scheduler.__file__).parent


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of the file."""
    package = ".".join(("scheduler", *path.relative_to(PACKAGE).parent.parts))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            else:
                assert node.module is not None
                names.add(node.module)
    return names


def is_stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_the_domain_depends_on_nothing_but_itself_and_the_standard_library(path: Path) -> None:
    foreign = {
        name
        for name in imported(path)
        if not is_stdlib(name) and not within(name, "scheduler.domain")
    }
    assert not foreign, f"{path.name} imports {sorted(foreign)}"


@pytest.mark.parametrize("path", modules("services"), ids=lambda p: p.name)
def test_the_services_depend_only_on_the_domain(path: Path) -> None:
    foreign = {
        name
        for name in imported(path)
        if not is_stdlib(name) and not within(name, "scheduler.domain", "scheduler.services")
    }
    assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_layers_are_where_the_tests_look() -> None:
    names = {p.name for p in modules("domain")}
    assert {"availability.py", "appointment.py", "rules.py", "access.py"} <= names
    assert {"handlers.py", "unit_of_work.py"} <= {p.name for p in modules("services")}


def test_the_import_reader_sees_what_it_should(tmp_path: Path) -> None:
    sample = PACKAGE / "domain" / "availability.py"
    names = imported(sample)
    assert "zoneinfo" in names
    assert "scheduler.domain.rules" in names
    assert not is_stdlib("django")
    assert within("scheduler.domain.rules", "scheduler.domain")
    assert not within("scheduler.domainx", "scheduler.domain")
