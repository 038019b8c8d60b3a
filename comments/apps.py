from django.apps import AppConfig
from django.db.models import Model
from django.db.models.signals import post_delete, post_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self) -> None:
        from comments.captcha import checks  # noqa: F401  (registers the checks)
        from comments.models import Ban, Comment, ModerationWord

        # The services move the story's stamp themselves. These catch writes made
        # outside them (a shell, a script) that readers could see.
        post_save.connect(_comment_saved, sender=Comment, dispatch_uid="pagecache")
        post_delete.connect(_comment_deleted, sender=Comment, dispatch_uid="pagecache")
        for signal in (post_save, post_delete):
            for model in (ModerationWord, Ban):
                signal.connect(_lists_changed, sender=model, dispatch_uid="rules")


def _comment_saved(
    sender: type, instance: Model, created: bool, **kwargs: object
) -> None:
    from comments.models import Comment
    from newsroom.pagecache import bump_story_on_commit

    # A new pending comment (every reader's post) changes no public page.
    if not created or instance.status in Comment.PUBLIC_STATUSES:
        bump_story_on_commit(instance.story_id)


def _comment_deleted(sender: type, instance: Model, **kwargs: object) -> None:
    from newsroom.pagecache import bump_story_on_commit

    bump_story_on_commit(instance.story_id)


def _lists_changed(sender: type, **kwargs: object) -> None:
    from comments.services import WORDS_SCOPE
    from newsroom.pagecache import bump_on_commit

    bump_on_commit(WORDS_SCOPE)
