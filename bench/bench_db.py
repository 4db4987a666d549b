"""What every benchmark does first: its own PostgreSQL database, dropped and made anew."""

from __future__ import annotations


def recreate_database(url: str) -> None:
    """Drop (forcing out any session left from an earlier run) and create the database of
    ``url``, through the server's ``postgres`` database."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
