import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from articles.models import Author, Clarification, Story, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def passwords_in(path) -> dict[str, str]:
    return dict(line.split() for line in path.read_text().splitlines())


def test_demo_accounts_are_created_once_with_random_passwords(data_dir, capsys):
    call_command("load_demo")
    first = passwords_in(data_dir / "demo-accounts.txt")
    call_command("load_demo")
    second = passwords_in(data_dir / "demo-accounts.txt")
    output = capsys.readouterr().out

    assert set(first) == {"editor", "moderator", "admin"}
    assert first == second
    assert len(set(first.values())) == 3
    assert str(data_dir / "demo-accounts.txt") in output
    assert f"editor     {first['editor']}" in output
    for username, password in first.items():
        assert authenticate(username=username, password=password) is not None
    assert (data_dir / "demo-accounts.txt").stat().st_mode & 0o777 == 0o600


def test_demo_accounts_have_their_roles(data_dir):
    call_command("load_demo")
    users = get_user_model().objects

    assert list(users.get(username="editor").groups.values_list("name", flat=True)) == [
        "Editors"
    ]
    assert list(
        users.get(username="moderator").groups.values_list("name", flat=True)
    ) == ["Moderators"]
    assert users.get(username="admin").is_superuser
    assert not users.get(username="editor").is_superuser


def test_a_lost_passwords_file_gets_new_working_passwords(data_dir):
    call_command("load_demo")
    (data_dir / "demo-accounts.txt").unlink()
    call_command("load_demo")
    renewed = passwords_in(data_dir / "demo-accounts.txt")

    assert authenticate(username="editor", password=renewed["editor"]) is not None


SEED_URL = "/articles/2015/5/8/new-era-of-us-japan-defense-cooperation-sparks-debate/"


def test_the_seed_story_is_published_at_its_dated_address(data_dir, capsys):
    call_command("load_demo")
    story = Story.objects.get()

    assert story.is_live
    assert story.headline == "New Era of U.S.-Japan Defense Cooperation Sparks Debate"
    assert story.get_absolute_url() == SEED_URL
    assert [author.name for author in story.authors.all()] == ["Allyson Versprille"]
    assert story.clarifications.count() == 1
    assert f"Demo story added: {SEED_URL}" in capsys.readouterr().out


def test_loading_the_demo_again_changes_nothing(data_dir, capsys):
    call_command("load_demo")
    first = Story.objects.get()
    call_command("load_demo")
    again = Story.objects.get()

    assert again.updated_at == first.updated_at
    assert (Author.objects.count(), Topic.objects.count()) == (1, 2)
    assert Clarification.objects.count() == 1
    assert f"Demo story ready: {SEED_URL}" in capsys.readouterr().out


def test_the_demo_story_takes_comments_until_an_editor_closes_them(data_dir):
    from comments.models import accepts_comments

    call_command("load_demo")
    story = Story.objects.get()
    assert accepts_comments(story)

    story.comment_policy = Story.CommentPolicy.CLOSED
    story.save()
    call_command("load_demo")

    assert Story.objects.get().comment_policy == Story.CommentPolicy.CLOSED


def test_demo_accounts_have_reserved_email_addresses_for_the_console_mail(data_dir):
    get_user_model().objects.create_user("moderator", email="")
    call_command("load_demo")
    users = get_user_model().objects

    assert {user.username: user.email for user in users.all()} == {
        "editor": "editor@newsroom.invalid",
        "moderator": "moderator@newsroom.invalid",
        "admin": "admin@newsroom.invalid",
    }
