"""Each staff member's own time zone on the desk (the Django admin).

The desk shows and reads times in the zone a staff member chose on its "Time zone"
page (the newsroom's, NEWSROOM_TIME_ZONE, until they choose). It is switched on
for their admin requests only: reader pages, previews included, always use the
newsroom's zone, because they are cached and shared (a fragment's cache key
names the zone too, so none could be reused across zones anyway).
"""

import zoneinfo
from collections.abc import Callable
from functools import cache

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from newsroom.models import StaffTimeZone


@cache
def zone_names() -> list[str]:
    """Every zone the system's time zone database knows, by name."""
    return sorted(zoneinfo.available_timezones())


def zone_of(user) -> str:
    """The zone a staff member chose, or the newsroom's."""
    chosen = (
        StaffTimeZone.objects.filter(user=user).values_list("name", flat=True).first()
    )
    return chosen if chosen in zone_names() else settings.TIME_ZONE


class StaffTimeZoneMiddleware:
    """After AuthenticationMiddleware: staff requests to the admin run in the
    staff member's zone; everything else in the newsroom's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not (
            request.path.startswith(_admin_root())
            and user is not None
            and user.is_authenticated
            and user.is_staff
        ):
            return self.get_response(request)
        timezone.activate(zone_of(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@cache
def _admin_root() -> str:
    return reverse("admin:index")


def with_zone_help(help_text: str) -> str:
    """A date-time field's help, saying which zone its times are in."""
    zone = timezone.get_current_timezone_name()
    note = (
        f"Times are in {zone}, your time zone on the desk "
        "(change it under “Time zone”)."
    )
    return f"{help_text} {note}".strip()


class TimeZoneForm(forms.Form):
    name = forms.ChoiceField(
        label="Your time zone",
        help_text="The desk shows times, and reads the times you type, in this "
        "zone. Readers always see the newsroom's.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(name, name) for name in zone_names()]
        self.fields["name"].error_messages["invalid_choice"] = (
            "“%(value)s” is not a time zone we know. Pick one from the list (for "
            "example Europe/Paris or America/Chicago)."
        )


def time_zone_view(request: HttpRequest, site) -> HttpResponse:
    """Choose the zone the desk uses for you."""
    current = zone_of(request.user)
    form = TimeZoneForm(request.POST or None, initial={"name": current})
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        StaffTimeZone.objects.update_or_create(
            user=request.user, defaults={"name": name}
        )
        messages.success(request, f"The desk now shows your times in {name}.")
        return redirect(reverse("admin:time-zone"))
    context = site.each_context(request) | {
        "title": "Your time zone",
        "form": form,
        "current": current,
        "newsroom_zone": settings.TIME_ZONE,
    }
    status = 400 if form.errors else 200
    return TemplateResponse(request, "admin/time_zone.html", context, status=status)
