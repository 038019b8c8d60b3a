import pytest

from tests.factories import make_editor


@pytest.fixture
def editor(client):
    """An editor, logged in on the test client."""
    user = make_editor()
    client.force_login(user)
    return user
