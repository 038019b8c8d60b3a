"""Where uploaded files live: the media folder (MEDIA_ROOT) by default, or an
S3-compatible object store when NEWSROOM_S3_BUCKET is set (django-storages' S3
backend on boto3; docs/operations.md, "Media on object storage").

- **Pages never ask the store anything.** A file's address is the public base URL
  (NEWSROOM_S3_CUSTOM_DOMAIN, or the bucket's own address) plus its name, built as
  plain text: no signed, expiring URL can end up in a cached page, and a store that
  is down cannot slow a reader's request.
- **Writes fail fast and in words.** Short timeouts and one retry; the admin stores
  an upload while its form can still say why it failed (articles/forms.py), the
  renditions task tries again later, and `describe` turns the error into a sentence.
- **Misconfiguration shows at start-up.** `s3_storage` refuses malformed variables
  (ImproperlyConfigured, when the settings load); the system check
  `check_media_store` asks the store once: a wrong bucket or refused credentials are
  errors (manage.py commands stop, so `make run` and the worker refuse to start),
  an unreachable store a warning (readers are served without it). /healthz asks the
  same question on each call.
"""

import re
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from newsroom import env

# What a storage call can raise when the folder or the store fails.
STORE_ERRORS = (OSError, BotoCoreError, ClientError)
# Seconds the health check and the start-up check wait for the store (once, no retry).
PROBE_SECONDS = 1.0
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class ObjectStorage(S3Storage):
    """django-storages' S3 backend as Newsroom uses it: unsigned public addresses,
    a new name for each upload (never overwriting a file an old version names),
    and `probe()`."""

    querystring_auth = False
    file_overwrite = False

    def probe(self) -> str | None:
        """None if the store answers and the bucket is there and ours to use;
        otherwise what is wrong, in words. One request, PROBE_SECONDS at most."""
        client = getattr(self, "_probe_client", None)
        if client is None:
            client = self._probe_client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                endpoint_url=self.endpoint_url,
                use_ssl=self.use_ssl,
                verify=self.verify,
                config=self.client_config.merge(
                    _client_config(PROBE_SECONDS, attempts=1)
                ),
            )
        try:
            client.head_bucket(Bucket=self.bucket_name)
        except STORE_ERRORS as error:
            return describe(error, bucket=self.bucket_name)
        return None

    def where(self) -> str:
        return f"bucket “{self.bucket_name}” at {self.endpoint_url or 'Amazon S3'}"


def _client_config(timeout: float, *, attempts: int) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
        # boto3 >= 1.36 adds CRC checksums by default, which several S3-compatible
        # stores refuse or do not send back: only where an operation requires them.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    custom_domain: str = "",
    timeout: float = 5.0,
) -> dict[str, Any] | None:
    """The STORAGES["default"] entry for the NEWSROOM_S3_* variables' values, or
    None when no bucket is named (uploads stay in MEDIA_ROOT). Refuses, in words,
    anything that would only fail later: a companion variable without a bucket, a
    malformed bucket name or address, half a key pair, a timeout of 0."""
    companions = {
        "NEWSROOM_S3_ENDPOINT_URL": endpoint_url,
        "NEWSROOM_S3_REGION": region,
        "NEWSROOM_S3_ACCESS_KEY_ID": access_key,
        "NEWSROOM_S3_SECRET_ACCESS_KEY": secret_key,
        "NEWSROOM_S3_CUSTOM_DOMAIN": custom_domain,
    }
    if not bucket:
        if given := [name for name, value in companions.items() if value]:
            raise ImproperlyConfigured(
                f"{' and '.join(given)} {'are' if len(given) > 1 else 'is'} set but "
                "NEWSROOM_S3_BUCKET is not: name the bucket to keep uploads on the "
                "object store, or unset the NEWSROOM_S3_ variables to keep them in "
                "NEWSROOM_MEDIA_ROOT."
            )
        return None
    if not BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise ImproperlyConfigured(
            "NEWSROOM_S3_BUCKET must be a bucket name: 3 to 63 lowercase letters, "
            f"digits, dots and hyphens, starting and ending with a letter or digit; "
            f"not {bucket!r}."
        )
    if endpoint_url:
        endpoint_url = env.address(
            "NEWSROOM_S3_ENDPOINT_URL", endpoint_url, example="https://s3.example.net"
        )
    elif not region:
        raise ImproperlyConfigured(
            "NEWSROOM_S3_BUCKET is set but neither NEWSROOM_S3_ENDPOINT_URL nor "
            "NEWSROOM_S3_REGION is: set the store's address (e.g. "
            "https://s3.example.net), or the Amazon S3 region (e.g. eu-west-1)."
        )
    if region and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", region):
        raise ImproperlyConfigured(
            f"NEWSROOM_S3_REGION must be a region name such as eu-west-1, not "
            f"{region!r}."
        )
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both NEWSROOM_S3_ACCESS_KEY_ID and NEWSROOM_S3_SECRET_ACCESS_KEY, "
            "or neither (boto3 then finds credentials itself: AWS_* variables, an "
            "instance role)."
        )
    if not timeout > 0:
        raise ImproperlyConfigured(
            f"NEWSROOM_S3_TIMEOUT must be more than 0 seconds, not {timeout!r}."
        )
    if custom_domain:
        if "//" not in custom_domain:
            custom_domain = f"https://{custom_domain}"
        public = env.address(
            "NEWSROOM_S3_CUSTOM_DOMAIN",
            custom_domain,
            example="https://media.example.org",
            path=True,
        )
    elif endpoint_url:
        public = f"{endpoint_url}/{bucket}"  # path-style, as the client addresses it
    else:
        public = f"https://{bucket}.s3.{region}.amazonaws.com"
    protocol, _, domain = public.partition("//")
    config = _client_config(timeout, attempts=2)
    if endpoint_url:
        # S3-compatible stores answer at one address, with the bucket in the path.
        config = config.merge(type(config)(s3={"addressing_style": "path"}))
    return {
        "BACKEND": "newsroom.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            # S3-compatible stores mostly ignore the region, but it is signed.
            "region_name": region or "us-east-1",
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            # Every address is built from this, without asking the store.
            "custom_domain": domain,
            "url_protocol": protocol,
            "client_config": config,
        },
    }


