"""Generated inputs (hypothesis) against the importer's parser, search, pagination
and the admin's story form: never a server error, never a partial write. The number
of examples comes from the profile (tests/conftest.py): 2,000 each in CI."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.importing import StoryFormatError, parse_story_file
from articles.models import Byline, Story
from tests.factories import make_author, make_editor, make_published_story, make_topic

# Text a person (or a script) could send: any character a browser can encode.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
LONG_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=3000)
WORDS = st.lists(
    st.sampled_from(["Japan", "By", "Topics:", "Correction:", "??", "—", "\n", " "])
    | TEXT,
    max_size=12,
).map(" ".join)


# --- The importer's parser ------------------------------------------------------------


@given(data=st.binary(max_size=2000))
def test_any_bytes_parse_to_a_story_or_a_clear_error(data):
    try:
        story = parse_story_file(data)
    except StoryFormatError as error:
        assert str(error)[-1] in ".?"  # a sentence an editor can read
    else:
        assert story.headline and story.body


@given(
    headline=TEXT,
    bylines=st.lists(WORDS.map(lambda names: f"By {names}"), max_size=3),
    paragraphs=st.lists(WORDS, max_size=6),
    notes=st.lists(
        st.tuples(st.sampled_from(["Clarification", "Correction"]), WORDS), max_size=3
    ),
    topics=st.one_of(st.none(), WORDS),
)
def test_story_shaped_text_parses_to_a_story_or_a_clear_error(
    headline, bylines, paragraphs, notes, topics
):
    lines = [headline, *bylines, *paragraphs, *(f"{k}: {t}" for k, t in notes)]
    if topics is not None:
        lines.append(f"Topics: {topics}")
    try:
        story = parse_story_file("\n\n".join(lines).encode())
    except StoryFormatError as error:
        assert str(error)[-1] in ".?"
    else:
        assert "(UPDATED)" not in story.headline.upper()
        assert all(name.strip() for name in story.authors)


# --- Search and pagination ------------------------------------------------------------


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@given(terms=LONG_TEXT)
def test_any_search_answers_a_page(reader, terms):
    response = reader.get(reverse("articles:search"), {"q": terms})

    assert response.status_code == 200


@pytest.mark.django_db
@given(
    page=st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), TEXT),
    where=st.sampled_from(["/", "/topics/ports/", "/authors/ann/", "/search/"]),
)
def test_any_page_number_is_a_page_or_a_404(reader, page, where):
    if not Story.objects.exists():
        make_published_story(
            topics=[make_topic(slug="ports")], authors=[make_author(slug="ann")]
        )

    response = reader.get(where, {"page": page, "q": "story"})

    assert response.status_code in (200, 404)


# --- The admin's story form -----------------------------------------------------------


@pytest.fixture
def editor_client():
    client = Client(raise_request_exception=False)
    client.force_login(make_editor())
    return client


@pytest.mark.django_db
@given(
    headline=TEXT,
    slug=st.one_of(TEXT, st.from_regex(r"[a-z0-9][a-z0-9-]{0,40}", fullmatch=True)),
    dek=TEXT,
    body=LONG_TEXT,
    published_at=st.one_of(st.just(""), TEXT, st.datetimes().map(str)),
    policy=st.sampled_from(["limited", "open", "closed", "", "nonsense"]),
    byline=st.tuples(st.one_of(st.none(), TEXT), TEXT, TEXT),
)
def test_any_story_form_saves_a_whole_story_or_nothing(
    editor_client, headline, slug, dek, body, published_at, policy, byline
):
    author = make_author()
    author_id, role, position = byline
    data = {
        "headline": headline,
        "slug": slug,
        "dek": dek,
        "body": body,
        "published_at_0": published_at[:10],
        "published_at_1": published_at[11:],
        "comment_policy": policy,
        "comment_moderation": "pre",
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "0",
        "bylines-0-author": str(author.pk) if author_id is None else author_id,
        "bylines-0-role": role if role else "writer",
        "bylines-0-position": position,
        "clarifications-TOTAL_FORMS": "0",
        "clarifications-INITIAL_FORMS": "0",
        "clarifications-2-TOTAL_FORMS": "0",
        "clarifications-2-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    before = (Story.objects.count(), Byline.objects.count())

    response = editor_client.post(reverse("admin:articles_story_add"), data)

    after = (Story.objects.count(), Byline.objects.count())
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # saved: the story with its byline
        assert after == (before[0] + 1, before[1] + 1)
        story = Story.objects.latest("pk")
        assert story.bylines.get().author == author
    else:  # refused: the editor's text is back on the form, nothing written
        assert after == before
