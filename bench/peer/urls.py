"""The peer's URLs: the comment form for a story (where the bench reads the security
hash, timestamp and CSRF token), django-contrib-comments, django-simple-captcha, and
the health check the bench waits for."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import include, path

from articles.models import Story


def story_comment_form(request, story_id):
    story = get_object_or_404(Story.objects.published(), pk=story_id)
    return render(request, "peer/comment_form.html", {"story": story})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("stories/<int:story_id>/comment/", story_comment_form),
    path("comments/", include("django_comments.urls")),
    path("captcha/", include("captcha.urls")),
]
