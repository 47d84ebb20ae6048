"""HTTP adapter for EMBL-EBI BioSamples (and the ENA Webin token service).

No business logic: it turns samples (BioSamples JSON dicts) into HTTP calls and answers
into dicts or typed exceptions, coping with what the real service does:

* **Auth** – a Webin JWT (plain text from ``/ena/submit/webin/auth/token``) is cached and
  renewed before its ``exp`` (read from the JWT payload); on a 401/403 the client logs in
  again once and repeats the call.
* **Retries** – 429, 5xx, connection errors and HTML pages (the load balancer's
  maintenance page, sometimes with status 200) are retried with exponential backoff and
  full jitter, honouring ``Retry-After`` (seconds or an HTTP date).
* **No duplicate samples** – a ``POST`` whose answer was lost (connection dropped or timed
  out after sending, 5xx other than 429/503, an HTML page) is never repeated blindly: the
  client first looks the sample up by name (``filter=name:…``), polling for a while since
  the search index lags behind writes, and returns the existing record if it finds one of
  its own.
* Every call has a timeout.

Example::

    client = BioSamplesClient.for_stage("test", "Webin-12345", "secret")
    created = client.create(sample)            # -> stored sample, with "accession"
    client.update(created["accession"], sample_with_relationships)
    for page in client.search(["attr:project:IMAGE"]):
        ...
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

LOG = logging.getLogger(__name__)

#: BioSamples base URL and Webin token URL of each stage.
STAGES: dict[str, tuple[str, str]] = {
    "production": ("https://www.ebi.ac.uk/biosamples",
                   "https://www.ebi.ac.uk/ena/submit/webin/auth/token"),
    "test": ("https://wwwdev.ebi.ac.uk/biosamples",
             "https://wwwdev.ebi.ac.uk/ena/submit/webin/auth/token"),
}
#: Fields the server computes; stripped before writing.
SERVER_ONLY_FIELDS = ("_links", "releaseDate", "updateDate", "taxId", "status",
                      "submittedVia", "update")
#: Fields kept from the stored sample on update (the server would keep them anyway).
KEPT_ON_UPDATE = ("accession", "sraAccession", "create", "submitted",
                  "webinSubmissionAccountId")
SAFE_TO_REPEAT_STATUSES = frozenset({429, 503})
JSON_TYPES = ("application/json", "application/hal+json", "application/problem+json")


class BioSamplesError(Exception):
    """A BioSamples call failed.

    ``status`` is the HTTP status (``None`` when no answer arrived) and ``message`` the
    service's own explanation (Spring's ``message``, or the validator's error list).
    """

    def __init__(self, message: str, *, status: int | None = None, body: Any = None,
                 url: str | None = None) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.body = body
        self.url = url


class BioSamplesUnavailable(BioSamplesError):
    """The service could not be reached or kept failing (retries exhausted)."""


class BioSamplesBadResponse(BioSamplesUnavailable):
    """The answer was not the JSON expected (e.g. an HTML maintenance page with 200)."""


class BioSamplesOutcomeUnknown(BioSamplesUnavailable):
    """A create's answer was lost and the sample could not be found by name (yet)."""


class BioSamplesRejected(BioSamplesError):
    """The service refused the request (4xx): validation, permissions, bad input."""


class BioSamplesNotFound(BioSamplesRejected):
    """No such sample (404)."""


class BioSamplesAuthError(BioSamplesRejected):
    """Webin login failed (bad credentials) or the account may not do this."""


class _LostAnswer(Exception):
    """A non-idempotent request may or may not have been processed."""


@dataclass(frozen=True, slots=True)
class WebinToken:
    """A Webin JWT and the times read from its payload."""

    value: str
    exp: float
    iat: float
    principal: str

    @classmethod
    def parse(cls, value: str) -> WebinToken:
        """Read ``exp``/``iat``/``principle`` from the (unverified) payload."""
        try:
            part = value.split(".")[1]
            payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            exp = float(payload["exp"])
        except (IndexError, ValueError, KeyError, TypeError) as exc:
            raise BioSamplesBadResponse("Webin token endpoint did not return a JWT") from exc
        iat = float(payload.get("iat") or time.time())
        return cls(value, exp, iat, str(payload.get("principle") or ""))

    def needs_refresh(self, now: float, margin: float) -> bool:
        """True when the token is within ``margin`` seconds (at most a quarter of its
        lifetime) of expiring."""
        lifetime = max(self.exp - self.iat, 0.0)
        return now >= self.exp - min(margin, lifetime / 4)


