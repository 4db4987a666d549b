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


# -- where rows are written ----------------------------------------------------------------------

# Writes through a manager or a queryset (``X.objects...create()``, ``...filter().update()``).
QUERY_WRITES = frozenset(
    {
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "create_user",
        "create_superuser",
        "update",
        "delete",
    }
)
# Writes on a row or a related manager (``row.save()``, ``doctor.clinics.add(...)``).
ROW_WRITES = frozenset({"save", "delete"})
RELATION_WRITES = frozenset({"add", "set", "remove", "clear"})

# The modules that keep rows: the repositories behind the unit of work, and the adapters' own
# bookkeeping (the outbox's delivery state, the notification log, calendar sync state, the
# audit trail).
ROW_KEEPERS = {
    "adapters/orm/repositories.py",
    "adapters/orm/accounts.py",
    "adapters/orm/calendar_feeds.py",
    # Reviews, and the doctors' ratings recounted from them in the same unit of work.
    "adapters/orm/reviews.py",
    "adapters/orm/unit_of_work.py",
    "adapters/orm/waitlist.py",
    # The search's read model, derived from the rows above and rebuilt from them at will.
    "adapters/orm/directory.py",
    "adapters/outbox.py",
    "adapters/gcal/busy_blocks.py",
    "adapters/gcal/choices.py",
    "adapters/gcal/connections.py",
    "adapters/gcal/watch.py",
    "adapters/notify/scheduling.py",
    "adapters/notify/delivery.py",
    # An offer marked told as its message goes, as delivery marks a notification sent.
    "adapters/waitlist/telling.py",
    # The audit trail: entries only ever added (in a unit of work's commit, or as a read).
    "adapters/audit/log.py",
    # Photo files (Pillow's and the storage's save and delete, no rows), for the accounts'
    # repository alone.
    "adapters/photos.py",
    # Appointments' documents: their rows (the repository), and their files (the storage's
    # save and delete) for the documents' handlers alone.
    "adapters/orm/documents.py",
    "adapters/documents.py",
    # Clinics, specialties and staff accounts have no use case yet (an admin makes them in the
    # admin); the demo makes its own, and everything else through commands.
    "entrypoints/demo_seed.py",
}


def orm_writes(path: Path) -> list[str]:
    """Calls in ``path`` that look like ORM writes, as "line: code"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        chain = ast.unparse(receiver)
        if chain.startswith("uow."):
            continue  # a repository of the unit of work: the port, not the rows
        through_manager = method in QUERY_WRITES and ".objects" in f".{chain}"
        on_row = method in ROW_WRITES and isinstance(receiver, ast.Name | ast.Attribute)
        on_relation = (
            method in RELATION_WRITES
            and isinstance(receiver, ast.Attribute)
            and (chain.split(".")[-1] in {"clinics", "feeds", "doctors", "groups"})
        )
        if through_manager or on_row or on_relation:
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rows_are_written_only_where_rows_are_kept(path: Path) -> None:
    name = path.relative_to(PACKAGE).as_posix()
    if name in ROW_KEEPERS:
        return
    assert not orm_writes(path), f"{name} writes rows: {orm_writes(path)}"


def test_the_write_finder_finds_writes(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "rows.User.objects.create_user(username='x')\n"
        "Feed.objects.filter(pk=1).update(gone=True)\n"
        "row.save()\n"
        "doctor.clinics.add(clinic)\n"
        "seen.update(more)\n"
        "days.add(day)\n"
        "self.initial.update(values)\n"
        "uow.schedules.save(schedule)\n",
        encoding="utf-8",
    )
    assert [line.split(":")[0] for line in orm_writes(sample)] == ["1", "2", "3", "4"]
    for keeper in ROW_KEEPERS:
        assert (PACKAGE / keeper).exists(), keeper


def test_a_unit_of_work_is_built_only_by_the_composition_root() -> None:
    builders = {
        path.relative_to(PACKAGE).as_posix()
        for path in source_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and ast.unparse(node.func).split(".")[-1] in {"DjangoUnitOfWork", "MessageBus"}
    }
    assert builders == {"config/bootstrap.py"}


def test_no_page_or_handler_is_registered_over_another() -> None:
    """Unregistering another module's admin page works only if that module was imported first:
    an order of INSTALLED_APPS no one should have to keep in mind."""
    offenders = [
        path.relative_to(PACKAGE).as_posix()
        for path in source_files()
        if "admin.site.unregister" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
