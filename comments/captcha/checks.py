"""System checks: promised features that would fail at request time."""

import os
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Warning, register


@register()
def spoken_captcha_available(
    app_configs: list[AppConfig] | None, **kwargs: Any
) -> list[Warning]:
    """The spoken CAPTCHA is promised (CAPTCHA_AUDIO) but flite is not there."""
    if not settings.CAPTCHA_AUDIO:
        return []
    flite = settings.CAPTCHA_FLITE_PATH
    if flite and os.access(flite, os.X_OK):
        return []
    return [
        Warning(
            "The spoken CAPTCHA is on but the flite program was not found"
            + (f" at {flite}" if flite else " on PATH")
            + ": readers who cannot see the image cannot comment.",
            hint="Install it (apt-get install flite, or `make os-packages`), set "
            "NEWSROOM_FLITE_PATH, or set NEWSROOM_CAPTCHA_AUDIO=false.",
            id="comments.W001",
        )
    ]
