"""The form field: django-simple-captcha's CaptchaField with a `secrets` challenge,
an accessible widget (image with a 2x version, "Change", "Speak"), and a key that
can be used once, even by concurrent requests."""

import secrets
from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from comments.captcha.store import consume_captcha

# No letters that look alike once rotated and blurred (0/O/Q/D, 1/I/J/L, 2/Z, 5/S,
# 8/B, U/V, C/G) or sound alike when spoken by flite (B/D/P/T/V, M/N).
ALPHABET = "AEFHKMRWXY"
LENGTH = 6  # 10**6 codes; one guess per code (a wrong answer burns the key)
LABEL = "Retype the CAPTCHA code from the image"
INVALID = "Please enter the text displayed in the image."


def secure_challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: shown upper-case, answered in any case.

    Drawn with `secrets`, never with the `random` module the library's image view
    reseeds with the (public) key on every image request.
    """
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return code, code.lower()


class AccessibleCaptchaInput(CaptchaTextInput):
    """The three BotDetect controls (image with a 2x version, "Change", "Speak"),
    all working without JavaScript."""

    template_name = "comments/captcha_widget.html"

    def get_context(
        self, name: str, value: Any, attrs: dict[str, Any] | None
    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        key = self._key
        # Read at render time (the library copied its settings at import).
        context["audio"] = (
            reverse("captcha-audio", kwargs={"key": key})
            if settings.CAPTCHA_FLITE_PATH
            else None
        )
        context["image_2x"] = reverse("captcha-image-2x", kwargs={"key": key})
        context["help_id"] = f"{context['widget']['attrs'].get('id', name)}_help"
        key, answer = (sub["attrs"] for sub in context["widget"]["subwidgets"])
        # HTML allows none of these on a hidden input (Django gives them to every
        # part of a required, invalid MultiWidget).
        for attr in [*key]:
            if attr in {"required", "autocomplete"} or attr.startswith("aria-"):
                del key[attr]
        answer["aria-describedby"] = context["help_id"]
        answer["size"] = LENGTH + 4
        return context


class AtomicCaptchaField(CaptchaField):
    """CaptchaField whose key can be used once, even by concurrent requests.

    Test mode is deliberately not supported: tests solve real challenges.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", AccessibleCaptchaInput())
        kwargs.setdefault("label", LABEL)
        kwargs.setdefault("error_messages", {"invalid": INVALID})
        super().__init__(**kwargs)

    def clean(self, value: list[str]) -> list[str]:
        forms.MultiValueField.clean(self, value)  # "required", as upstream
        key, answer = value[0], (value[1] or "").strip().lower()
        value[1] = ""  # never echo the answer back
        if not consume_captcha(key, answer):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value
