"""The CAPTCHA form field (comments/captcha/field.py): a `secrets` challenge of six
unambiguous letters, no test mode, both parts required, an accessible widget."""

import random
import re

import captcha.conf.settings as captcha_settings
import pytest
from captcha.models import CaptchaStore
from django.core.exceptions import ValidationError

from comments.captcha.field import secure_challenge
from tests.factories import captcha_key, clean_captcha, form_url, make_published_story


def test_challenges_use_six_letters_of_an_unambiguous_alphabet():
    shown, answer = secure_challenge()

    assert re.fullmatch(r"[AEFHKMRWXY]{6}", shown)
    assert answer == shown.lower()


def test_challenges_do_not_come_from_the_global_random_generator():
    random.seed(0)
    first = [secure_challenge() for _ in range(3)]
    random.seed(0)
    second = [secure_challenge() for _ in range(3)]

    assert first != second


def test_production_settings_never_enable_test_mode():
    assert captcha_settings.CAPTCHA_TEST_MODE is False
    assert captcha_settings.CAPTCHA_TIMEOUT == 20


@pytest.mark.django_db
def test_test_mode_answer_is_just_a_wrong_answer():
    key = CaptchaStore.generate_key()

    with pytest.raises(ValidationError):
        clean_captcha(key, "PASSED")


@pytest.mark.django_db
def test_missing_parts_are_required_and_do_not_spend_the_key():
    key = CaptchaStore.generate_key()

    with pytest.raises(ValidationError) as empty_answer:
        clean_captcha(key, "")
    with pytest.raises(ValidationError):
        clean_captcha("", "aaaaaa")

    assert empty_answer.value.messages == ["This field is required."]
    assert CaptchaStore.objects.filter(hashkey=key).exists()


@pytest.mark.django_db
def test_the_hidden_key_is_plain_and_the_answer_box_is_labelled_even_after_an_error(
    client,
):
    story = make_published_story()
    html = client.get(form_url(story)).content.decode()
    key = captcha_key(html)

    wrong = client.post(form_url(story), {"captcha_0": key, "captcha_1": "zzzzzz"})

    for page in (html, wrong.content.decode()):
        hidden = re.search(r'<input type="hidden" name="captcha_0"[^>]*>', page)[0]
        assert "required" not in hidden
        assert "autocomplete" not in hidden
        assert "aria-" not in hidden
        assert '<label for="id_captcha_1" class="captcha-answer-label">' in page
    assert 'name="captcha_1" required aria-invalid="true"' in wrong.content.decode()


@pytest.mark.django_db
def test_enter_in_a_text_box_sends_the_comment_rather_than_changing_the_code(client):
    story = make_published_story()

    html = client.get(form_url(story)).content.decode()

    # Enter clicks the form's first submit button ("default button", HTML 4.10.21.2).
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", html)
    assert 'type="submit"' in buttons[0] and "Send comment" in buttons[0]
    assert "captcha_refresh" not in buttons[0]
    assert "Change the CAPTCHA code" in buttons[1]
