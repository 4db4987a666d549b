"""A Dramatiq worker thread keeps its database connection from one job to the next: each job
opened one and closed it, a PostgreSQL process and a few round trips for every reminder."""

from __future__ import annotations

import pytest
from django.db import connections

from scheduler.adapters.broker import DbConnectionsBetweenJobs

# Outside a test transaction: a connection in one is never really closed.
pytestmark = pytest.mark.django_db(transaction=True)


def _job() -> object:
    connection = connections["default"]
    connection.ensure_connection()
    return connection.connection


def test_a_worker_thread_keeps_its_connection_after_a_job_that_succeeded() -> None:
    first = _job()
    DbConnectionsBetweenJobs().after_process_message(None, None, exception=None)

    assert _job() is first


def test_a_failed_job_closes_it_and_so_does_the_threads_end() -> None:
    middleware = DbConnectionsBetweenJobs()
    first = _job()
    middleware.after_process_message(None, None, exception=RuntimeError("the database went away"))
    second = _job()
    middleware.before_worker_thread_shutdown(None, None)

    assert second is not first
    assert connections["default"].connection is None
