from django.contrib.admin.apps import AdminConfig


class DeskAdminConfig(AdminConfig):
    """django.contrib.admin, with the desk's site (throttled and two-factor sign-in,
    newsroom/signin.py) as `admin.site`."""

    default_site = "newsroom.signin.DeskSite"
