import json

import pytest
from django.db import connection

from tests.conftest import S3_KEYS, use_media_store


@pytest.mark.django_db
def test_healthz_reports_each_dependency_as_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_does_not(client, free_port):
    # A real connection attempt to a port where no server listens.
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "down",
        "database": "unavailable",
        "cache": "ok",
    }


@pytest.mark.django_db
def test_healthz_says_degraded_but_serving_without_the_cache(client, dead_redis):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "cache": "unavailable",
    }


@pytest.mark.django_db
def test_healthz_reports_the_media_store_when_uploads_go_to_one(client, s3_media):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "media": "ok",
    }


@pytest.mark.django_db
def test_healthz_says_degraded_but_serving_without_the_media_store(
    client, dead_media_store
):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "cache": "ok",
        "media": "unavailable",
    }


@pytest.mark.django_db
def test_healthz_reports_a_bucket_that_does_not_exist_as_unavailable(
    client, settings, s3_server, caplog
):
    use_media_store(
        settings, bucket="no-such-bucket", endpoint_url=s3_server, **S3_KEYS
    )

    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content)["media"] == "unavailable"
    assert "the bucket “no-such-bucket” does not exist" in caplog.text
