from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom: stories"

    def ready(self) -> None:
        from articles.models import (
            Author,
            Byline,
            Clarification,
            SlugHistory,
            Story,
            Topic,
            next_scheduled_change,
        )
        from newsroom import pagecache

        pagecache.register_schedule(next_scheduled_change)
        # The services move the site stamp themselves. These catch writes made
        # outside them (the admin's author and topic forms, a shell, a script): a
        # missed stamp would leave a stale page, a repeated one costs nothing
        # (one move per transaction).
        for model in (Story, Byline, Clarification, Topic, Author, SlugHistory):
            post_save.connect(_content_changed, sender=model, dispatch_uid=model)
            post_delete.connect(_content_changed, sender=model, dispatch_uid=model)
        m2m_changed.connect(_content_changed, sender=Story.topics.through)


def _content_changed(sender: type, **kwargs: object) -> None:
    from newsroom.pagecache import bump_site_on_commit

    bump_site_on_commit()
