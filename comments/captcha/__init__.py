"""The comment form's CAPTCHA, in one place: our layer over django-simple-captcha 0.7.

field.py    the form field and its accessible widget (image, "Change", "Speak")
store.py    the key store: a key is spent by one DELETE … RETURNING
audio.py    the spoken challenge (flite, with noise over the whole clip)
views.py    image, audio and refresh URLs (urls.py), rate-limited and expiry-aware
router.py   CAPTCHA rows are read and written on the primary database only
checks.py   a system check for the promised spoken CAPTCHA

docs/comments.md explains the library's gaps this closes.
"""
