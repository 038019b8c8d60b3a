"""django-simple-captcha's URL names, served by our views (views.py).

Not namespaced: the library reverses these names itself (refresh JSON, widget).
"""

from django.urls import path, re_path

from comments.captcha import views

urlpatterns = [
    re_path(
        r"^image/(?P<key>\w+)/$",
        views.captcha_image,
        name="captcha-image",
        kwargs={"scale": 1},
    ),
    re_path(
        r"^image/(?P<key>\w+)@2/$",
        views.captcha_image,
        name="captcha-image-2x",
        kwargs={"scale": 2},
    ),
    re_path(r"^audio/(?P<key>\w+)\.wav$", views.captcha_audio, name="captcha-audio"),
    path("refresh/", views.captcha_refresh, name="captcha-refresh"),
]
