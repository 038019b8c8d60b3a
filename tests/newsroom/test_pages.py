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


def test_refused_pages_explain_themselves_in_the_site_layout(client):
    from tests.factories import make_moderator

    client.force_login(make_moderator())
    response = client.post("/admin/articles/story/add/", {})

    assert response.status_code == 403
    assert "You can’t do that here" in response.content.decode()
    assert '<a class="skip-link"' in response.content.decode()


def test_the_admin_names_the_newsroom_not_django(client, admin_user):
    client.force_login(admin_user)

    html = client.get("/admin/").content.decode()

    assert "Newsroom desk" in html
    assert "Django administration" not in html


def test_a_post_without_a_valid_csrf_token_gets_a_readable_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/admin/login/", {})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert '<a class="site-name" href="/">Newsroom</a>' in response.content.decode()
