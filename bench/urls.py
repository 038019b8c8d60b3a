"""The site's URLs plus E: validate three fields, INSERT one comment, 303.

E exists only here (bench.settings), as the floor for P, the real comment POST with
CSRF, CAPTCHA, throttles, moderation rules and audit row.
"""

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from comments.models import Comment
from newsroom.urls import urlpatterns as site_urlpatterns


class BareCommentForm(forms.Form):
    name = forms.CharField(max_length=50)
    email = forms.EmailField()
    body = forms.CharField(max_length=3000)


@require_POST
def bare_insert(request: HttpRequest, story_id: int) -> HttpResponse:
    form = BareCommentForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    Comment.objects.create(story_id=story_id, **form.cleaned_data)
    return HttpResponseRedirect("/", status=303)


urlpatterns = [
    path("bench/insert/<int:story_id>/", bare_insert, name="bench-insert"),
    *site_urlpatterns,
]
