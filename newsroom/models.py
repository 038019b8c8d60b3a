from django.conf import settings
from django.db import models


class StaffTimeZone(models.Model):
    """The time zone one staff member reads and types times in, on the desk only
    (reader pages are shared and cached: they always use the newsroom's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_zone"
    )
    name = models.CharField(max_length=64, help_text="An IANA name, e.g. Asia/Tokyo.")

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
