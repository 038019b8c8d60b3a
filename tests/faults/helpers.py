"""What the fault suite starts and breaks: an embedded PostgreSQL, a private Redis and
the site on granian, as `make run` serves it (tests/servers.py), with short
timeouts so the suite is quick."""

from pathlib import Path

from tests.servers import AppServer, Database, Redis, site_environment

PURPOSE = "faults"
# The site's timeouts in this suite (seconds): short, so the suite is quick.
READER_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2
CACHE_TIMEOUT = 0.25


def faults_database() -> Database:
    return Database(PURPOSE)


def faults_site(folder: Path, database: Database, redis: Redis) -> AppServer:
    environment = site_environment(
        folder,
        database_url=database.url,
        redis_url=redis.url,
        NEWSROOM_DB_READER_TIMEOUT=str(READER_TIMEOUT),
        NEWSROOM_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        NEWSROOM_CACHE_TIMEOUT=str(CACHE_TIMEOUT),
    )
    return AppServer("server", folder, environment)
