"""The spoken CAPTCHA (comments/captcha/audio.py, served by views.py): a noisy WAV
made once per key, offered by the form, never a server error without flite."""

import io
import os
import shutil
import wave

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from tests.factories import captcha_key, form_url, make_published_story

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
