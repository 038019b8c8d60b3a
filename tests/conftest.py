import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploads to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def free_port() -> int:
    """A loopback TCP port nothing listens on (the kernel just handed it out)."""
    return servers.free_port()


@pytest.fixture(scope="session")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """DATABASE_URL of pytest-django's test database, for processes the tests start."""
    from django.db import connection

    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
    user = urllib.parse.quote(settings_dict["USER"] or "")
    if password := settings_dict.get("PASSWORD"):
        user = f"{user}:{urllib.parse.quote(password)}"
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def page_cache(settings):
    """The page cache on, with empty caches (tests otherwise run with it off:
    factories write without committing, so no stamp would move)."""
    from django.core.cache import caches

    from newsroom.cache import CacheUnavailable

    settings.PAGE_CACHE_SECONDS = 600
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        with contextlib.suppress(CacheUnavailable):  # a test may have broken it
            caches[alias].clear()


@pytest.fixture(autouse=True)
def _dependencies_start_healthy():
    """A test that breaks the database or the cache leaves no resting state behind
    (newsroom/outages.py, newsroom/cache.py)."""
    from newsroom import cache, outages

    yield
    outages._resting_until = 0.0
    cache._resting_until.clear()


@pytest.fixture
def dead_redis(settings, free_port):
    """Both caches pointed at a Redis port where nothing listens: the real client
    gets a real refused connection."""
    from django.core.cache import caches

    settings.CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.FailFastRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        for alias in ("default", "pages")
    }
    for alias in ("default", "pages"):
        caches[alias].close()
    yield
    for alias in ("default", "pages"):
        caches[alias].close()


# --- Media on an S3-compatible object store (newsroom/storage.py) --------------------

S3_KEYS = {"access_key": "newsroom-test", "secret_key": "newsroom-test-secret"}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> str:
    """A real S3-compatible server for the whole run: moto in server mode on a free
    loopback port (a dev dependency). Its address."""
    port = servers.free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    command = [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "-p", str(port)], stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto_server did not start:\n{log.read_text()}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@dataclass
class Bucket:
    name: str
    client: object  # a boto3 S3 client of the test's own, to look inside
    public_url: str  # the address images are served from

    def names(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def remove(self) -> None:
        """Emptied and deleted."""
        for key in self.names():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)


def public_read_policy(bucket: str) -> str:
    import json

    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def use_media_store(settings, **options) -> None:
    """Uploads go where `options` (newsroom.storage.s3_storage's) say from now on:
    changing STORAGES makes Django drop its storage instances (setting_changed)."""
    from newsroom.storage import s3_storage

    settings.STORAGES = settings.STORAGES | {"default": s3_storage(**options)}


@pytest.fixture
def s3_client(s3_server):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
    )


@pytest.fixture
def s3_media(settings, s3_server, s3_client) -> Bucket:
    """Uploads go to a new, empty bucket on the test S3 server, configured as
    production would be; the bucket is emptied and removed afterwards."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    # Public for reading, as docs/operations.md asks (pages link unsigned addresses).
    s3_client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    use_media_store(settings, bucket=name, endpoint_url=s3_server, **S3_KEYS)
    bucket = Bucket(name, s3_client, f"{s3_server}/{name}")
    yield bucket
    bucket.remove()


@pytest.fixture
def dead_media_store(settings, free_port) -> str:
    """Uploads go to an S3 address where nothing listens (a store that is down):
    the real client gets a real refused connection. The address."""
    address = f"http://127.0.0.1:{free_port}"
    use_media_store(settings, bucket="newsroom-media", endpoint_url=address, **S3_KEYS)
    return f"{address}/newsroom-media"


# Property-based tests (hypothesis): a few examples in a developer's run, 2,000 per
# test in `make test-properties` (CI), 20,000 in `make fuzz`.
def _hypothesis_profiles() -> None:
    from hypothesis import HealthCheck, settings

    common = {
        "deadline": None,  # real PostgreSQL: time is not the property under test
        "suppress_health_check": [HealthCheck.function_scoped_fixture],
        "derandomize": False,
    }
    settings.register_profile("dev", max_examples=100, **common)
    settings.register_profile("ci", max_examples=2_000, **common)
    settings.register_profile("fuzz", max_examples=20_000, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


_hypothesis_profiles()
