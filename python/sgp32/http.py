# SPDX-License-Identifier: MIT
"""HTTP clients for the IPA (include/sgp32/http.h): how it reaches the eIM, the SM-DP+ and the SM-DS.

Three ways, used the same way by :class:`sgp32.Ipa`:

* :class:`CurlHttpClient`: the library's libcurl backend (include/sgp32/http_curl.h), TLS verified
  against ``ca_file`` / ``ca_blob`` (or the system's trust store).
* :class:`UrllibHttpClient`: a client in pure Python (urllib + ssl, TLS verified), each request run
  in a worker thread so that the IPA's poll never blocks; the body reaches the IPA from ``poll``.
* Your own: subclass :class:`ThreadedHttpClient` and implement the blocking :meth:`perform`, or
  :class:`HttpClient` and implement the non-blocking ``start`` / ``poll`` / ``cancel`` of the C
  interface directly.

The package hands Python clients to the library as a ``struct sgp32_http_ops`` of ctypes callbacks.
An exception inside a callback never crosses into C: the call answers a status (SGP32_ERR_HTTP, or
the code of an :class:`~sgp32.errors.Sgp32Error`), the exception is logged (logger ``sgp32.http``)
and kept in ``last_exception``.

Every client can also be driven from Python with :meth:`HttpClientBase.fetch` (through its C
operations, exactly as the IPA uses it).
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _lib
from .errors import NotSupportedError, Sgp32Error, StateError, Status, check, error_from_status

__all__ = [
    "HttpRequest",
    "HttpResult",
    "HttpClientBase",
    "HttpClient",
    "ThreadedHttpClient",
    "UrllibHttpClient",
    "CurlHttpClient",
]

_log = logging.getLogger("sgp32.http")
_HTTP_VERSION = 1
_u32 = ctypes.c_uint32
_u8p = ctypes.POINTER(ctypes.c_uint8)


class _Header(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_char_p)]


class _Request(ctypes.Structure):
    _fields_ = [("url", ctypes.c_char_p), ("method", ctypes.c_char_p), ("headers", ctypes.POINTER(_Header)),
                ("header_count", ctypes.c_size_t), ("body", _u8p), ("body_len", ctypes.c_size_t),
                ("timeout_ms", _u32)]


class _Result(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("http_status", ctypes.c_int), ("content_type", ctypes.c_char * 96),
                ("detail", ctypes.c_char * 160)]


BODY_SINK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _u8p, ctypes.c_size_t)
START_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_Request), BODY_SINK, ctypes.c_void_p,
                            ctypes.POINTER(_u32))
POLL_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _u32, _u32, ctypes.POINTER(ctypes.c_int),
                           ctypes.POINTER(_Result))
CANCEL_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _u32)


class HttpOps(ctypes.Structure):
    """struct sgp32_http_ops (version 1)."""

    _fields_ = [("version", _u32), ("size", _u32), ("start", START_FN), ("poll", POLL_FN), ("cancel", CANCEL_FN)]


class CHttpClient(ctypes.Structure):
    """struct sgp32_http_client."""

    _fields_ = [("ops", ctypes.POINTER(HttpOps)), ("user", ctypes.c_void_p)]


@dataclass
class HttpRequest:
    """One request as the IPA asks for it."""

    url: str
    method: str = "POST"
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    timeout_ms: int = 60000


@dataclass
class HttpResult:
    """How a request ended: ``status`` Status.OK when an HTTP answer arrived (whatever its code)."""

    status: int = Status.OK
    http_status: int = 0
    content_type: str = ""
    detail: str = ""


def _copy_text(capacity: int, text: str) -> bytes:
    """A C char array's content: UTF-8, cut to leave room for the NUL."""
    return text.encode("utf-8", errors="replace")[: capacity - 1]


