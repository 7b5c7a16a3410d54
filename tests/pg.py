"""A private PostgreSQL schema per test, for the tests that run against a real server.

``.ci/run`` starts a throwaway server and sets ``GONGKAI_TEST_POSTGRES_URL``; without
it these tests are skipped with that reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

POSTGRES_ENV = "GONGKAI_TEST_POSTGRES_URL"


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped with everything in it afterwards."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} not set (.ci/run starts a server and sets it, "
                    "e.g. postgresql+psycopg://postgres@127.0.0.1:55432/gongkai_test)")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