@dataclass(slots=True)
class SearchPage:
    """One page of search results."""

    samples: list[dict[str, Any]]
    url: str
    next_url: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; ``None`` if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _service_message(response: requests.Response) -> str:
    """BioSamples' own explanation of an error answer."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] if text else (response.reason or str(response.status_code))
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    if isinstance(body, list):  # biovalidator: [{"dataPath":..,"errors":[..]}]
        parts = []
        for item in body:
            if isinstance(item, dict):
                errors = "; ".join(map(str, item.get("errors") or []))
                parts.append(f"{item.get('dataPath', '')}: {errors}")
            else:
                parts.append(str(item))
        return " | ".join(parts)
    return str(body)


def _is_html(response: requests.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").lower()
    if "html" in ctype:
        return True
    return response.content[:200].lstrip().lower().startswith((b"<!doctype", b"<html"))


def _sent_before_failure(exc: requests.RequestException) -> bool:
    """True when the request may have reached the server (answer lost, not refused)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError | ConnectTimeoutError):
            return False
    return True


class BioSamplesClient:
    """Thread-safe BioSamples v1 client for one Webin account."""

    def __init__(
        self,
        base_url: str,
        auth_url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        token_ttl_hours: float | None = None,
        refresh_margin: float = 300.0,
        lost_answer_window: float = 60.0,
        lost_answer_poll: float = 2.0,
        repost_if_not_found: bool = True,
        session: requests.Session | None = None,
        pool_size: int = 32,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """Create a client.

        ``base_url`` is the BioSamples context (``…/biosamples``), ``auth_url`` the full
        Webin token URL. ``max_attempts`` bounds the tries of one call; waits grow as
        ``backoff_base * 2**n`` (full jitter, capped at ``backoff_max``) unless the server
        sends ``Retry-After``. After a lost ``POST`` answer the client searches for the
        sample by name for up to ``lost_answer_window`` seconds; if it is still not found
        it posts again (``repost_if_not_found``) or raises
        :class:`BioSamplesOutcomeUnknown`. ``pool_size`` is the number of connections kept
        open (set it to at least the number of threads sharing the client; requests'
        default of 10 makes extra threads open and drop a connection per call).
        """
        self.base_url = base_url.rstrip("/")
        self.auth_url = auth_url
        self.username = username
        self.password = password
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.token_ttl_hours = token_ttl_hours
        self.refresh_margin = refresh_margin
        self.lost_answer_window = lost_answer_window
        self.lost_answer_poll = lost_answer_poll
        self.repost_if_not_found = repost_if_not_found
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, pool_size))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._token: WebinToken | None = None
        self._token_lock = threading.Lock()
        self.logins = 0

    @classmethod
    def for_stage(cls, stage: str, username: str | None = None, password: str | None = None,
                  *, local_url: str | None = None, **kwargs: Any) -> BioSamplesClient:
        """A client for ``production``, ``test`` or ``local`` (``local_url`` = the
        stand-in's ``http://host:port``; BioSamples under ``/biosamples``, Webin auth under
        ``/ena/submit/webin/auth/token``)."""
        if stage == "local" or local_url:
            if not local_url:
                raise ValueError("the local stage needs local_url")
            root = local_url.rstrip("/")
            return cls(f"{root}/biosamples", f"{root}/ena/submit/webin/auth/token",
                       username, password, **kwargs)
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of "
                             f"{[*STAGES, 'local']}")
        base, auth = STAGES[stage]
        return cls(base, auth, username, password, **kwargs)

    # -- authentication -----------------------------------------------------------------

    def login(self) -> WebinToken:
        """Get a fresh Webin token (retrying transient failures)."""
        if not self.username or not self.password:
            raise BioSamplesAuthError("no Webin credentials configured")
        params = {"ttl": str(self.token_ttl_hours)} if self.token_ttl_hours else None
        body = {"authRealms": ["ENA"], "username": self.username, "password": self.password}
        for attempt in range(self.max_attempts):
            try:
                response = self.session.post(self.auth_url, json=body, params=params,
                                             timeout=self.timeout,
                                             headers={"Accept": "text/plain"})
            except requests.RequestException as exc:
                self._wait(attempt, None, f"Webin login: {exc}", exc)
                continue
            if response.status_code in (401, 403):
                raise BioSamplesAuthError(_service_message(response),
                                          status=response.status_code, url=self.auth_url)
            if response.status_code == 429 or response.status_code >= 500 or (
                    response.ok and _is_html(response)):
                self._wait(attempt, response, "Webin login", None)
                continue
            if not response.ok:
                raise BioSamplesRejected(_service_message(response),
                                         status=response.status_code, url=self.auth_url)
            token = WebinToken.parse(response.text.strip())
            self.logins += 1
            return token
        raise AssertionError("unreachable")  # pragma: no cover - _wait raises at the end

    def token(self, *, force: bool = False, stale: str | None = None) -> str:
        """The cached Webin token, renewed when close to expiry (or ``force``).

        ``stale`` is a token the server refused: it is renewed only if it is still the
        cached one, so threads that all saw the same 401/403 log in once, not once each.
        """
        with self._token_lock:
            current = self._token
            refused = force and (stale is None or (current is not None
                                                   and current.value == stale))
            if refused or current is None or current.needs_refresh(
                    time.time(), self.refresh_margin):
                current = self._token = self.login()
            return current.value

    @property
    def webin_id(self) -> str | None:
        """The Webin account the client acts as."""
        return self.username

    # -- low-level ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def _wait(self, attempt: int, response: requests.Response | None, what: str,
              exc: Exception | None) -> None:
        """Sleep before the next attempt, or raise when attempts are exhausted."""
        status = response.status_code if response is not None else None
        if attempt + 1 >= self.max_attempts:
            if response is not None and response.ok and _is_html(response):
                raise BioSamplesBadResponse(
                    f"{what}: HTML page instead of JSON after {self.max_attempts} attempts",
                    status=status, url=response.url)
            message = _service_message(response) if response is not None else str(exc)
            raise BioSamplesUnavailable(f"{what}: {message} (gave up after "
                                        f"{self.max_attempts} attempts)", status=status,
                                        url=response.url if response is not None else None)
        delay = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        delay = self._rng.uniform(0, delay)
        retry_after = parse_retry_after(response.headers.get("Retry-After")) \
            if response is not None else None
        if retry_after is not None:
            delay = min(retry_after, self.max_retry_after) + self._rng.uniform(0, 0.1)
        LOG.info("BioSamples %s failed (%s); retry %d in %.2fs", what,
                 status if status is not None else exc, attempt + 1, delay)
        self._sleep(delay)

    def _send(self, method: str, url: str, *, json_body: Any = None,
              params: Any = None, auth: bool = True,
              headers: dict[str, str] | None = None) -> requests.Response:
        """One request, re-authenticating once on 401/403."""
        hdrs = {"Accept": "application/json"}
        if json_body is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        use_auth = auth and bool(self.username and self.password)
        sent: str | None = None
        for relogin in (False, True):
            if use_auth:
                sent = self.token(force=relogin, stale=sent)
                hdrs["Authorization"] = f"Bearer {sent}"
            response = self.session.request(method, url, json=json_body, params=params,
                                            headers=hdrs, timeout=self.timeout)
            if response.status_code in (401, 403) and use_auth and not relogin:
                LOG.info("BioSamples %s %s: %s; logging in again", method, url,
                         response.status_code)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _json(response: requests.Response, what: str) -> Any:
        if _is_html(response):
            raise BioSamplesBadResponse(f"{what}: HTML page instead of JSON",
                                        status=response.status_code, url=response.url)
        try:  # orjson: a 200-record search page parses in a quarter of json's time
            return orjson.loads(response.content)
        except ValueError as exc:
            raise BioSamplesBadResponse(f"{what}: answer is not JSON",
                                        status=response.status_code, url=response.url) from exc

    @staticmethod
    def _rejected(response: requests.Response) -> BioSamplesRejected:
        cls = BioSamplesNotFound if response.status_code == 404 else BioSamplesRejected
        message = _service_message(response) if response.content else (
            response.reason or str(response.status_code))
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return cls(message, status=response.status_code, body=body, url=response.url)

    def request_json(self, method: str, path: str, *, json_body: Any = None,
                     params: Any = None, headers: dict[str, str] | None = None) -> Any:
        """An idempotent call with retries; returns the decoded JSON answer.

        Raises :class:`BioSamplesRejected` (4xx), :class:`BioSamplesUnavailable` (retries
        exhausted) or :class:`BioSamplesBadResponse` (HTML/non-JSON after retries).
        """
        url = self._url(path)
        what = f"{method} {url}"
        for attempt in range(self.max_attempts):
            try:
                response = self._send(method, url, json_body=json_body, params=params,
                                      headers=headers)
            except requests.RequestException as exc:
                self._wait(attempt, None, what, exc)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                self._wait(attempt, response, what, None)
                continue
            if response.status_code >= 400:
                raise self._rejected(response)
            if _is_html(response) or not response.content:
                self._wait(attempt, response, what, None)
                continue
            return self._json(response, what)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- samples ------------------------------------------------------------------------

    @staticmethod
    def _for_writing(sample: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in sample.items() if k not in SERVER_ONLY_FIELDS}

    def get(self, accession: str, *, apply_curations: bool = True) -> dict[str, Any]:
        """``GET /samples/{accession}``; :class:`BioSamplesNotFound` if unknown."""
        params = None if apply_curations else {"applyCurations": "false"}
        result: dict[str, Any] = self.request_json("GET", f"/samples/{accession}",
                                                   params=params)
        return result

    def create(self, sample: dict[str, Any]) -> dict[str, Any]:
        """``POST /samples``: submit a new sample; returns the stored sample.

        The sample must not carry an accession. If the answer is lost the sample is looked
        up by name before anything is sent again (see the module docstring).
        """
        if sample.get("accession"):
            raise ValueError("create() takes a sample without an accession; use update()")
        name = sample.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("a sample needs a name")
        body = self._for_writing(sample)
        url = self._url("/samples")
        what = f"POST {url}"
        for attempt in range(self.max_attempts):
            response: requests.Response | None = None
            try:
                try:
                    response = self._send("POST", url, json_body=body)
                except requests.RequestException as exc:
                    if not _sent_before_failure(exc):
                        self._wait(attempt, None, what, exc)
                        continue
                    raise _LostAnswer(str(exc)) from exc
                status = response.status_code
                if status in SAFE_TO_REPEAT_STATUSES:
                    self._wait(attempt, response, what, None)
                    continue
                if status >= 500 or _is_html(response) or (response.ok and not response.content):
                    raise _LostAnswer(f"status {status}")
                if status >= 400:
                    raise self._rejected(response)
                created: dict[str, Any] = self._json(response, what)
                if not created.get("accession"):
                    raise BioSamplesBadResponse(f"{what}: answer has no accession",
                                                status=status, url=url)
                return created
            except _LostAnswer as lost:
                LOG.warning("BioSamples %s: answer lost (%s); looking %r up by name", what,
                            lost, name)
                existing = self._find_own_after_loss(name)
                if existing is not None:
                    LOG.info("BioSamples: %r already exists as %s", name,
                             existing["accession"])
                    return existing
                if not self.repost_if_not_found:
                    raise BioSamplesOutcomeUnknown(
                        f"{what}: answer lost and {name!r} not found by name within "
                        f"{self.lost_answer_window}s", status=getattr(response, "status_code",
                                                                      None), url=url
                    ) from lost
                self._wait(attempt, response, what, lost)
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_own_after_loss(self, name: str) -> dict[str, Any] | None:
        """Poll the name search for our own sample until ``lost_answer_window`` expires."""
        return self.find_own(name, window=self.lost_answer_window)

    def find_own(self, name: str, *, window: float = 0.0,
                 poll: float | None = None) -> dict[str, Any] | None:
        """The sample called ``name`` owned by this account (uncurated, fetched by
        accession), polling the lagging search index for up to ``window`` seconds;
        ``None`` if it does not show up."""
        poll = self.lost_answer_poll if poll is None else poll
        deadline = time.monotonic() + window
        while True:
            found = self.find_by_name(name)
            if found is not None and (not self.username or found.get(
                    "webinSubmissionAccountId") == self.username):
                return self.get(found["accession"], apply_curations=False)
            if time.monotonic() + poll > deadline:
                return None
            self._sleep(poll)

    def update(self, accession: str, sample: dict[str, Any]) -> dict[str, Any]:
        """Replace a sample: GET the stored one, keep its server fields, PUT the rest.

        ``sample`` is the complete new content (BioSamples PUT is a full replacement).
        """
        current = self.get(accession, apply_curations=False)
        body = self._for_writing(sample)
        for key in KEPT_ON_UPDATE:
            if current.get(key) is not None:
                body[key] = current[key]
            else:
                body.pop(key, None)
        chars = dict(body.get("characteristics") or {})
        stored_sra = (current.get("characteristics") or {}).get("SRA accession")
        if stored_sra:
            chars["SRA accession"] = stored_sra
        body["characteristics"] = chars
        body["accession"] = accession
        result: dict[str, Any] = self.request_json("PUT", f"/samples/{accession}",
                                                   json_body=body)
        return result

    def replace(self, accession: str, body: dict[str, Any]) -> dict[str, Any]:
        """``PUT /samples/{accession}`` of a complete body as it is (the caller merged it
        with the stored sample, see ``builder.merge_for_update``); returns the stored one.
        """
        body = self._for_writing(body)
        body["accession"] = accession
        result: dict[str, Any] = self.request_json("PUT", f"/samples/{accession}",
                                                   json_body=body)
        return result

    def search(self, filters: Sequence[str] = (), *, text: str | None = None,
               size: int = 200, cursor: str = "*",
               apply_curations: bool = True) -> Iterator[SearchPage]:
        """Cursor-mode search, one :class:`SearchPage` at a time, following ``next``.

        ``filters`` are BioSamples filter strings (``attr:project:IMAGE``,
        ``name:IMAGEA000000001``, ``dt:update:from=2024-01-01``…); a page without
        ``_embedded`` is an empty page.
        """
        params: list[tuple[str, str]] = []
        if text:
            params.append(("text", text))
        params += [("filter", f) for f in filters]
        params += [("cursor", cursor), ("size", str(size))]
        if not apply_curations:
            params.append(("applyCurations", "false"))
        url: str | None = self._url("/samples")
        first = True
        while url:
            raw = self.request_json("GET", url, params=params if first else None)
            first = False
            if not isinstance(raw, dict):
                raise BioSamplesBadResponse(f"GET {url}: search page is not an object")
            samples = list((raw.get("_embedded") or {}).get("samples") or [])
            next_url = ((raw.get("_links") or {}).get("next") or {}).get("href")
            yield SearchPage(samples, url, next_url, raw)
            if not samples:
                return
            url = next_url

    def iter_samples(self, filters: Sequence[str] = (), **kwargs: Any) -> Iterator[
            dict[str, Any]]:
        """Every sample matching ``filters`` (flattens :meth:`search`)."""
        for page in self.search(filters, **kwargs):
            yield from page.samples

    def find_by_name(self, name: str) -> dict[str, Any] | None:
        """The sample called ``name``, preferring ones owned by this Webin account (oldest
        accession first); ``None`` if the search finds none."""
        matches = [s for s in self.iter_samples([f"name:{name}"], size=20,
                                                apply_curations=False)
                   if s.get("name") == name]
        if not matches:
            return None
        own = [s for s in matches if self.username
               and s.get("webinSubmissionAccountId") == self.username]
        pool = own or matches
        return min(pool, key=lambda s: (len(s.get("accession", "")), s.get("accession", "")))

    def iter_accessions(self, filters: Sequence[str] = (), *,
                        page_size: int = 500) -> Iterator[str]:
        """Every accession matching ``filters`` via ``GET /accessions`` pages."""
        page = 0
        while True:
            params = [("filter", f) for f in filters] + [("page", str(page)),
                                                         ("size", str(page_size))]
            raw = self.request_json("GET", "/accessions", params=params)
            accessions = (raw.get("_embedded") or {}).get("accessions") or []
            yield from accessions
            total_pages = int((raw.get("page") or {}).get("totalPages") or 0)
            page += 1
            if not accessions or page >= total_pages:
                return

    def add_curation_link(self, accession: str, curation: dict[str, Any]) -> dict[str, Any]:
        """``POST /samples/{acc}/curationlinks`` (idempotent on the server: same hash)."""
        result: dict[str, Any] = self.request_json(
            "POST", f"/samples/{accession}/curationlinks",
            json_body={"sample": accession, "curation": curation})
        return result
