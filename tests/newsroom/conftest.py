import pytest

from tests.factories import make_author, make_published_story, make_topic


@pytest.fixture
def story():
    """A live story with one author and one topic, so each reader page shows it."""
    return make_published_story(
        headline="Ferry fares rise",
        authors=[make_author(name="Ann Lee")],
        topics=[make_topic(name="Transport")],
    )
