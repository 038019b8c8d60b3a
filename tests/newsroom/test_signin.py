"""Signing in to the desk: failures throttled per account and per client in the
shared cache, and two-factor sign-in (newsroom/signin.py)."""

import contextlib
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_editor

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
TWO_FACTOR = reverse("admin:two-factor")
LOCKED = "Too many failed sign-ins for this account or from your network."
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_counters():
    from django.core.cache import cache

    from newsroom.cache import CacheUnavailable

    cache.clear()
    yield
    with contextlib.suppress(CacheUnavailable):  # a test may have broken it
        cache.clear()


@pytest.fixture
def editor():
    user = make_editor(username="ada")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username="ada", password=PASSWORD, code="", **extra):
    data = {"username": username, "password": password, "otp_token": code}
    return client.post(LOGIN, data | {"next": INDEX}, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == INDEX


def current_code(device: TOTPDevice) -> str:
    """What the reader's authenticator app shows now (by the clock the site reads)."""
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code.time = time.time()
    return f"{code.token():0{device.digits}d}"


def later(monkeypatch, minutes: float) -> None:
    """Move the clock forward: the cache's expiry, the counters' windows, the
    authenticator's codes."""
    now = time.time() + minutes * 60
    moment = timezone.now() + timedelta(minutes=minutes)
    monkeypatch.setattr(time, "time", lambda: now)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def next_code(device: TOTPDevice, monkeypatch) -> str:
    """The code of the next 30-second window (a code is accepted once only)."""
    later(monkeypatch, minutes=0.5)
    return current_code(device)


# --- Throttling -----------------------------------------------------------------------


def test_an_account_is_paused_after_five_failures_even_for_the_right_password(
    client, editor
):
    for _ in range(5):
        assert sign_in(client, password="wrong").status_code == 200

    refused = sign_in(client)

    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert "ada" in refused.content.decode()  # the username stays on the form


def test_after_the_cool_off_the_real_user_signs_in(client, editor, monkeypatch):
    for _ in range(5):
        sign_in(client, password="wrong")
    assert LOCKED in sign_in(client).content.decode()

    later(monkeypatch, minutes=16)

    assert signed_in(sign_in(client))


def test_four_failures_do_not_pause_an_account(client, editor):
    for _ in range(4):
        sign_in(client, password="wrong")

    assert signed_in(sign_in(client))


def test_one_client_trying_many_accounts_is_paused(client, editor, settings):
    settings.SIGNIN_FAILURES_PER_CLIENT = 6
    for n in range(6):
        sign_in(client, username=f"guess{n}", password="wrong")

    refused = sign_in(client)

    assert LOCKED in refused.content.decode()


def test_the_client_is_the_one_the_trusted_proxy_saw(client, editor, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for n in range(3):
        # A forged address further left changes nothing: the proxy's entry counts.
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{n}, 203.0.113.66"}
        sign_in(client, username=f"guess{n}", password="wrong", **forged)

    assert LOCKED in sign_in(client, **attacker).content.decode()
    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert signed_in(sign_in(Client(), **colleague))


def test_failures_counted_by_another_worker_count_here(
    client, editor, settings, tmp_path, test_database_url
):
    """Two processes sharing one file cache, as workers share Redis."""
    settings.CACHES = {
        alias: {
            "BACKEND": "newsroom.cache.LockingFileBasedCache",
            "LOCATION": str(tmp_path / alias),
        }
        for alias in ("default", "pages")
    }
    worker = (
        "import django; django.setup();"
        "from django.conf import settings;"
        f"settings.CACHES = {settings.CACHES!r};"
        "from newsroom.signin import count_failure;"
        "[count_failure('ada', '127.0.0.1') for _ in range(5)]"
    )
    environment = os.environ | {
        "DATABASE_URL": test_database_url,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
    }
    subprocess.run([sys.executable, "-c", worker], env=environment, check=True)

    assert LOCKED in sign_in(client).content.decode()


def test_without_the_cache_staff_can_still_sign_in(client, editor, dead_redis):
    for _ in range(6):
        sign_in(client, password="wrong")

    assert signed_in(sign_in(client))


# --- Two-factor sign-in ---------------------------------------------------------------


def turn_on_two_factor(client) -> TOTPDevice:
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(TWO_FACTOR, {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_staff_member_turns_two_factor_on_and_then_needs_a_code(
    client, editor, monkeypatch
):
    assert signed_in(sign_in(client))
    device = turn_on_two_factor(client)
    client.logout()

    without = sign_in(client)
    wrong = sign_in(client, code="000000")
    reused = sign_in(client, code=current_code(device))  # the one set-up used
    right = sign_in(client, code=next_code(device, monkeypatch))

    assert "Enter the 6-digit code from your authenticator app." in (
        without.content.decode()
    )
    assert "That code is wrong or has expired." in wrong.content.decode()
    assert "That code is wrong or has expired." in reused.content.decode()
    assert signed_in(right)
    assert client.get(INDEX).status_code == 200


def test_a_wrong_setup_code_turns_nothing_on(client, editor):
    sign_in(client)
    client.get(TWO_FACTOR)

    response = client.post(TWO_FACTOR, {"code": "000000"})

    assert response.status_code == 200
    assert "That code is wrong or has expired." in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_session_without_the_code_cannot_open_the_desk(client, editor):
    sign_in(client)
    turn_on_two_factor(client)
    other = Client()
    other.force_login(editor)  # a password-only session, e.g. from before

    assert other.get(INDEX).status_code == 302


def test_two_factor_can_be_turned_off_with_a_code(client, editor, monkeypatch):
    sign_in(client)
    device = turn_on_two_factor(client)

    client.post(TWO_FACTOR, {"code": next_code(device, monkeypatch)})

    assert not TOTPDevice.objects.exists()


def test_when_required_staff_set_two_factor_up_before_anything_else(
    client, editor, settings, monkeypatch
):
    settings.REQUIRE_TWO_FACTOR = True
    assert signed_in(sign_in(client))

    sent = client.get(INDEX)
    assert sent.status_code == 302 and sent["Location"] == TWO_FACTOR
    device = turn_on_two_factor(client)

    assert client.get(INDEX).status_code == 200
    refused = client.post(TWO_FACTOR, {"code": next_code(device, monkeypatch)})
    assert "This site requires it for everyone" in refused.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).exists()
