"""The whole site mounted under /news/, for tests of address memoisation."""

from django.urls import include, path

urlpatterns = [path("news/", include("newsroom.urls"))]
