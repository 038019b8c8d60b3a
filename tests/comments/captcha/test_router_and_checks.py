"""CAPTCHA rows stay on the primary database (router.py), and the system check
warns when the spoken CAPTCHA is promised without flite (checks.py)."""

from captcha.models import CaptchaStore
from django.db import router

from comments.captcha.checks import spoken_captcha_available


def test_captcha_reads_go_to_the_primary_database():
    assert router.db_for_read(CaptchaStore) == "default"


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