def media_origins(entry: dict[str, Any] | None) -> list[str]:
    """Where uploaded images are served from besides the site itself (scheme and
    host, for the Content-Security-Policy), from an `s3_storage` entry."""
    if entry is None:
        return []
    options = entry["OPTIONS"]
    return [f"{options['url_protocol']}//{options['custom_domain'].split('/')[0]}"]


def describe(error: Exception, *, bucket: str = "") -> str:
    """What went wrong with the media storage, in words for an editor or an
    operator (a clause: "the media store did not answer")."""
    the_bucket = f"the bucket “{bucket}”" if bucket else "the bucket"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in {"NoSuchBucket", "404"}:
            return f"{the_bucket} does not exist on the media store"
        if status == 403 or code in {"403", "AccessDenied", "InvalidAccessKeyId"}:
            return f"the media store refused access to {the_bucket} ({code or status})"
        return f"the media store answered {code or status}: {details.get('Message')}"
    if isinstance(
        error,
        EndpointConnectionError
        | ConnectTimeoutError
        | ReadTimeoutError
        | ConnectionClosedError,
    ):
        return "the media store did not answer"
    if isinstance(error, NoCredentialsError):
        return (
            "no credentials for the media store were found (set "
            "NEWSROOM_S3_ACCESS_KEY_ID and NEWSROOM_S3_SECRET_ACCESS_KEY)"
        )
    if isinstance(error, BotoCoreError):
        return f"the media store could not be used ({error})"
    if isinstance(error, OSError):  # the media folder, or the disk under it
        return error.strerror or str(error)
    return str(error)


def check_media_store(
    app_configs: list[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The object store answers and the bucket is ours (nothing to ask of a folder)."""
    store: Storage = storages["default"]
    if not isinstance(store, ObjectStorage):
        return []
    problem = store.probe()
    if problem is None:
        return []
    where = store.where()
    if problem == "the media store did not answer":
        return [
            Warning(
                f"The media store ({where}) did not answer within {PROBE_SECONDS:g} "
                "s: readers are served as usual, but image uploads will be refused "
                "until it does.",
                hint="Start the store or correct NEWSROOM_S3_ENDPOINT_URL.",
                id="newsroom.W001",
            )
        ]
    return [
        Error(
            f"Uploads cannot be stored ({where}): {problem}.",
            hint="Create the bucket, or correct NEWSROOM_S3_BUCKET and the "
            "NEWSROOM_S3_ACCESS_KEY_ID / NEWSROOM_S3_SECRET_ACCESS_KEY pair.",
            id="newsroom.E001",
        )
    ]
