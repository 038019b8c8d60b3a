import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttles_and_quick_readers(settings):
    """Throttle counters and cached audio start empty; readers may post at once
    (the bot-timing tests set the minimum back)."""
    cache.clear()
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    yield
    cache.clear()
