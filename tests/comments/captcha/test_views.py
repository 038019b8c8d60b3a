"""The CAPTCHA's own URLs (comments/captcha/views.py): image and refresh, and the
per-client limits on new codes and on wrong answers (through the comment form)."""

import io
import threading
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from comments.models import Comment
from tests.factories import (
    TOKEN_RE,
    captcha_key,
    filled_form,
    form_url,
    make_published_story,
)

# --- Image --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_image_is_large_enough_and_has_an_uncropped_2x_version(client):
    key = CaptchaStore.generate_key()

    one = client.get(reverse("captcha-image", kwargs={"key": key}))
    two = client.get(reverse("captcha-image-2x", kwargs={"key": key}))
    again = client.get(reverse("captcha-image", kwargs={"key": key}))

    assert one.status_code == 200
    assert one["Content-Type"] == "image/png"
    width_1x = Image.open(io.BytesIO(one.content)).size[0]
    width_2x = Image.open(io.BytesIO(two.content)).size[0]
    assert width_1x >= 150
    assert width_2x / width_1x > 1.7
    assert again.content == one.content
    assert "no-cache" in one["Cache-Control"]


@pytest.mark.django_db
def test_images_of_expired_keys_are_gone_and_of_unknown_keys_not_found(client):
    spent = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=spent).delete()
    expired = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=expired).update(
        expiration=timezone.now() - timedelta(minutes=1)
    )

    def status(key):
        return client.get(reverse("captcha-image", kwargs={"key": key})).status_code

    assert status(expired) == 410
    assert status(spent) == 404
    assert status("made_up_key") == 404


@pytest.mark.django_db
def test_probing_unknown_keys_is_limited_per_client(client, settings):
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 3
    settings.CAPTCHA_FLITE_PATH = "/bin/false"
    urls = [
        reverse("captcha-image", kwargs={"key": "unknown1"}),
        reverse("captcha-image-2x", kwargs={"key": "unknown2"}),
        reverse("captcha-audio", kwargs={"key": "unknown3"}),
        reverse("captcha-image", kwargs={"key": "unknown4"}),
    ]

    codes = [client.get(url).status_code for url in urls]
    other_client = client.get(urls[0], REMOTE_ADDR="198.51.100.9").status_code

    assert codes == [404, 404, 404, 429]
    assert other_client == 404


# --- Refresh ------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_with_javascript_returns_a_new_challenge(client):
    before = CaptchaStore.objects.count()

    response = client.get(
        reverse("captcha-refresh"), headers={"x-requested-with": "XMLHttpRequest"}
    )

    data = response.json()
    assert response.status_code == 200
    assert data["image_url"] == reverse("captcha-image", kwargs={"key": data["key"]})
    assert CaptchaStore.objects.filter(hashkey=data["key"]).exists()
    assert CaptchaStore.objects.count() == before + 1
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_refresh_without_the_xhr_header_is_404(client):
    """Pinned: a bare fetch() does not send X-Requested-With, so comments.js must."""
    assert client.get(reverse("captcha-refresh")).status_code == 404


@pytest.mark.django_db
def test_refresh_is_limited_per_client(client, settings):
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 3
    xhr = {"x-requested-with": "XMLHttpRequest"}

    codes = [
        client.get(reverse("captcha-refresh"), headers=xhr).status_code
        for _ in range(4)
    ]

    assert codes == [200, 200, 200, 429]


# --- One "new code" budget per client -----------------------------------------------


def get_form(client, story, **query):
    return client.get(form_url(story), query)


@pytest.mark.django_db
def test_every_way_of_getting_a_new_code_spends_one_budget_per_client(client, settings):
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 4
    story = make_published_story()
    xhr = {"x-requested-with": "XMLHttpRequest"}
    first = get_form(client, story)
    key = captcha_key(first.content.decode())

    allowed = [
        first.status_code,
        get_form(client, story, fragment="1").status_code,
        client.get(reverse("captcha-refresh"), headers=xhr).status_code,
        client.post(
            form_url(story), {"captcha_refresh": "1", "captcha_0": key}
        ).status_code,
    ]
    rows = CaptchaStore.objects.count()
    refused = [
        get_form(client, story),
        get_form(client, story, fragment="1"),
        client.get(reverse("captcha-refresh"), headers=xhr),
    ]

    assert allowed == [200] * 4
    assert [response.status_code for response in refused] == [429] * 3
    assert CaptchaStore.objects.count() == rows  # no row written past the budget
    for response in refused[:2]:
        html = response.content.decode()
        assert "many new CAPTCHA codes" in html
        assert 'name="captcha_0"' not in html
        assert response["Retry-After"] == str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)
    assert "many new CAPTCHA codes" in refused[2].content.decode()
    other_client = client.get(form_url(story), REMOTE_ADDR="198.51.100.9")
    assert other_client.status_code == 200


