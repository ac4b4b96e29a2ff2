import pytest

from fieldvisit.letters.views import link_limiter


@pytest.fixture(autouse=True)
def _fresh_link_limiter():
    """Each test starts with no letter links counted against the test client's address."""
    link_limiter.clear()
    yield
    link_limiter.clear()
