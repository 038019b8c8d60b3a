"""The site's URLs plus E: validate a ModelForm, INSERT one comment, 303.

E exists only here (bench.settings), as the floor for P, the real comment POST with
CSRF, CAPTCHA, throttles, moderation rules and audit row: look the story up (a real
insert must know the story exists), validate name, email and body, INSERT, 303.
"""

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_POST

from articles.models import Story
from comments.models import Comment
from newsroom.urls import urlpatterns as site_urlpatterns


class BareCommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["name", "email", "body"]


@require_POST
def bare_insert(request: HttpRequest, story_id: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.only("id"), pk=story_id)
    form = BareCommentForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    comment = form.save(commit=False)
    comment.story = story
    comment.save()
    return HttpResponseRedirect("/", status=303)


urlpatterns = [
    path("bench/insert/<int:story_id>/", bare_insert, name="bench-insert"),
    *site_urlpatterns,
]
