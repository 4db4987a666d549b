"""Captured SQL as it ran: a prepared read's EXECUTE (with, on its first run on a connection,
the PREPARE before it) read as the statement it names, its arguments in place of the markers
where the capture has them (Django's query log does; an execute wrapper sees markers)."""

from __future__ import annotations

import re

from scheduler.adapters.orm import prepared

_EXECUTE = re.compile(r"(?:PREPARE \w+ AS .*; )?EXECUTE (\w+)\((.*)\)\Z", re.DOTALL)
# One argument as psycopg writes it into the SQL: a quoted literal with its cast, or a bare word.
_ARGUMENT = re.compile(r"'(?:[^']|'')*'(?:::\w+)?|[^,\s][^,]*")


def as_run(sql: str) -> str:
    found = _EXECUTE.match(sql)
    if found is None:
        return sql
    statement = prepared.statement(found[1])
    assert statement is not None, f"not a prepared read: {sql}"
    arguments = iter(_ARGUMENT.findall(found[2]))
    return re.sub("%s", lambda _: next(arguments, "%s"), statement)
