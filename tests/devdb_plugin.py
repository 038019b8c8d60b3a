"""pytest plugin: provide DATABASE_URL before pytest-django reads the settings.

DATABASE_URL if set (CI), else the embedded test server, stopped at the end if this
run started it. pytest-django then creates and drops its own test_newsroom database.
"""

import pytest

from newsroom import devdb

_started = False


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _started
    try:
        _, _started = devdb.ensure_database_url("test")
    except devdb.DevDBError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_unconfigure(config):
    if _started:
        devdb.stop("test")
