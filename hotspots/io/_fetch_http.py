"""HTTP for the police.uk fetcher: one session, a rate limit, retries, clear errors.

Every request goes through :meth:`Client.call`, which waits for the rate limit,
retries timeouts, dropped connections, HTTP 429 and 5xx with exponential backoff and
jitter (honouring ``Retry-After``), and turns everything else into a
:class:`FetchError` that names the URL and says what to do. A refused connection or
an unknown host name is taken to mean "no network" and is not retried.
:meth:`Client.download` streams a file to a temporary name beside its target, hashes
it, checks it and only then renames it, so an interrupted or corrupt download never
leaves a partial file.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import requests
from tqdm.auto import tqdm
from urllib3.exceptions import NewConnectionError

from hotspots._atomic import atomic_path
from hotspots._version import __version__
from hotspots.exceptions import FetchError

__all__ = ["BURST", "RATE_PER_S", "Client", "CorruptDownloadError", "FetchError"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: data.police.uk/docs/api-call-limits/: "15 requests per second with a burst of 30";
#: over the limit the API answers HTTP 429. The fetcher keeps under it everywhere.
RATE_PER_S = 15.0
BURST = 30
_BACKOFF_S = 1.0  # wait before the first retry; doubled on each further retry
_BACKOFF_CAP_S = 60.0
_RETRY_AFTER_CAP_S = 300.0  # never sleep longer than this on a server's say-so
_CHUNK_BYTES = 1 << 20
_USER_AGENT = f"hotspots/{__version__} (police.uk fetcher; python-requests)"


class CorruptDownloadError(Exception):
    """A downloaded body failed a check (truncated ZIP, broken JSON): retried."""


class _TokenBucket:
    """Allow ``burst`` requests at once and ``rate`` per second on average."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return
        time.sleep((1 - self.tokens) / self.rate)
        self.tokens, self.stamp = 0.0, time.monotonic()


def _offline_reason(err: requests.ConnectionError) -> str | None:
    """Return why the host could not be reached at all (DNS, refused), else None."""
    reason: Any = err.args[0] if err.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the cause
    if isinstance(reason, NewConnectionError):  # includes NameResolutionError
        return str(reason).split(": ", 1)[-1]
    return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(max(float(value), 0.0), _RETRY_AFTER_CAP_S)
    except ValueError:
        return None  # an HTTP date, or nothing: use our own backoff


class Client:
    """A rate-limited ``requests.Session`` with retries and clear errors.

    Parameters
    ----------
    retries : int
        Further attempts after the first, for timeouts, dropped connections, HTTP
        429 and 5xx, and corrupt bodies.
    timeout : float
        Seconds to wait for the server to connect or to send the next bytes.
    out : Path
        The output folder, named in the "no network" advice.
    """

    def __init__(
        self,
        *,
        retries: int,
        timeout: float,
        out: Path,
        rate: float = RATE_PER_S,
        burst: int = BURST,
    ) -> None:
        self.retries, self.timeout, self.out = retries, timeout, out
        self.session = requests.Session()
        self.session.headers["User-Agent"] = _USER_AGENT
        self.bucket = _TokenBucket(rate, burst)
        self.jitter = random.Random()
        self.requests = 0
        self.bytes = 0

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def _wait(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            delay = retry_after
        else:
            delay = min(_BACKOFF_S * 2**attempt, _BACKOFF_CAP_S)
            delay *= 0.5 + self.jitter.random()  # jitter: 0.5 to 1.5 times the backoff
        time.sleep(delay)
        return delay

    def call(
        self,
        method: str,
        url: str,
        *,
        handle: Callable[[requests.Response], T],
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        stream: bool = False,
        pass_statuses: Iterable[int] = (),
    ) -> T:
        """Send a request and return ``handle(response)``, retrying what is transient.

        ``handle`` gets every 200 response and those whose status is in
        ``pass_statuses``; it may raise :class:`CorruptDownloadError` (or a
        streaming error) to have the request retried.

        Raises
        ------
        FetchError
            No network (not retried), HTTP 4xx other than 429, or still failing
            after ``retries`` further attempts.
        """
        shown = requests.Request(method, url, params=params).prepare().url or url
        if data:
            shown += f" ({method}, {', '.join(sorted(data))} in the body)"
        passed = set(pass_statuses)
        problem = ""
        retry_after: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self._wait(attempt - 1, retry_after)
                logger.info(
                    "%s; retry %d/%d in %.1f s.", problem, attempt, self.retries, delay
                )
            retry_after = None
            self.bucket.take()
            self.requests += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    timeout=self.timeout,
                    stream=stream,
                )
            except requests.ConnectionError as err:
                offline = _offline_reason(err)
                if offline is not None:
                    raise FetchError(self._offline_message(shown, offline)) from err
                problem = f"{shown}: {type(err).__name__} ({err})"
                continue
            except requests.Timeout as err:
                problem = f"{shown}: no answer within {self.timeout:g} s ({err})"
                continue
            with response:
                status = response.status_code
                if status == 200 or status in passed:
                    try:
                        return handle(response)
                    except (CorruptDownloadError, requests.RequestException) as err:
                        problem = f"{shown}: {err}"
                        continue
                if status == 429:
                    retry_after = _retry_after(response)
                    problem = f"{shown}: HTTP 429 Too Many Requests (rate limit)"
                    continue
                if status >= 500:
                    problem = f"{shown}: HTTP {status} {response.reason}"
                    continue
                raise FetchError(self._client_error_message(shown, response))
        raise FetchError(
            f"{problem}; gave up after {self.retries + 1} attempt(s). The server may "
            "be busy or down: run the same command again later (files already "
            "fetched are kept and not downloaded again), or raise retries=/timeout= "
            "(--retries, --timeout)."
        )

    def _offline_message(self, shown: str, reason: str) -> str:
        return (
            f"no network: cannot reach {shown} ({reason}). Fetch on a machine with "
            f"internet access, or copy the police.uk files into {self.out} by hand "
            "(the reader reads them). Nothing partial was written; files already "
            "fetched and the cache are kept."
        )

    @staticmethod
    def _client_error_message(shown: str, response: requests.Response) -> str:
        status = response.status_code
        advice = {
            400: "the request was refused as malformed: a month or area the server "
            "does not accept, or a GET longer than 4094 characters",
            404: "nothing is published there: the month may not be released yet "
            "(police.uk publishes each month some weeks after it ends) or is older "
            "than the site keeps; choose other months, or the other source",
        }.get(status, "the server refused the request")
        return f"{shown}: HTTP {status} {response.reason}; {advice}."

    def download(
        self,
        url: str,
        target: Path,
        *,
        check: Callable[[Path], None],
        progress: bool,
    ) -> str:
        """Stream ``url`` to ``target`` through a temporary file; return its sha256.

        ``check(temporary_path)`` runs before the rename and raises
        :class:`CorruptDownloadError` to have the download retried. On any failure the
        temporary file is removed and ``target`` is left as it was.
        """

        def _save(response: requests.Response) -> str:
            size = int(response.headers.get("Content-Length") or 0) or None
            digest = hashlib.sha256()
            with (
                atomic_path(target) as tmp,
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc=target.name,
                    leave=False,
                    disable=not progress,
                ) as bar,
            ):
                with tmp.open("wb") as file:
                    for chunk in response.iter_content(_CHUNK_BYTES):
                        file.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
                        self.bytes += len(chunk)
                check(tmp)
            return digest.hexdigest()

        return self.call("GET", url, handle=_save, stream=True)