class HttpClientBase:
    """What every HTTP client offers: its C view (``struct sgp32_http_client``), :meth:`fetch`, and a
    lifetime that outlives the IPAs using it (closing it closes them first)."""

    closed: bool = False

    @property
    def _users(self) -> "weakref.WeakSet[Any]":
        users = self.__dict__.get("_user_set")
        if users is None:
            users = self.__dict__["_user_set"] = weakref.WeakSet()
        return users

    def _c_client(self) -> CHttpClient:
        raise NotImplementedError

    def fetch(self, url: str, method: str = "GET", body: bytes = b"", headers: Sequence[Tuple[str, str]] = (),
              timeout_ms: int = 30000, max_wait_ms: int = 50) -> Tuple[HttpResult, bytes]:
        """Runs one request through the client's C operations (start, poll until done) and returns
        (result, body). The result's ``status`` tells failures (TIMEOUT, CRYPTO for a certificate
        that does not verify, HTTP ...); nothing is raised for them."""
        c = self._c_client()
        ops = c.ops.contents
        pieces: List[bytes] = []

        def collect(_user: Any, data: Any, length: int) -> int:
            pieces.append(ctypes.string_at(data, length))
            return Status.OK

        sink = BODY_SINK(collect)
        header_array = (_Header * max(1, len(headers)))()
        keep = []
        for index, (name, value) in enumerate(headers):
            keep += [name.encode(), value.encode()]
            header_array[index].name, header_array[index].value = keep[-2], keep[-1]
        body_buffer = (ctypes.c_uint8 * max(1, len(body))).from_buffer_copy(bytes(body) or b"\0")
        request = _Request(url.encode(), method.encode(), header_array, len(headers),
                           ctypes.cast(body_buffer, _u8p) if body else None, len(body), timeout_ms)
        request_id = _u32()
        status = ops.start(c.user, ctypes.byref(request), sink, None, ctypes.byref(request_id))
        if status != Status.OK:
            return HttpResult(status, 0, "", "start failed"), b""
        done = ctypes.c_int(0)
        result = _Result()
        try:
            while not done.value:
                status = ops.poll(c.user, request_id.value, max_wait_ms, ctypes.byref(done), ctypes.byref(result))
                if status != Status.OK:
                    return HttpResult(status, 0, "", "poll failed"), b"".join(pieces)
        finally:
            if not done.value:
                ops.cancel(c.user, request_id.value)
        return (HttpResult(result.status, result.http_status, result.content_type.decode(errors="replace"),
                           result.detail.decode(errors="replace")), b"".join(pieces))

    def _close_users(self) -> None:
        for user in list(self._users):
            user.close()

    def close(self) -> None:
        """Releases the client; IPAs still using it are closed first."""
        self._close_users()
        self.closed = True

    def __enter__(self) -> "HttpClientBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HttpClient(HttpClientBase):
    """Base class of an HTTP client implemented in Python at the level of the C interface.

    Implement :meth:`start` (queue a request, return its id at once), :meth:`poll` (make progress
    for at most ``max_wait_ms``, feed the body to the sink, return an :class:`HttpResult` once the
    request is complete, else None) and :meth:`cancel`. ``sink(data) -> int`` must be called from
    :meth:`poll` (the IPA's thread); a non-zero answer means "abort the request with this status".
    """

    def __init__(self) -> None:
        self.last_exception: Optional[BaseException] = None
        self._c: Optional[CHttpClient] = None
        self._ops: Optional[HttpOps] = None
        self._callbacks: List[Any] = []

    # -- what a subclass implements
    def start(self, request: HttpRequest, sink: Callable[[bytes], int]) -> int:
        raise NotImplementedError("an HttpClient subclass implements start()")

    def poll(self, request_id: int, max_wait_ms: int) -> Optional[HttpResult]:
        raise NotImplementedError("an HttpClient subclass implements poll()")

    def cancel(self, request_id: int) -> None:
        """Abandons a request (no further sink calls); unknown ids are ignored."""

    # -- the C side
    def _guard(self, what: str, function: Callable[[], int]) -> int:
        try:
            return function()
        except Sgp32Error as error:
            self.last_exception = error
            _log.warning("HTTP client %s failed: %s", what, error)
            return error.code if error.code != Status.OK else Status.HTTP
        except BaseException as error:  # noqa: B902 - never let it unwind through C
            self.last_exception = error
            _log.error("HTTP client %s raised %r", what, error, exc_info=isinstance(error, Exception))
            return Status.HTTP

    def _c_client(self) -> CHttpClient:
        if self.closed:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the HTTP client was closed")
        if self._c is not None:
            return self._c

        def c_start(_user: Any, request_pointer: Any, sink: Any, sink_user: Any, request_id: Any) -> int:
            def body() -> int:
                c_request = request_pointer.contents
                headers = [((c_request.headers[i].name or b"").decode(), (c_request.headers[i].value or b"").decode())
                           for i in range(c_request.header_count)]
                request = HttpRequest(url=(c_request.url or b"").decode(), method=(c_request.method or b"").decode(),
                                      headers=headers, body=ctypes.string_at(c_request.body, c_request.body_len)
                                      if c_request.body_len else b"", timeout_ms=int(c_request.timeout_ms))

                def python_sink(data: bytes) -> int:
                    if not data:
                        return Status.OK
                    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
                    return int(sink(sink_user, buffer, len(data)))

                request_id[0] = int(self.start(request, python_sink))
                return Status.OK
            return self._guard("start", body)

        def c_poll(_user: Any, request_id: int, max_wait_ms: int, done: Any, result: Any) -> int:
            def body() -> int:
                outcome = self.poll(request_id, max_wait_ms)
                if outcome is None:
                    done[0] = 0
                    return Status.OK
                done[0] = 1
                target = result.contents
                target.status = int(outcome.status)
                target.http_status = int(outcome.http_status)
                target.content_type = _copy_text(96, outcome.content_type)
                target.detail = _copy_text(160, outcome.detail)
                return Status.OK
            return self._guard("poll", body)

        def c_cancel(_user: Any, request_id: int) -> None:
            self._guard("cancel", lambda: (self.cancel(request_id), Status.OK)[1])

        ops = HttpOps()
        ops.version = _HTTP_VERSION
        ops.size = ctypes.sizeof(HttpOps)
        self._callbacks = [START_FN(c_start), POLL_FN(c_poll), CANCEL_FN(c_cancel)]
        ops.start, ops.poll, ops.cancel = self._callbacks
        self._ops = ops
        self._c = CHttpClient(ctypes.pointer(ops), None)
        return self._c

    def close(self) -> None:
        super().close()
        self._c = None
        self._ops = None
        self._callbacks = []


