"""HTTP for triple stores: one deadline per whole request, bounded retries, HTTP Basic,
Digest and bearer credentials, and errors that say whether the server may have acted.

``timeout`` bounds each request from connect to the last byte of the answer: a
watchdog shuts the socket when it runs out, so a server that trickles its answer
a byte at a time cannot hold a push for longer than that. Retries (connection
refused or reset, a malformed or cut-off answer, HTTP 429/502/503/504) back off
exponentially, capped, so the worst case of one request is known in advance
(:meth:`Client.worst_case`). Credentials come from the environment or netrc,
never from URLs, and are scrubbed from every message.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.client
import math
import netrc
import os
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.defaults import PUSH_RETRIES, PUSH_TIMEOUT
from kg.errors import KgError

Progress = Callable[[str], None]

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})

# Virtuoso echoes every named-graph-uri of a query as a response header, and kg query
# --endpoint names each source graph: hundreds for a large corpus, where Python's
# HTTP client stops at 100 headers. The watchdog still bounds a hostile server's time.
MAX_HEADERS = 20_000
if getattr(http.client, "_MAXHEADERS", MAX_HEADERS) < MAX_HEADERS:
    setattr(http.client, "_MAXHEADERS", MAX_HEADERS)  # noqa: B010 - private in typeshed
MAX_DELAY = 30.0
ENV_TOKEN, ENV_USER, ENV_PASSWORD, ENV_NETRC = (
    "KG_STORE_TOKEN",
    "KG_STORE_USER",
    "KG_STORE_PASSWORD",
    "NETRC",
)


class StoreError(KgError):
    """A triple store refused a request or could not be reached.

    ``maybe_applied`` is True when the request may have reached the server and taken
    effect although no complete answer came back (a timeout, a reset, a cut-off or
    malformed answer): what the store holds is then unknown.
    """

    def __init__(self, message: str, *, maybe_applied: bool = False, too_large: bool = False):
        super().__init__(message)
        self.maybe_applied, self.too_large = maybe_applied, too_large


def check_options(timeout: float, retries: int, backoff: float = 0.5) -> None:
    """Reject option values that cannot bound a request (negative, zero, NaN, infinite)."""
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise StoreError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if not isinstance(retries, int) or retries < 0:
        raise StoreError(f"retries must be 0 or more, not {retries!r}")
    if not (math.isfinite(backoff) and backoff >= 0):
        raise StoreError(f"backoff must be 0 or more seconds, not {backoff!r}")


def check_url(url: str) -> None:
    """An http(s) URL without credentials in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise StoreError(f"not an http(s) URL: {redact_url(url)}")
    if parts.username is not None or parts.password is not None:
        raise StoreError(
            f"{redact_url(url)}: do not put credentials in URLs; set {ENV_USER} and "
            f"{ENV_PASSWORD} (or {ENV_TOKEN}) or use a netrc file"
        )


def redact_url(url: str) -> str:
    return re.sub(r"//[^/@]*@", "//***@", url)


