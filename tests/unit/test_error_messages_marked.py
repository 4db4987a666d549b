"""A refusal's message is said in the reader's language: every message a domain error is raised
with in the code is marked for translation (gettext_noop), so the catalogs carry it. An unmarked
one reaches a Persian page in English."""

from __future__ import annotations

import ast
from pathlib import Path

import scheduler
from scheduler.domain import errors

SOURCE = Path(scheduler.__file__).parent


def _error_names() -> set[str]:
    found: set[str] = set()
    todo: list[type] = [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def test_every_domain_error_is_raised_with_a_marked_message() -> None:
    names = _error_names()
    unmarked = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            called = node.exc.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            given = node.exc.args[:1]
            if name in names and given and isinstance(given[0], ast.Constant | ast.JoinedStr):
                unmarked.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert unmarked == [], "\n".join(unmarked)