class _Job:
    def __init__(self, request: HttpRequest, sink: Callable[[bytes], int]) -> None:
        self.request = request
        self.sink = sink
        self.chunks: List[bytes] = []
        self.result: Optional[HttpResult] = None
        self.cancelled = threading.Event()
        self.deadline = time.monotonic() + (request.timeout_ms or 60000) / 1000.0


class ThreadedHttpClient(HttpClient):
    """An :class:`HttpClient` over a blocking :meth:`perform`, run in a worker thread per request.
    The body chunks the worker writes are handed to the IPA's sink from :meth:`poll`, on the IPA's
    thread; the request's ``timeout_ms`` is enforced here (TIMEOUT) whatever ``perform`` does."""

    def __init__(self) -> None:
        super().__init__()
        self._jobs: Dict[int, _Job] = {}
        self._ids = itertools.count(1)
        self._changed = threading.Condition()

    def perform(self, request: HttpRequest, write: Callable[[bytes], None],
                cancelled: threading.Event) -> HttpResult:
        """Carries one request out (blocking, in a worker thread): pass the body to ``write`` as it
        arrives and return the :class:`HttpResult`. Stop early when ``cancelled`` is set."""
        raise NotImplementedError("a ThreadedHttpClient subclass implements perform()")

    def _worker(self, job: _Job) -> None:
        def write(data: bytes) -> None:
            if job.cancelled.is_set():
                raise _Cancelled()
            with self._changed:
                job.chunks.append(bytes(data))
                self._changed.notify_all()

        try:
            result = self.perform(job.request, write, job.cancelled)
        except _Cancelled:
            result = HttpResult(Status.CANCELLED, 0, "", "cancelled")
        except Sgp32Error as error:
            result = HttpResult(error.code, 0, "", error.message)
        except BaseException as error:  # noqa: B902 - a worker never dies silently
            _log.error("HTTP request %s %s raised %r", job.request.method, job.request.url, error)
            result = HttpResult(Status.HTTP, 0, "", f"{type(error).__name__}: {error}")
        with self._changed:
            job.result = result
            self._changed.notify_all()

    def start(self, request: HttpRequest, sink: Callable[[bytes], int]) -> int:
        job = _Job(request, sink)
        request_id = next(self._ids) & 0xFFFFFFFF
        with self._changed:
            self._jobs[request_id] = job
        threading.Thread(target=self._worker, args=(job,), name=f"sgp32-http-{request_id}", daemon=True).start()
        return request_id

    def poll(self, request_id: int, max_wait_ms: int) -> Optional[HttpResult]:
        job = self._jobs.get(request_id)
        if job is None:
            raise error_from_status(Status.NOT_FOUND, f"HTTP request {request_id}")
        with self._changed:
            if not job.chunks and job.result is None and max_wait_ms > 0:
                self._changed.wait(min(max_wait_ms / 1000.0, max(0.0, job.deadline - time.monotonic())))
            chunks, job.chunks = job.chunks, []
            result = job.result
        for chunk in chunks:  # on the IPA's thread, as the interface requires
            status = job.sink(chunk)
            if status != Status.OK:
                return self._finish(request_id, HttpResult(status, 0, "", "the body sink refused the data"))
        if result is not None:
            return self._finish(request_id, result)
        if time.monotonic() >= job.deadline:
            return self._finish(request_id, HttpResult(Status.TIMEOUT, 0, "", "timeout_ms passed"))
        return None

    def _finish(self, request_id: int, result: HttpResult) -> HttpResult:
        job = self._jobs.pop(request_id, None)
        if job is not None:
            job.cancelled.set()
        return result

    def cancel(self, request_id: int) -> None:
        self._finish(request_id, HttpResult())

    @property
    def pending(self) -> int:
        """Requests started and not yet released."""
        return len(self._jobs)

    def close(self) -> None:
        self._close_users()  # the IPAs first: they may still cancel their requests
        for request_id in list(self._jobs):
            self.cancel(request_id)
        super().close()


