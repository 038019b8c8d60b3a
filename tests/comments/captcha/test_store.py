"""The key store (comments/captcha/store.py): a key is spent once, by a right or a
wrong answer, even under concurrency; expired keys are refused and swept."""

import threading
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import clean_captcha, solution


@pytest.mark.django_db
def test_a_correct_answer_in_any_case_passes_once_and_spends_the_key():
    key = CaptchaStore.generate_key()

    clean_captcha(key, f"  {solution(key).upper()} ")

    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    with pytest.raises(ValidationError):
        clean_captcha(key, "anything")


@pytest.mark.django_db
def test_a_wrong_answer_burns_the_key_so_the_right_one_fails_after_it():
    key = CaptchaStore.generate_key()
    right = solution(key)

    with pytest.raises(ValidationError) as wrong:
        clean_captcha(key, "wrong")
    with pytest.raises(ValidationError):
        clean_captcha(key, right)

    assert wrong.value.messages == ["Please enter the text displayed in the image."]


@pytest.mark.django_db
def test_an_expired_key_is_refused_even_with_the_right_answer():
    key = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=key).update(
        expiration=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(ValidationError):
        clean_captcha(key, solution(key))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["0" * 40, "../../etc/passwd", "not-hex!", "a" * 500, "'; DROP TABLE x;--"]
)
def test_forged_keys_are_refused(key):
    with pytest.raises(ValidationError):
        clean_captcha(key, "aaaaaa")


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_solved_key_are_accepted_exactly_once():
    """8 threads on their own connections, released together, 20 trials. The
    library's check-then-delete accepted a key several times in most trials."""
    outcomes = []
    for _ in range(20):
        key = CaptchaStore.generate_key()
        answer = solution(key)
        barrier = threading.Barrier(8)
        accepted = []

        def attempt(key=key, answer=answer, barrier=barrier, accepted=accepted):
            try:
                connection.ensure_connection()
                barrier.wait(timeout=10)
                try:
                    clean_captcha(key, answer)
                    accepted.append(True)
                except ValidationError:
                    accepted.append(False)
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes.append((len(accepted), accepted.count(True)))

    assert outcomes == [(8, 1)] * 20


# --- Lifetime and clean-up ----------------------------------------------------------


@pytest.mark.django_db
def test_keys_live_about_twenty_minutes():
    key = CaptchaStore.generate_key()
    lifetime = CaptchaStore.objects.get(hashkey=key).expiration - timezone.now()

    assert timedelta(minutes=19) < lifetime <= timedelta(minutes=20)


@pytest.mark.django_db
def test_the_captcha_table_has_an_expiry_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'captcha_captchastore'"
        )
        definitions = " ".join(row[0] for row in cursor.fetchall())

    assert "captcha_store_expiration_idx" in definitions
    assert "(expiration)" in definitions


@pytest.mark.django_db
def test_the_clean_up_command_removes_only_expired_keys():
    live = CaptchaStore.generate_key()
    expired = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=expired).update(
        expiration=timezone.now() - timedelta(minutes=1)
    )

    call_command("captcha_clean", verbosity=0)

    assert list(CaptchaStore.objects.values_list("hashkey", flat=True)) == [live]
