"""Signing in to the desk (the Django admin).

- **Throttling.** Failed sign-ins are counted per account and per client (the client
  IP behind NEWSROOM_TRUSTED_PROXY_HOPS proxies) in the shared cache, so every app
  server and worker sees them. Past NEWSROOM_SIGNIN_FAILURES_PER_ACCOUNT (5) or
  _PER_CLIENT (20) in NEWSROOM_SIGNIN_COOLOFF_MINUTES (15), that account or client
  is refused for the cool-off, with a message that says so; passwords are not even
  checked meanwhile. Django-native code on the project's own counters rather than
  django-axes: it is a few lines, shares the comment throttles' cache and proxy
  rule, and writes no database row per attempt. When the cache is down it fails
  open (staff can still sign in during an outage); passwords are still hashed
  slowly, and two-factor sign-in still applies.
- **Two-factor sign-in** (TOTP, django-otp). Any staff member may turn it on at
  /admin/two-factor/ (a QR code for an authenticator app, confirmed with one code);
  from then on signing in asks for a code. NEWSROOM_REQUIRE_TWO_FACTOR=true sends
  everyone with admin access who has not turned it on to that page first.
"""

import contextlib
from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import user_has_device, verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.cache import CacheUnavailable
from newsroom.throttle import client_ip, keyed_hash, over_limit

LOCKED = (
    "Too many failed sign-ins for this account or from your network. For safety, "
    "signing in is paused for {minutes} minutes; try again after that."
)
CODE_MISSING = "Enter the 6-digit code from your authenticator app."
CODE_WRONG = "That code is wrong or has expired. Enter the code your app shows now."
DEVICE_NAME = "Authenticator app"


# --- Throttling -----------------------------------------------------------------------


def _cooloff_seconds() -> int:
    return settings.SIGNIN_COOLOFF_MINUTES * 60


def _who(username: str, ip: str) -> list[tuple[str, str, int]]:
    return [
        ("account", username.strip().lower(), settings.SIGNIN_FAILURES_PER_ACCOUNT),
        ("client", ip, settings.SIGNIN_FAILURES_PER_CLIENT),
    ]


def _lock_key(kind: str, value: str) -> str:
    return f"signin:locked:{kind}:{keyed_hash('signin-' + kind, value)}"


def is_locked(username: str, ip: str) -> bool:
    """This account or this client failed too often lately (False when the cache
    can't tell: fail open)."""
    keys = [_lock_key(kind, value) for kind, value, _ in _who(username, ip)]
    try:
        return bool(cache.get_many(keys))
    except CacheUnavailable:
        return False


def count_failure(username: str, ip: str) -> None:
    """One more failed sign-in; the account or client that reaches its limit is
    locked for the cool-off, counted from now."""
    for kind, value, limit in _who(username, ip):
        window = _cooloff_seconds()
        if over_limit(f"signin-{kind}", value, limit=limit - 1, window=window):
            with contextlib.suppress(CacheUnavailable):  # fail open
                cache.set(_lock_key(kind, value), True, window)


# --- The form -------------------------------------------------------------------------


class SignInForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=8,
        help_text="Only if you have turned on two-factor sign-in.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if is_locked(username, ip):
            minutes = settings.SIGNIN_COOLOFF_MINUTES
            raise ValidationError(LOCKED.format(minutes=minutes), code="locked")
        try:
            super().clean()  # the password, then "active staff member"
            self._check_code(self.get_user())
        except ValidationError:
            count_failure(username, ip)
            raise
        return self.cleaned_data

    def _check_code(self, user: AbstractBaseUser) -> None:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            return
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if not token:
            raise ValidationError(CODE_MISSING, code="otp_missing")
        verified = verify_token(user, device.persistent_id, token)
        if verified is None:
            raise ValidationError(CODE_WRONG, code="otp_wrong")
        # django-otp marks the session verified when the admin logs the user in.
        user.otp_device = verified


# --- The site -------------------------------------------------------------------------


class DeskSite(admin.AdminSite):
    """The admin with throttled, optionally two-factor sign-in."""

    login_form = SignInForm
    login_template = "admin/sign_in.html"
    landings: list[Callable[[Any], str | None]] = []  # register_landing()
    index_title = "Stories, clarifications and comments"

    @property
    def site_header(self) -> str:
        return f"{settings.SITE_NAME} desk"

    site_title = site_header

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # Someone who turned two-factor on must have signed in with a code.
        return request.user.is_verified() or not _two_factor_on(request)

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def view_after_setup(request: HttpRequest, *args: Any, **kwargs: Any):
            if _must_set_up_two_factor(request):
                return redirect("admin:two-factor")
            return inner(request, *args, **kwargs)

        return view_after_setup

    def register_landing(self, landing: Callable[[Any], str | None]) -> None:
        """An app may send some users somewhere other than the index right after
        they sign in: `landing(user)` gives that address, or None."""
        if landing not in self.landings:
            self.landings.append(landing)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().login(request, extra_context)
        signed_in = request.method == "POST" and response.status_code == 302
        if signed_in and response["Location"] == reverse("admin:index"):
            for landing in self.landings:
                if url := landing(request.user):
                    return redirect(url)
        return response

    def get_urls(self) -> list[URLPattern]:
        from newsroom.timezones import time_zone_view

        two_factor = path(
            "two-factor/",
            super().admin_view(self.two_factor_view),
            name="two-factor",
        )
        time_zone = path(
            "time-zone/",
            self.admin_view(lambda request: time_zone_view(request, self)),
            name="time-zone",
        )
        return [two_factor, time_zone, *super().get_urls()]

    def two_factor_view(self, request: HttpRequest) -> HttpResponse:
        return two_factor(request, self)


def _two_factor_on(request: HttpRequest) -> bool:
    """The user has a confirmed device (asked once per request)."""
    if not hasattr(request, "two_factor_on"):
        request.two_factor_on = user_has_device(request.user)
    return request.two_factor_on


def _must_set_up_two_factor(request: HttpRequest) -> bool:
    user = request.user
    return (
        settings.REQUIRE_TWO_FACTOR
        and user.is_active
        and user.is_staff
        and not _two_factor_on(request)
    )


# --- Turning two-factor sign-in on and off --------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


def two_factor(request: HttpRequest, site: DeskSite) -> HttpResponse:
    """Turn two-factor sign-in on (scan, confirm with a code) or off (a code)."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if device is None:
        # The device being set up: kept until confirmed, so a reload shows the
        # same QR code.
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["code"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, "Two-factor sign-in is on.")
                return redirect("admin:index")
            form.add_error("code", CODE_WRONG)
        state = "setting-up"
    else:
        if request.method == "POST" and form.is_valid():
            if settings.REQUIRE_TWO_FACTOR:
                form.add_error(None, "This site requires two-factor sign-in.")
            elif device.verify_token(form.cleaned_data["code"].strip()):
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("admin:index")
            else:
                form.add_error("code", CODE_WRONG)
        state = "on"
    context = site.each_context(request) | {
        "title": "Two-factor sign-in",
        "state": state,
        "form": form,
        "required": settings.REQUIRE_TWO_FACTOR,
    }
    if state == "setting-up":
        qr = segno.make(device.config_url, error="m")
        # segno's SVG: paths only, no script or style (CSP allows it inline).
        context["qr_svg"] = mark_safe(qr.svg_inline(scale=4))
        context["secret"] = _base32(device.bin_key)
    return TemplateResponse(request, "admin/two_factor.html", context)


def _base32(key: bytes) -> str:
    """The key as authenticator apps take it when typed, in groups of four."""
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
