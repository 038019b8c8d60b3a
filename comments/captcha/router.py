"""The database router: CAPTCHA rows are read and written on the primary only."""

from typing import Any

from django.db.models import Model


class CaptchaOnPrimaryRouter:
    """Send every CAPTCHA read to the primary ("default") database.

    A key is written when the form renders and read moments later by the image,
    audio and post requests; a lagging replica would answer "gone".
    """

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.app_label == "captcha":
            return "default"
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.app_label == "captcha":
            return "default"
        return None
