import pytest

pytestmark = pytest.mark.django_db


def test_home_page_uses_the_reader_layout(client):
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert "<script>" not in html and "style=" not in html


def test_unknown_address_gets_the_styled_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_every_response_carries_a_content_security_policy_without_inline(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
