"""The CAPTCHA: challenge, one-time consume (also under concurrency), image,
spoken version, refresh, routing and clean-up."""

import io
import os
import random
import re
import shutil
import threading
import wave
from datetime import timedelta

import captcha.conf.settings as captcha_settings
import pytest
from captcha.models import CaptchaStore
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, router
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from comments.captcha.checks import spoken_captcha_available
from comments.captcha.field import AtomicCaptchaField, secure_challenge
from comments.models import Comment
from tests.factories import (
    TOKEN_RE,
    captcha_key,
    filled_form,
    form_url,
    make_published_story,
    solution,
)

FLITE = shutil.which("flite")


def require_flite() -> str:
    """Audio tests fail in CI without flite (CI must install it), skip elsewhere."""
    if FLITE:
        return FLITE
    if os.environ.get("CI"):
        pytest.fail("flite is missing: CI must install it (make os-packages)")
    pytest.skip("flite is not installed here (make os-packages installs it)")


def failing_program(tmp_path) -> str:
    script = tmp_path / "flite-that-fails"
    script.write_text("#!/bin/sh\necho 'synthesiser broke' >&2\nexit 1\n")
    script.chmod(0o755)
    return str(script)


def clean(key, answer):
    return AtomicCaptchaField().clean([key, answer])


# --- Challenge -------------------------------------------------------------------


def test_challenges_use_six_letters_of_an_unambiguous_alphabet():
    shown, answer = secure_challenge()

    assert re.fullmatch(r"[AEFHKMRWXY]{6}", shown)
    assert answer == shown.lower()


def test_challenges_do_not_come_from_the_global_random_generator():
    random.seed(0)
    first = [secure_challenge() for _ in range(3)]
    random.seed(0)
    second = [secure_challenge() for _ in range(3)]

    assert first != second


def test_production_settings_never_enable_test_mode():
    assert captcha_settings.CAPTCHA_TEST_MODE is False
    assert captcha_settings.CAPTCHA_TIMEOUT == 20


# --- Consuming a key ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_correct_answer_in_any_case_passes_once_and_spends_the_key():
    key = CaptchaStore.generate_key()

    clean(key, f"  {solution(key).upper()} ")

    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    with pytest.raises(ValidationError):
        clean(key, "anything")


@pytest.mark.django_db
def test_a_wrong_answer_burns_the_key_so_the_right_one_fails_after_it():
    key = CaptchaStore.generate_key()
    right = solution(key)

    with pytest.raises(ValidationError) as wrong:
        clean(key, "wrong")
    with pytest.raises(ValidationError):
        clean(key, right)

    assert wrong.value.messages == ["Please enter the text displayed in the image."]


@pytest.mark.django_db
def test_an_expired_key_is_refused_even_with_the_right_answer():
    key = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=key).update(
        expiration=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(ValidationError):
        clean(key, solution(key))


@pytest.mark.django_db
def test_keys_live_about_twenty_minutes():
    key = CaptchaStore.generate_key()
    lifetime = CaptchaStore.objects.get(hashkey=key).expiration - timezone.now()

    assert timedelta(minutes=19) < lifetime <= timedelta(minutes=20)


@pytest.mark.django_db
def test_test_mode_answer_is_just_a_wrong_answer():
    key = CaptchaStore.generate_key()

    with pytest.raises(ValidationError):
        clean(key, "PASSED")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["0" * 40, "../../etc/passwd", "not-hex!", "a" * 500, "'; DROP TABLE x;--"]
)
def test_forged_keys_are_refused(key):
    with pytest.raises(ValidationError):
        clean(key, "aaaaaa")


