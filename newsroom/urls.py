from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from newsroom import views

handler500 = "newsroom.outages.server_error"


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The comments app's moderation desk lives inside the admin (its own views).
    path("admin/comments/moderate/", include("comments.desk_urls")),
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("captcha/", include("comments.captcha.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(
            rf"^{media_prefix}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
