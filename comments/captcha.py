"""Our layer over django-simple-captcha 0.7: a `secrets` challenge, an accessible
widget, a field that consumes its key in one statement, and the spoken version.

See ../shared/research/captcha-anchors.md for the library's gaps this closes.
"""

import array
import io
import random
import secrets
import subprocess
import tempfile
import wave
from pathlib import Path

from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

# No letters that look alike once rotated and blurred (0/O/Q/D, 1/I/J/L, 2/Z, 5/S,
# 8/B, U/V, C/G) or sound alike when spoken by flite (B/D/P/T/V, M/N).
ALPHABET = "AEFHKMRWXY"
LENGTH = 6  # 10**6 codes; one guess per code (a wrong answer burns the key)
FLITE_VOICES = ("kal", "slt", "rms", "awb")
FLITE_TIMEOUT_SECONDS = 15
LABEL = "Retype the CAPTCHA code from the image"
INVALID = "Please enter the text displayed in the image."


class AudioUnavailable(Exception):
    """The synthesiser is missing or failed; the message goes to the log."""


def secure_challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: shown upper-case, answered in any case.

    Drawn with `secrets`, never with the `random` module the library's image view
    reseeds with the (public) key on every image request.
    """
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return code, code.lower()


def consume_captcha(key: str, answer: str) -> bool:
    """Spend the key: True only if it existed, had not expired and `answer` matches.

    One DELETE … RETURNING on the primary. Concurrent posts of the same solved key
    queue on the row lock and all but the first delete nothing, so exactly one
    passes; a wrong answer burns the key too (one attempt per key).
    """
    table = CaptchaStore._meta.db_table
    with connections["default"].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE hashkey = %s RETURNING response, expiration",
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    response, expiration = row
    return expiration > timezone.now() and constant_time_compare(response, answer)


def captcha_store(key: str) -> CaptchaStore | None:
    """The challenge behind `key`, expired or not; None once spent or swept (or if
    we never issued it)."""
    return CaptchaStore.objects.using("default").filter(hashkey=key).first()


class AccessibleCaptchaInput(CaptchaTextInput):
    """The three BotDetect controls (image with a 2x version, "Change", "Speak"),
    all working without JavaScript."""

    template_name = "comments/captcha_widget.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        key = self._key
        # Read at render time (the library copied its settings at import).
        context["audio"] = (
            reverse("captcha-audio", kwargs={"key": key})
            if settings.CAPTCHA_FLITE_PATH
            else None
        )
        context["image_2x"] = reverse("captcha-image-2x", kwargs={"key": key})
        context["help_id"] = f"{context['widget']['attrs'].get('id', name)}_help"
        key, answer = (sub["attrs"] for sub in context["widget"]["subwidgets"])
        # HTML allows none of these on a hidden input (Django gives them to every
        # part of a required, invalid MultiWidget).
        for attr in [*key]:
            if attr in {"required", "autocomplete"} or attr.startswith("aria-"):
                del key[attr]
        answer["aria-describedby"] = context["help_id"]
        answer["size"] = LENGTH + 4
        return context


class AtomicCaptchaField(CaptchaField):
    """CaptchaField whose key can be used once, even by concurrent requests.

    Test mode is deliberately not supported: tests solve real challenges.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", AccessibleCaptchaInput())
        kwargs.setdefault("label", LABEL)
        kwargs.setdefault("error_messages", {"invalid": INVALID})
        super().__init__(**kwargs)

    def clean(self, value):
        forms.MultiValueField.clean(self, value)  # "required", as upstream
        key, answer = value[0], (value[1] or "").strip().lower()
        value[1] = ""  # never echo the answer back
        if not consume_captcha(key, answer):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def speak(challenge: str, *, flite: str) -> bytes:
    """The challenge spoken letter by letter, as a 16-bit mono WAV with noise over
    its whole length. Random voice, pace, padding and noise: generated once per key
    (the caller caches it), so fetching it again cannot average the noise away.
    """
    voice = secrets.choice(FLITE_VOICES)
    stretch = 1.15 + secrets.randbelow(25) / 100
    text = ", ".join(challenge)
    try:
        with tempfile.TemporaryDirectory(prefix="captcha-audio-") as folder:
            path = Path(folder) / "speech.wav"
            subprocess.run(
                [flite, "-voice", voice, "--setf", f"duration_stretch={stretch}"]
                + ["-t", text, "-o", str(path)],
                check=True,
                capture_output=True,
                timeout=FLITE_TIMEOUT_SECONDS,
            )
            with wave.open(str(path), "rb") as speech:
                if speech.getnchannels() != 1 or speech.getsampwidth() != 2:
                    raise AudioUnavailable(f"{flite} did not write 16-bit mono audio")
                rate = speech.getframerate()
                samples = array.array("h", speech.readframes(speech.getnframes()))
    except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as error:
        raise AudioUnavailable(f"{flite} failed: {error!r}") from error
    if len(samples) < rate // 4:
        raise AudioUnavailable(f"{flite} wrote {len(samples)} samples only")
    return _with_noise(samples, rate)


def _with_noise(speech: array.array, rate: int) -> bytes:
    rng = random.Random(secrets.randbits(64))
    lead = int(rate * rng.uniform(0.4, 0.9))
    tail = int(rate * rng.uniform(0.3, 0.7))
    padded = [0] * lead + list(speech) + [0] * tail
    speech_level = max(1.0, (sum(s * s for s in speech) / len(speech)) ** 0.5)
    # Brown noise (leaky random walk) whose loudness drifts slowly, so no stretch
    # of the clip is clean and no fixed noise print can be subtracted.
    level, drift, walk, out = 0.3 * speech_level, 1.0, 0.0, array.array("h")
    for sample in padded:
        walk = 0.97 * walk + rng.uniform(-1.0, 1.0)
        drift = min(1.4, max(0.6, drift + rng.uniform(-0.002, 0.002)))
        mixed = sample + walk * level * drift / 4.0
        out.append(int(max(-32768.0, min(32767.0, mixed))))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(out.tobytes())
    return buffer.getvalue()