# -- credentials ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    """An Authorization header (and, for user and password, what Digest needs); repr and
    str never show a secret."""

    source: str
    header: str = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False, default=())
    user: str | None = field(repr=False, default=None)
    password: str | None = field(repr=False, default=None)

    def scrub(self, text: str) -> str:
        for secret in sorted((self.header, *self.secrets), key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def credentials_from_environment(
    url: str, environ: Mapping[str, str] | None = None, netrc_file: Path | str | None = None
) -> Credentials | None:
    """``KG_STORE_TOKEN`` (bearer), else ``KG_STORE_USER``/``KG_STORE_PASSWORD`` (Basic, or
    Digest when the server asks for it), else the netrc entry for the URL's host
    (``$NETRC`` or ``~/.netrc``), else None."""
    env = os.environ if environ is None else environ
    if env.get(ENV_TOKEN):
        token = env[ENV_TOKEN]
        return Credentials(ENV_TOKEN, f"Bearer {token}", (token,))
    if env.get(ENV_USER) or env.get(ENV_PASSWORD):
        return user_password(
            f"{ENV_USER}/{ENV_PASSWORD}", env.get(ENV_USER, ""), env.get(ENV_PASSWORD, "")
        )
    path = Path(netrc_file or env.get(ENV_NETRC) or Path.home() / ".netrc")
    host = urllib.parse.urlsplit(url).hostname
    if not host or not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise StoreError(f"{path}: cannot read netrc file ({type(exc).__name__})") from None
    if entry is None:
        return None
    login, _, password = entry
    return user_password(f"netrc ({path})", login, password or "")


def user_password(source: str, user: str, password: str) -> Credentials:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return Credentials(source, f"Basic {token}", (token, password), user, password)


_DIGESTS: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
}


@dataclass(slots=True)
class _Digest:
    """A Digest challenge (RFC 7616, qop ``auth`` or none) and the nonce count used on it."""

    realm: str
    nonce: str
    qop: str | None
    algorithm: str
    opaque: str | None
    count: int = 0

    @classmethod
    def parse(cls, header: str) -> _Digest | None:
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        values = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        algorithm = values.get("algorithm", "MD5").upper()
        qops = [q.strip() for q in values.get("qop", "").split(",") if q.strip()]
        if algorithm not in _DIGESTS or (qops and "auth" not in qops) or "nonce" not in values:
            return None
        return cls(
            values.get("realm", ""),
            values["nonce"],
            "auth" if qops else None,
            algorithm,
            values.get("opaque"),
        )

    def header(self, user: str, password: str, method: str, url: str) -> str:
        def digest(text: str) -> str:
            return str(_DIGESTS[self.algorithm](text.encode("utf-8")).hexdigest())

        parts = urllib.parse.urlsplit(url)
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        self.count += 1
        ha1 = digest(f"{user}:{self.realm}:{password}")
        ha2 = digest(f"{method}:{uri}")
        fields = [
            f'username="{user}"',
            f'realm="{self.realm}"',
            f'nonce="{self.nonce}"',
            f'uri="{uri}"',
            f"algorithm={self.algorithm}",
        ]
        if self.qop:
            cnonce, count = secrets.token_hex(8), f"{self.count:08x}"
            answer = digest(f"{ha1}:{self.nonce}:{count}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
        else:
            answer = digest(f"{ha1}:{self.nonce}:{ha2}")
        fields.append(f'response="{answer}"')
        if self.opaque is not None:
            fields.append(f'opaque="{self.opaque}"')
        return "Digest " + ", ".join(fields)


# -- one request, bounded as a whole -------------------------------------------------------


class _Watchdog:
    """Shuts the request's socket when its time is up, whatever the socket is waiting for."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._socket = sock
            if self.expired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedHTTP(http.client.HTTPConnection):
    """A connection whose socket the watchdog can cut once it is open."""

    def __init__(self, *args: Any, watchdog: _Watchdog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self) -> None:
        super().connect()
        self._watchdog.attach(self.sock)


class _WatchedHTTPS(_WatchedHTTP, http.client.HTTPSConnection):
    """The same over TLS: HTTPSConnection.connect wraps the socket, then the watchdog
    attaches to the wrapped one."""


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_WatchedHTTP, watchdog=self.watchdog), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_WatchedHTTPS, watchdog=self.watchdog)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are errors: they would resend a body (and credentials) somewhere else."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _TransientError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None, maybe: bool = False):
        super().__init__(reason)
        self.reason, self.retry_after, self.maybe = reason, retry_after, maybe


# What stores say when one request holds too much: Virtuoso's SPARQL compiler runs out
# of memory (SP030) or of generated SQL lines (SP031) on a large INSERT DATA.
_TOO_LARGE = re.compile(
    r"SP030|SP031|memory exhausted|too large|too long|request entity", re.IGNORECASE
)


