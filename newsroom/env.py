"""The one place that reads the environment; .env.example lists every variable."""

import os
import urllib.parse

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def get(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def get_bool(name: str, default: bool = False) -> bool:
    value = get(name, str(default)).strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def get_int(name: str, default: int) -> int:
    value = get(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}."
        ) from None


def get_float(name: str, default: float) -> float:
    value = get(name, str(default)).strip()
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def get_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in get(name, default).split(",") if item.strip()]


def get_origin(name: str, default: str) -> str:
    """An http(s) address with a host and no path, query or fragment (a trailing
    "/" is dropped), ready to have an absolute path appended."""
    return address(name, get(name, default), example="https://news.example.org")


def address(name: str, value: str, *, example: str, path: bool = False) -> str:
    """`value` as an http(s) address with a host (and, if `path`, maybe a path), no
    query, fragment or credentials, without a trailing slash; else a sentence that
    names the variable `name`."""
    value = value.strip().rstrip("/")
    parts = urllib.parse.urlsplit(value)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or (parts.path and not path)
        or parts.query
        or parts.fragment
        or "?" in value
        or "#" in value
        or parts.username is not None
        or not port_ok
    ):
        raise ImproperlyConfigured(
            f"{name} must be an http:// or https:// address"
            f"{'' if path else ' with no path'}, such as {example}, not {value!r}."
        )
    return value