@pytest.mark.django_db
def test_changing_the_code_past_the_budget_keeps_the_readers_text(client, settings):
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 1
    story = make_published_story()
    key = captcha_key(get_form(client, story).content.decode())

    response = client.post(
        form_url(story),
        {
            "captcha_refresh": "1",
            "captcha_0": key,
            "name": "Ada",
            "email": "ada@example.org",
            "body": "My carefully typed comment.",
        },
    )
    html = response.content.decode()

    assert response.status_code == 429
    assert "My carefully typed comment." in html
    assert 'value="ada@example.org"' in html
    assert "Get a new CAPTCHA code" in html
    assert 'name="captcha_0"' not in html


@pytest.mark.django_db
def test_a_reader_can_refresh_a_few_times_within_the_default_budget(client):
    story = make_published_story()
    xhr = {"x-requested-with": "XMLHttpRequest"}

    codes = [get_form(client, story).status_code for _ in range(5)] + [
        client.get(reverse("captcha-refresh"), headers=xhr).status_code
        for _ in range(10)
    ]

    assert set(codes) == {200}


@pytest.mark.django_db(transaction=True)
def test_parallel_form_requests_mint_no_more_codes_than_the_budget(settings):
    """300 parallel GETs from one address used to write 300 rows."""
    settings.COMMENTS_THROTTLE_REFRESH_PER_IP = 10
    story = make_published_story()
    barrier = threading.Barrier(40)
    statuses = []

    def fetch():
        try:
            reader = Client()
            barrier.wait(timeout=10)
            statuses.append(reader.get(form_url(story), {"fragment": "1"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 10 + [429] * 30
    assert CaptchaStore.objects.count() == 10


# --- Wrong answers ------------------------------------------------------------------


def post_wrong_answer(client, story, **fields):
    html = client.get(form_url(story)).content.decode()
    data = filled_form(client, story, **fields)
    data["captcha_1"] = "WRONG"
    data["started"] = TOKEN_RE.search(html).group(1)
    return client.post(form_url(story), data)


@pytest.mark.django_db
def test_wrong_answers_are_limited_per_client_and_the_text_is_kept(client, settings):
    settings.COMMENTS_THROTTLE_WRONG_PER_IP = 3
    story = make_published_story()

    codes = [post_wrong_answer(client, story).status_code for _ in range(3)]
    limited = post_wrong_answer(client, story, body="Kept after too many guesses.")
    right = client.post(form_url(story), filled_form(client, story))
    other_reader = client.post(
        form_url(story), filled_form(client, story), REMOTE_ADDR="198.51.100.9"
    )

    assert codes == [400, 400, 400]
    assert limited.status_code == 429
    assert "Too many wrong answers" in limited.content.decode()
    assert "Kept after too many guesses." in limited.content.decode()
    assert limited["Retry-After"] == str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)
    # Past the limit no answer is checked, not even a right one.
    assert right.status_code == 429
    assert other_reader.status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_a_reader_can_get_the_code_wrong_a_few_times(client):
    story = make_published_story()

    codes = [post_wrong_answer(client, story).status_code for _ in range(5)]
    right = client.post(form_url(story), filled_form(client, story))

    assert codes == [400] * 5
    assert right.status_code == 302


@pytest.mark.django_db
def test_a_missing_answer_is_not_counted_as_a_wrong_one(client, settings):
    settings.COMMENTS_THROTTLE_WRONG_PER_IP = 1
    story = make_published_story()

    codes = [
        client.post(
            form_url(story), filled_form(client, story, captcha_1="")
        ).status_code
        for _ in range(3)
    ]

    assert codes == [400] * 3
    assert client.post(form_url(story), filled_form(client, story)).status_code == 302
