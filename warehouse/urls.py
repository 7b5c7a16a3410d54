"""Warehouse URLs without their secrets: masked for display, completed with a password at connect time.

A password never needs to travel inside a URL: give it in ``GONGKAI_WAREHOUSE_PASSWORD``,
in a Prefect Secret block named by ``GONGKAI_WAREHOUSE_PASSWORD_BLOCK``, or in libpq's
own ``PGPASSWORD`` / ``~/.pgpass`` (psycopg reads those itself). Whatever is shown,
logged or stored (CLI output, run summaries, artifacts, flow-run parameters) goes
through ``mask_url`` first; ``strip_password`` moves a password given in a URL on
the command line into this process's environment, so it reaches the engine and
nothing else.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_PASSWORD = "GONGKAI_WAREHOUSE_PASSWORD"
ENV_PASSWORD_BLOCK = "GONGKAI_WAREHOUSE_PASSWORD_BLOCK"
MASK = "***"

# scheme://user:password@host — for text that is not a parseable URL (an error message, say).
_USERINFO = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/:@\s]*):(?P<password>[^@\s]*)@", re.IGNORECASE)


def mask_url(url: str | URL | None) -> str:
    """``url`` for people and logs: the password, if any, replaced by ``***``."""
    if url is None:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return mask_text(str(url))


def mask_text(text: str) -> str:
    """Any ``scheme://user:password@`` inside free text (an exception message, a log line) masked."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:{MASK}@", text)


def strip_password(url: str, environ: MutableMapping[str, str] | None = None) -> str:
    """``url`` without its password, which moves to ``GONGKAI_WAREHOUSE_PASSWORD`` in ``environ``.

    For the CLI: the URL then travels as a flow parameter (stored by Prefect) with no
    secret in it, and ``with_password`` puts the password back when the engine is made.
    """
    environ = os.environ if environ is None else environ
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url
    if parsed.password is None:
        return url
    environ[ENV_PASSWORD] = str(parsed.password)
    return parsed._replace(password=None).render_as_string(hide_password=False)


def with_password(url: str | URL, environ: MutableMapping[str, str] | None = None) -> URL:
    """``url`` with the password from the environment or a Prefect Secret block, if it has none.

    A URL that names its own password keeps it; one without a user is left as is
    (DuckDB files, or libpq's defaults).
    """
    environ = os.environ if environ is None else environ
    parsed = make_url(url)
    if parsed.password is not None or parsed.username is None:
        return parsed
    password = environ.get(ENV_PASSWORD)
    if not password and environ.get(ENV_PASSWORD_BLOCK):
        from prefect.blocks.system import Secret

        password = str(Secret.load(environ[ENV_PASSWORD_BLOCK]).get())
    return parsed.set(password=password) if password else parsed
