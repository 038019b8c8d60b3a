"""Uploads on an S3-compatible object store (the cluster's moto bucket): an editor's
lead image sent to one app server lands in the bucket, the task worker makes its
renditions there, and pages through nginx link them at public, unsigned addresses."""

import re
import urllib.request
from io import BytesIO

import pytest
from PIL import Image

from tests.clients import get
from tests.servers import wait_until

pytestmark = pytest.mark.cluster

SIGNED = ("X-Amz-", "Signature=", "AWSAccessKeyId", "Expires=")


def png(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def width_of(data: bytes) -> int:
    with Image.open(BytesIO(data)) as picture:
        return picture.width


def test_an_upload_through_b_lands_in_the_bucket_and_the_worker_makes_renditions(
    cluster,
):
    b, bucket = cluster.b, cluster.bucket
    image = png(1000, 500)
    editor = cluster.staff("editor", b.base)
    saved = cluster.edit_story(
        editor,
        b.base,
        files={"lead_image": ("harbour-at-dawn.png", "image/png", image)},
        lead_image_alt="The harbour at dawn",
    )
    assert saved.status == 302, saved.text
    [(name,)] = cluster.primary.query(
        "SELECT lead_image FROM articles_story WHERE id = %s", cluster.story_id
    )
    assert re.fullmatch(r"stories/\d{4}/\d{2}/harbour-at-dawn\w*\.png", name), name
    assert bucket.read(name) == image

    stem = name.removesuffix(".png")
    renditions = [f"renditions/{stem}-480w.png", f"renditions/{stem}-800w.png"]
    wait_until(
        lambda: set(renditions) <= set(bucket.names()),
        30,
        "no renditions in the bucket",
    )
    assert [width_of(bucket.read(key)) for key in renditions] == [480, 800]
    # Made by the worker: the task's result names the worker that ran it.
    [(status, workers)] = cluster.primary.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE %s AND args_kwargs -> 'args' ->> 1 = %s",
        "%make_renditions",
        name,
    )
    assert status == "SUCCESSFUL" and workers

    # Readers' pages (through nginx) offer them, at the bucket's public addresses.
    addresses = [f"{bucket.public_url}/{key}" for key in (*renditions, name)]

    def page_links_them() -> bool:
        status, _, page = get(cluster.nginx.base + cluster.story_url)
        return status == 200 and all(a.encode() in page for a in addresses)

    wait_until(page_links_them, 10, "the story page does not offer the renditions")
    _, _, page = get(cluster.nginx.base + cluster.story_url)
    assert not any(mark.encode() in page for mark in SIGNED)
    with urllib.request.urlopen(addresses[0], timeout=10) as response:  # no key
        assert width_of(response.read()) == 480
