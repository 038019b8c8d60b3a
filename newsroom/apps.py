from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class NewsroomConfig(AppConfig):
    """The project package as an app: its management commands (backup, restore) and
    the media store's system check."""

    name = "newsroom"
    default = True

    def ready(self) -> None:
        from django.core import checks

        from newsroom.storage import check_media_store

        checks.register(check_media_store)


class DeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the desk's site (throttled and two-factor sign-in,
    newsroom/signin.py) as `admin.site`."""

    default = False
    default_site = "newsroom.signin.DeskSite"
