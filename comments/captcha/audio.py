"""The spoken CAPTCHA: the challenge read letter by letter by flite, with noise over
the whole clip."""

import array
import io
import random
import secrets
import subprocess
import tempfile
import wave
from pathlib import Path

FLITE_VOICES = ("kal", "slt", "rms", "awb")
FLITE_TIMEOUT_SECONDS = 15


class AudioUnavailable(Exception):
    """The synthesiser is missing or failed; the message goes to the log."""


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
