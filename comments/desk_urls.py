"""The moderation desk's URLs, under admin/comments/moderate/ (newsroom/urls.py).
Each view is wrapped like any admin view: sign-in, CSRF, never cached."""

from django.contrib import admin
from django.urls import path

from comments import desk

app_name = "desk"

urlpatterns = [
    path("", admin.site.admin_view(desk.queue), name="queue"),
    path("decide/", admin.site.admin_view(desk.decide), name="decide"),
    path("undo/", admin.site.admin_view(desk.undo), name="undo"),
    path("ban/", admin.site.admin_view(desk.ban), name="ban"),
    path("lift-ban/", admin.site.admin_view(desk.lift_ban), name="lift-ban"),
]