class _Cancelled(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a 3xx is the answer, as with libcurl
        return None


class UrllibHttpClient(ThreadedHttpClient):
    """HTTPS in pure Python (urllib and ssl), TLS peer and host name verified.

    ``ca_file`` (PEM) / ``ca_data`` (PEM text or DER bytes, e.g. the eIM's trustedCertificateTls):
    the trust for the servers; neither: the system's default store. ``client_cert_file`` /
    ``client_key_file``: mutual TLS. ``allow_http``: plain http:// too (never for ESipa/ES9+ in the
    field). ``user_agent`` is used when a request has none; ``max_response_bytes`` (0: no limit)
    ends a larger answer with TOO_LARGE. Statuses: OK for any HTTP answer, CRYPTO when the
    certificate does not verify, TIMEOUT, INVALID_ARGUMENT for a bad URL / scheme, HTTP otherwise."""

    def __init__(self, ca_file: Optional[Union[str, os.PathLike]] = None, ca_data: Optional[Union[str, bytes]] = None,
                 *, client_cert_file: Optional[str] = None, client_key_file: Optional[str] = None,
                 allow_http: bool = False, user_agent: Optional[str] = None, max_response_bytes: int = 0,
                 chunk_size: int = 16384) -> None:
        super().__init__()
        from . import library_version

        self.context = ssl.create_default_context(cafile=os.fspath(ca_file) if ca_file else None,
                                                  cadata=ca_data if ca_data else None)
        if client_cert_file:
            self.context.load_cert_chain(client_cert_file, client_key_file)
        self.allow_http = allow_http
        self.user_agent = user_agent or f"libsgp32-python/{library_version()}"
        self.max_response_bytes = max_response_bytes
        self.chunk_size = chunk_size
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.context), _NoRedirect())

    def perform(self, request: HttpRequest, write: Callable[[bytes], None],
                cancelled: threading.Event) -> HttpResult:
        scheme = request.url.split(":", 1)[0].lower()
        if scheme != "https" and not (self.allow_http and scheme == "http"):
            return HttpResult(Status.INVALID_ARGUMENT, 0, "", f"scheme not allowed: {request.url}")
        headers = dict(request.headers)
        if not any(name.lower() == "user-agent" for name in headers):
            headers["User-Agent"] = self.user_agent
        outgoing = urllib.request.Request(request.url, data=request.body if request.method != "GET" else None,
                                          headers=headers, method=request.method)
        timeout = (request.timeout_ms or 60000) / 1000.0
        try:
            try:
                response = self._opener.open(outgoing, timeout=timeout)
            except urllib.error.HTTPError as answer:  # 3xx/4xx/5xx: an answer all the same
                response = answer
            code = int(getattr(response, "status", None) or response.getcode())  # 3.8: HTTPError has no .status
            with response:
                total = 0
                while not cancelled.is_set():
                    chunk = response.read(self.chunk_size)
                    if not chunk:
                        break
                    total += len(chunk)
                    if self.max_response_bytes and total > self.max_response_bytes:
                        return HttpResult(Status.TOO_LARGE, code, "", "max_response_bytes passed")
                    write(chunk)
                return HttpResult(Status.OK, code, response.headers.get("Content-Type", "") or "", "")
        except ValueError as error:
            return HttpResult(Status.INVALID_ARGUMENT, 0, "", f"bad request: {error}")
        except urllib.error.URLError as error:
            return self._failure(error.reason)
        except (OSError, ssl.SSLError) as error:
            return self._failure(error)

    @staticmethod
    def _failure(reason: Any) -> HttpResult:
        if isinstance(reason, ssl.SSLCertVerificationError):
            return HttpResult(Status.CRYPTO, 0, "", f"TLS: {reason.verify_message or reason}")
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return HttpResult(Status.TIMEOUT, 0, "", f"timeout: {reason}")
        if isinstance(reason, ssl.SSLError):
            return HttpResult(Status.HTTP, 0, "", f"TLS handshake: {reason}")
        return HttpResult(Status.HTTP, 0, "", f"connection: {reason}")