class Client:
    """HTTP with a deadline per request, bounded retries and scrubbed error messages."""

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        timeout: float = PUSH_TIMEOUT,
        retries: int = PUSH_RETRIES,
        backoff: float = 0.5,
        progress: Progress | None = None,
    ) -> None:
        check_options(timeout, retries, backoff)
        self.credentials, self.timeout, self.retries, self.backoff = (
            credentials,
            float(timeout),
            retries,
            backoff,
        )
        self.progress = progress or (lambda _: None)
        self.requests = 0
        self._digest: _Digest | None = None
        # A user and password wait for the server's challenge, so a server that wants
        # Digest never sees them in Basic form: None until then, "basic" or "digest".
        self._scheme: str | None = None

    def delays(self) -> list[float]:
        return [min(MAX_DELAY, self.backoff * 2**attempt) for attempt in range(self.retries)]

    def worst_case(self) -> float:
        """The longest one request can take: every attempt timing out, every pause taken."""
        return (self.retries + 1) * self.timeout + sum(self.delays())

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        content_type: str = "",
        accept: str = "*/*",
    ) -> bytes:
        maybe = False
        for attempt in range(self.retries + 1):
            try:
                return self._send(method, url, body, content_type, accept)
            except _TransientError as exc:
                maybe = maybe or exc.maybe
                if attempt == self.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise StoreError(
                        self._scrub(f"{method} {url}: {exc.reason}{tries}"), maybe_applied=maybe
                    ) from None
                delay = min(MAX_DELAY, exc.retry_after or self.delays()[attempt])
                self.progress(f"{method} {url}: {exc.reason}; retrying in {delay:.2f} s")
                time.sleep(delay)
            except StoreError as exc:
                exc.maybe_applied = exc.maybe_applied or maybe
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self, method: str, url: str, body: bytes | None, content_type: str, accept: str
    ) -> bytes:
        answered = False
        while True:  # again only to answer an authentication challenge, once
            try:
                return self._once(method, url, body, content_type, accept)
            except urllib.error.HTTPError as exc:
                with exc:
                    detail = exc.read(300).decode("utf-8", "replace").strip()
                challenge = exc.headers.get("WWW-Authenticate") or ""
                if exc.code == 401 and not answered and self._answer(challenge):
                    answered = True
                    continue
                raise self._http_error(method, url, exc, detail) from None

    def _answer(self, challenge: str) -> bool:
        """Choose how to send a user and password from the server's challenge: Digest when
        it asks for Digest, else Basic. False when there is nothing new to try."""
        credentials = self.credentials
        if credentials is None or credentials.user is None:
            return False
        digest = _Digest.parse(challenge)
        if digest is not None:
            if self._digest is not None and self._digest.nonce == digest.nonce:
                return False  # refused with this very challenge: wrong credentials
            self._digest, self._scheme = digest, "digest"
            return True
        if self._scheme == "basic":
            return False
        self._scheme = "basic"
        return True

    def _http_error(
        self, method: str, url: str, exc: urllib.error.HTTPError, detail: str
    ) -> Exception:
        if exc.code in TRANSIENT_STATUS:
            return _TransientError(
                f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers.get("Retry-After"))
            )
        hint = self._hint(exc.code, exc.headers.get("Location"))
        message = f"{method} {url}: HTTP {exc.code} {exc.reason}{hint}"
        too_large = exc.code == 413 or (exc.code in {400, 500} and bool(_TOO_LARGE.search(detail)))
        return StoreError(
            self._scrub(message + (f"\n{detail}" if detail else "")), too_large=too_large
        )

    def _once(
        self, method: str, url: str, body: bytes | None, content_type: str, accept: str
    ) -> bytes:
        headers = {"Accept": accept, "User-Agent": "kg"}
        if content_type:
            headers["Content-Type"] = content_type
        credentials = self.credentials
        if credentials is not None:
            if credentials.user is None:  # a bearer token: always sent
                headers["Authorization"] = credentials.header
            elif self._scheme == "digest" and self._digest is not None:
                headers["Authorization"] = self._digest.header(
                    credentials.user, credentials.password or "", method, url
                )
            elif self._scheme == "basic":
                headers["Authorization"] = credentials.header
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        self.requests += 1
        with _Watchdog(self.timeout) as watchdog:
            opener = urllib.request.build_opener(
                _HTTPHandler(watchdog), _HTTPSHandler(watchdog), _NoRedirect()
            )
            try:
                with opener.open(request, timeout=self.timeout) as response:
                    data: bytes = response.read()
                    if watchdog.expired:
                        raise TimeoutError
                    return data
            except urllib.error.HTTPError:
                if watchdog.expired:
                    raise self._timed_out(method, url) from None
                raise
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if watchdog.expired:
                    raise self._timed_out(method, url) from None
                raise self._failure(method, url, exc) from None

    def _timed_out(self, method: str, url: str) -> StoreError:
        return StoreError(
            f"{method} {url}: no complete answer within {self.timeout:g} s (--timeout bounds "
            "the whole request)",
            maybe_applied=True,
        )

    def _failure(self, method: str, url: str, exc: Exception) -> Exception:
        reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        sent = not isinstance(exc, urllib.error.URLError)  # URLError: failed before an answer
        if isinstance(reason, ConnectionRefusedError):
            return _TransientError(f"ConnectionRefusedError: {reason}")
        if isinstance(reason, http.client.HTTPException):  # cut off, malformed, not HTTP
            return _TransientError(
                f"malformed answer ({type(reason).__name__}: {reason})", maybe=True
            )
        if isinstance(reason, ConnectionError):  # reset, aborted, broken pipe
            return _TransientError(f"{type(reason).__name__}: {reason}", maybe=True)
        if isinstance(reason, TimeoutError):
            return self._timed_out(method, url)
        return StoreError(
            self._scrub(f"{method} {url}: cannot reach the server: {reason}"), maybe_applied=sent
        )

    def _hint(self, status: int, location: str | None) -> str:
        if status in {401, 403}:
            if self.credentials is None:
                return (
                    f" (no credentials were sent: set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN},"
                    " or use netrc)"
                )
            scheme = f" ({self._scheme.title()})" if self._scheme else ""
            return f" (the server refused the credentials from {self.credentials.source}{scheme})"
        if status == 404:
            return " (wrong URL? check --endpoint, --store-url and --update-url)"
        if status in {405, 415, 501}:
            return " (this URL may not speak the Graph Store Protocol: try --method update)"
        if 300 <= status < 400:
            return f" (redirected to {location or '?'}: use that URL instead)"
        return ""

    def _scrub(self, text: str) -> str:
        return self.credentials.scrub(text) if self.credentials else text


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


__all__ = [
    "Client",
    "Credentials",
    "StoreError",
    "check_options",
    "check_url",
    "credentials_from_environment",
    "redact_url",
    "user_password",
]
