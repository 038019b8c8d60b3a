"""Queries per request, counted in-process with Django's test client (bench/probe.py
for the site, bench/peer/probe.py for the stock peer)."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.I)


def count(client: Client, method: str, url: str, **kwargs) -> dict:
    """Status, statements run (BEGIN and COMMIT included) and how many write."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, **kwargs)
    sql = [q["sql"] for q in captured]
    return {
        "status": response.status_code,
        "queries": len(sql),
        "writes": sum(bool(WRITES.match(s)) for s in sql),
    }