class _CurlOptions(ctypes.Structure):
    _fields_ = [
        ("size", _u32),
        ("ca_file", ctypes.c_char_p),
        ("ca_dir", ctypes.c_char_p),
        ("ca_blob", ctypes.c_char_p),
        ("ca_blob_len", ctypes.c_size_t),
        ("client_cert_file", ctypes.c_char_p),
        ("client_key_file", ctypes.c_char_p),
        ("connect_timeout_ms", _u32),
        ("default_timeout_ms", _u32),
        ("max_response_bytes", ctypes.c_uint64),
        ("user_agent", ctypes.c_char_p),
        ("proxy", ctypes.c_char_p),
        ("allow_http", ctypes.c_int),
        ("insecure_skip_verify", ctypes.c_int),
        ("log", ctypes.c_void_p),
        ("log_user", ctypes.c_void_p),
    ]


_CURL_LOG = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


def _path(value: Optional[Union[str, os.PathLike]]) -> Optional[bytes]:
    return None if value is None else os.fsencode(value)


class CurlHttpClient(HttpClientBase):
    """The library's libcurl backend (sgp32_http_curl_new). Options as in
    ``struct sgp32_http_curl_options``: ``ca_file`` (PEM), ``ca_dir``, ``ca_blob`` (PEM or one DER
    certificate), ``client_cert_file``/``client_key_file``, ``connect_timeout_ms``,
    ``default_timeout_ms``, ``max_response_bytes``, ``user_agent``, ``proxy`` ("" for none),
    ``allow_http``, ``insecure_skip_verify`` (tests only) and ``log(message)`` for its warnings.
    NotSupportedError when the library was built without libcurl."""

    def __init__(self, ca_file: Optional[Union[str, os.PathLike]] = None, *,
                 ca_dir: Optional[Union[str, os.PathLike]] = None, ca_blob: Optional[bytes] = None,
                 client_cert_file: Optional[Union[str, os.PathLike]] = None,
                 client_key_file: Optional[Union[str, os.PathLike]] = None, connect_timeout_ms: int = 0,
                 default_timeout_ms: int = 0, max_response_bytes: int = 0, user_agent: Optional[str] = None,
                 proxy: Optional[str] = None, allow_http: bool = False, insecure_skip_verify: bool = False,
                 log: Optional[Callable[[str], None]] = None) -> None:
        self._dll = _lib.lib()
        if not hasattr(self._dll, "sgp32_http_curl_new"):
            raise NotSupportedError(Status.NOT_SUPPORTED, "SGP32_ERR_NOT_SUPPORTED",
                                    "this libsgp32 was built without libcurl (SGP32_WITH_CURL)")
        options = _CurlOptions()
        options.size = ctypes.sizeof(_CurlOptions)
        options.ca_file = _path(ca_file)
        options.ca_dir = _path(ca_dir)
        if ca_blob:
            options.ca_blob = bytes(ca_blob)
            options.ca_blob_len = len(ca_blob)
        options.client_cert_file = _path(client_cert_file)
        options.client_key_file = _path(client_key_file)
        options.connect_timeout_ms = connect_timeout_ms
        options.default_timeout_ms = default_timeout_ms
        options.max_response_bytes = max_response_bytes
        options.user_agent = user_agent.encode() if user_agent is not None else None
        options.proxy = proxy.encode() if proxy is not None else None
        options.allow_http = int(allow_http)
        options.insecure_skip_verify = int(insecure_skip_verify)
        self._log_callback = None
        if log is not None:
            def on_log(_user: Any, message: Optional[bytes]) -> None:
                try:
                    log((message or b"").decode(errors="replace"))
                except Exception:  # noqa: BLE001 - never unwind through C
                    _log.exception("the curl log callback raised")
            self._log_callback = _CURL_LOG(on_log)
            options.log = ctypes.cast(self._log_callback, ctypes.c_void_p)
        handle = ctypes.c_void_p()
        check(self._dll.sgp32_http_curl_new(ctypes.byref(options), ctypes.byref(handle)), "creating the curl client")
        self._handle: Optional[ctypes.c_void_p] = handle
        self._c = CHttpClient()
        self._dll.sgp32_http_curl_client(handle, ctypes.byref(self._c))

    def _c_client(self) -> CHttpClient:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the curl client was closed")
        return self._c

    @property
    def pending(self) -> int:
        """Requests started and not yet released."""
        return int(self._dll.sgp32_http_curl_pending(self._c_client_handle()))

    def _c_client_handle(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the curl client was closed")
        return self._handle

    def close(self) -> None:
        """Closes the IPAs using it, then frees the client (abandons its requests)."""
        self._close_users()
        self.closed = True
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._dll.sgp32_http_curl_free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