@pytest.mark.django_db
def test_missing_parts_are_required_and_do_not_spend_the_key():
    key = CaptchaStore.generate_key()

    with pytest.raises(ValidationError) as empty_answer:
        clean(key, "")
    with pytest.raises(ValidationError):
        clean("", "aaaaaa")

    assert empty_answer.value.messages == ["This field is required."]
    assert CaptchaStore.objects.filter(hashkey=key).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_solved_key_are_accepted_exactly_once():
    """8 threads on their own connections, released together, 20 trials. The
    library's check-then-delete accepted a key several times in most trials."""
    outcomes = []
    for _ in range(20):
        key = CaptchaStore.generate_key()
        answer = solution(key)
        barrier = threading.Barrier(8)
        accepted = []

        def attempt(key=key, answer=answer, barrier=barrier, accepted=accepted):
            try:
                connection.ensure_connection()
                barrier.wait(timeout=10)
                try:
                    clean(key, answer)
                    accepted.append(True)
                except ValidationError:
                    accepted.append(False)
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes.append((len(accepted), accepted.count(True)))

    assert outcomes == [(8, 1)] * 20


# --- Image ---------------------------------------------------------------------


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


# --- Spoken version --------------------------------------------------------------


@pytest.mark.django_db
def test_the_spoken_code_is_a_wav_of_plausible_length_with_noise_throughout(
    client, settings
):
    settings.CAPTCHA_FLITE_PATH = require_flite()
    key = CaptchaStore.generate_key()
    url = reverse("captcha-audio", kwargs={"key": key})

    response = client.get(url)
    again = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    audio = b"".join(response.streaming_content)
    with wave.open(io.BytesIO(audio)) as clip:
        assert clip.getnchannels() == 1
        assert clip.getsampwidth() == 2
        seconds = clip.getnframes() / clip.getframerate()
        frames = clip.readframes(clip.getnframes())
    assert 2.0 < seconds < 15.0  # six spaced letters, padded
    # Noise everywhere: no 100 ms stretch of digital silence, lead-in and tail
    # included (flite alone pads with exact zeros).
    samples = memoryview(frames).cast("h")
    window = clip.getframerate() // 10
    for start in range(0, len(samples) - window, window):
        assert any(samples[start : start + window]), f"silence at sample {start}"
    # Made once per key: fetching again cannot average a fresh noise away.
    assert b"".join(again.streaming_content) == audio


@pytest.mark.django_db
def test_the_spoken_code_answers_range_requests(client, settings):
    settings.CAPTCHA_FLITE_PATH = require_flite()
    key = CaptchaStore.generate_key()

    response = client.get(
        reverse("captcha-audio", kwargs={"key": key}), headers={"range": "bytes=0-99"}
    )

    assert response.status_code == 206
    assert len(b"".join(response.streaming_content)) == 100


@pytest.mark.django_db
def test_the_form_offers_the_spoken_code_in_the_page_and_as_a_link(client, settings):
    settings.CAPTCHA_FLITE_PATH = require_flite()
    story = make_published_story()

    html = client.get(form_url(story)).content.decode()

    key = captcha_key(html)
    audio_url = reverse("captcha-audio", kwargs={"key": key})
    assert f'<audio controls preload="none" src="{audio_url}"' in html
    assert (
        f'href="{audio_url}" data-captcha-audio-link>Speak the CAPTCHA code</a>' in html
    )


@pytest.mark.django_db
def test_a_failing_synthesiser_gives_503_and_a_log_line(
    client, settings, tmp_path, caplog
):
    settings.CAPTCHA_FLITE_PATH = failing_program(tmp_path)
    key = CaptchaStore.generate_key()

    response = client.get(reverse("captcha-audio", kwargs={"key": key}))

    assert response.status_code == 503
    assert "spoken CAPTCHA is unavailable" in response.content.decode()
    assert "Spoken CAPTCHA unavailable" in caplog.text


@pytest.mark.django_db
def test_a_missing_synthesiser_gives_503_not_500(client, settings, tmp_path):
    settings.CAPTCHA_FLITE_PATH = str(tmp_path / "no-such-flite")
    key = CaptchaStore.generate_key()

    response = client.get(reverse("captcha-audio", kwargs={"key": key}))

    assert response.status_code == 503


@pytest.mark.django_db
def test_without_a_synthesiser_there_is_no_audio_control_and_no_audio(client, settings):
    settings.CAPTCHA_FLITE_PATH = ""
    story = make_published_story()

    html = client.get(form_url(story)).content.decode()
    key = captcha_key(html)

    assert "Speak the CAPTCHA code" not in html
    assert "<audio" not in html
    assert client.get(reverse("captcha-audio", kwargs={"key": key})).status_code == 404


@pytest.mark.django_db
def test_audio_of_a_spent_key_is_not_found(client, settings):
    settings.CAPTCHA_FLITE_PATH = "/bin/false"
    key = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=key).delete()

    assert client.get(reverse("captcha-audio", kwargs={"key": key})).status_code == 404


def test_the_system_check_warns_when_audio_is_promised_but_flite_is_missing(
    settings, tmp_path
):
    settings.CAPTCHA_AUDIO = True
    settings.CAPTCHA_FLITE_PATH = str(tmp_path / "no-such-flite")

    warnings = spoken_captcha_available(None)

    assert [warning.id for warning in warnings] == ["comments.W001"]


def test_the_system_check_is_quiet_when_audio_is_off_or_flite_is_there(settings):
    settings.CAPTCHA_AUDIO = False
    settings.CAPTCHA_FLITE_PATH = ""
    off = spoken_captcha_available(None)
    settings.CAPTCHA_AUDIO = True
    settings.CAPTCHA_FLITE_PATH = "/bin/sh"  # any executable
    present = spoken_captcha_available(None)

    assert off == present == []


# --- Refresh ---------------------------------------------------------------------


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


# --- One "new code" budget per client ---------------------------------------------


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


# --- Wrong answers ---------------------------------------------------------------


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


# --- Storage ---------------------------------------------------------------------


def test_captcha_reads_go_to_the_primary_database():
    assert router.db_for_read(CaptchaStore) == "default"


@pytest.mark.django_db
def test_the_captcha_table_has_an_expiry_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'captcha_captchastore'"
        )
        definitions = " ".join(row[0] for row in cursor.fetchall())

    assert "captcha_store_expiration_idx" in definitions
    assert "(expiration)" in definitions


@pytest.mark.django_db
def test_the_clean_up_command_removes_only_expired_keys():
    live = CaptchaStore.generate_key()
    expired = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=expired).update(
        expiration=timezone.now() - timedelta(minutes=1)
    )

    call_command("captcha_clean", verbosity=0)

    assert list(CaptchaStore.objects.values_list("hashkey", flat=True)) == [live]


@pytest.mark.django_db
def test_the_hidden_key_is_plain_and_the_answer_box_is_labelled_even_after_an_error(
    client,
):
    story = make_published_story()
    html = client.get(form_url(story)).content.decode()
    key = captcha_key(html)

    wrong = client.post(form_url(story), {"captcha_0": key, "captcha_1": "zzzzzz"})

    for page in (html, wrong.content.decode()):
        hidden = re.search(r'<input type="hidden" name="captcha_0"[^>]*>', page)[0]
        assert "required" not in hidden
        assert "autocomplete" not in hidden
        assert "aria-" not in hidden
        assert '<label for="id_captcha_1" class="captcha-answer-label">' in page
    assert 'name="captcha_1" required aria-invalid="true"' in wrong.content.decode()


@pytest.mark.django_db
def test_enter_in_a_text_box_sends_the_comment_rather_than_changing_the_code(client):
    story = make_published_story()

    html = client.get(form_url(story)).content.decode()

    # Enter clicks the form's first submit button ("default button", HTML 4.10.21.2).
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", html)
    assert 'type="submit"' in buttons[0] and "Send comment" in buttons[0]
    assert "captcha_refresh" not in buttons[0]
    assert "Change the CAPTCHA code" in buttons[1]
