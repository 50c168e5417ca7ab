# SPDX-License-Identifier: MIT
"""The IPA core (include/sgp32/ipa.h, docs/ipa.md): the device side of SGP.32 (IPAd) as a resumable
state machine that the host drives by calling :meth:`Ipa.poll`.

    with sgp32.SoftEuicc.open("/tmp/card") as card, sgp32.CurlHttpClient(ca_file="ca.pem") as http:
        with sgp32.Ipa(card.transport(), http, storage="/tmp/ipa-state", on_event=print) as ipa:
            ipa.poll_eim_now()
            ipa.run_until_idle(timeout=120)

The host's services are Python objects: a transport (:mod:`sgp32.transport`), an HTTP client
(:mod:`sgp32.http`), a :class:`Storage` (or a dict, or a directory path), a clock, a log function
and an event callback receiving :class:`IpaEvent` objects. They are handed to the library as ctypes
callbacks kept alive as long as the IPA; an exception inside one never crosses into C (storage
failures answer SGP32_ERR_STORAGE, the others are ignored) and is logged on the logger
``sgp32.ipa`` and kept in :attr:`Ipa.callback_errors`. KeyboardInterrupt and SystemExit raised in a
callback are re-raised when the poll returns.
"""

from __future__ import annotations

import ctypes
import enum
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Union

from . import _lib
from .errors import StateError, Status, TimeoutError_, error_from_status
from .http import CHttpClient, HttpClientBase
from .transport import CTransport, TransportBase

__all__ = [
    "Ipa",
    "IpaConfig",
    "IpaEvent",
    "IpaEventType",
    "IpaActivity",
    "PollResult",
    "Storage",
    "DictStorage",
    "DirectoryStorage",
    "LogLevel",
]

_log = logging.getLogger("sgp32.ipa")
_PLATFORM_VERSION = 1


class IpaEventType(enum.IntEnum):
    """enum sgp32_ipa_event_type."""

    PACKAGE_EXECUTED = 1
    PROFILE_CHANGED = 2
    ROLLBACK = 3
    DOWNLOAD_PROGRESS = 4
    DOWNLOAD_DONE = 5
    NOTIFICATION_DELIVERED = 6
    TRANSFER_RESPONSE = 7
    EUICC_DATA_SENT = 8
    RETRY = 9


class IpaActivity(enum.IntEnum):
    """enum sgp32_ipa_activity: what a poll did."""

    IDLE = 0
    WORKING = 1
    BACKOFF = 2
    FAILED = 3


class LogLevel(enum.IntEnum):
    """enum sgp32_log_level."""

    ERROR = 0
    WARNING = 1
    INFO = 2
    DEBUG = 3


_PYTHON_LEVELS = {LogLevel.ERROR: logging.ERROR, LogLevel.WARNING: logging.WARNING, LogLevel.INFO: logging.INFO,
                  LogLevel.DEBUG: logging.DEBUG}


def _status_name(code: int) -> str:
    return str(_lib.lib().sgp32_status_name(code).decode())


@dataclass
class IpaEvent:
    """What the IPA told the host (struct sgp32_ipa_event), copied out of the callback.

    ``type`` (:class:`IpaEventType`), ``status`` and ``status_name``, ``code`` (a result code, the
    bytes loaded, a sequence number or an attempt number, by type), ``iccid`` (20 hex digits as the
    card stores it, or None), ``detail``, ``data`` (the TransferEimPackageResponse of
    TRANSFER_RESPONSE) and ``total`` (DOWNLOAD_PROGRESS: the Bound Profile Package's size, 0 until
    known; else 0)."""

    type: IpaEventType
    status: int
    status_name: str
    code: int
    iccid: Optional[str]
    detail: str
    data: bytes = b""
    total: int = 0


@dataclass
class PollResult:
    """struct sgp32_ipa_poll_result, plus ``return_status`` (the poll's own status) and ``idle``
    (sgp32_ipa_is_idle() after the poll)."""

    activity: IpaActivity
    wait_ms: int
    state: str
    status: int
    status_name: str
    detail: str
    return_status: int = Status.OK
    idle: bool = False

    @property
    def failed(self) -> bool:
        return self.activity == IpaActivity.FAILED


@dataclass
class IpaConfig:
    """struct sgp32_ipa_config; 0 / None means the library's default everywhere (docs/ipa.md)."""

    eim_id: Optional[str] = None
    eim_address: Optional[str] = None  # "127.0.0.1:8443" or "https://127.0.0.1:8443"
    binding: str = "asn1"  # or "json"
    user_agent: Optional[str] = None
    poll_interval_ms: int = 0
    retry_initial_ms: int = 0
    retry_max_ms: int = 0
    retry_limit: int = 0
    http_timeout_ms: int = 0
    apdu_timeout_ms: int = 0
    rollback_timeout_ms: int = 0
    ipa_features: int = 0
    ipa_protocols: int = 0
    device_info: Optional[bytes] = None


class Storage:
    """The IPA's storage of a few small named records. ``load(name)`` returns the bytes or None when
    the record does not exist; ``save(name, data)`` must be atomic, ``data`` None deletes."""

    def load(self, name: str) -> Optional[bytes]:
        raise NotImplementedError

    def save(self, name: str, data: Optional[bytes]) -> None:
        raise NotImplementedError


class DictStorage(Storage):
    """Records in a dict (``records``), e.g. for tests: lost with the process."""

    def __init__(self, records: Optional[MutableMapping[str, bytes]] = None) -> None:
        self.records: MutableMapping[str, bytes] = {} if records is None else records

    def load(self, name: str) -> Optional[bytes]:
        return self.records.get(name)

    def save(self, name: str, data: Optional[bytes]) -> None:
        if data is None:
            self.records.pop(name, None)
        else:
            self.records[name] = bytes(data)


class DirectoryStorage(Storage):
    """One file per record in ``directory`` (created if missing); saved through a temporary file,
    fsync and rename, so a power cut leaves the old record or the new one."""

    def __init__(self, directory: Union[str, os.PathLike]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith(".") or "\0" in name:
            raise ValueError(f"bad record name {name!r}")
        return self.directory / name

    def load(self, name: str) -> Optional[bytes]:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def save(self, name: str, data: Optional[bytes]) -> None:
        path = self._path(name)
        if data is None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            return
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint32), ("status", ctypes.c_int), ("code", ctypes.c_long),
                ("has_iccid", ctypes.c_int), ("iccid", ctypes.c_uint8 * 10), ("detail", ctypes.c_char_p),
                ("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_size_t), ("total", ctypes.c_long)]


_LOAD = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint8),
                         ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
_SAVE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint8),
                         ctypes.c_size_t)
_NOW = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)
_LOG = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
_EVENT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_Event))


class _Platform(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("size", ctypes.c_uint32), ("apdu", CTransport),
                ("http", CHttpClient), ("load", _LOAD), ("save", _SAVE), ("now_ms", _NOW), ("log", _LOG),
                ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p), ("random", ctypes.c_void_p),
                ("event", _EVENT), ("user", ctypes.c_void_p)]


class _Config(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("eim_id", ctypes.c_char_p), ("eim_address", ctypes.c_char_p),
                ("binding", ctypes.c_int), ("user_agent", ctypes.c_char_p), ("poll_interval_ms", ctypes.c_uint32),
                ("retry_initial_ms", ctypes.c_uint32), ("retry_max_ms", ctypes.c_uint32),
                ("retry_limit", ctypes.c_uint32), ("http_timeout_ms", ctypes.c_uint32),
                ("apdu_timeout_ms", ctypes.c_uint32), ("rollback_timeout_ms", ctypes.c_uint32),
                ("ipa_features", ctypes.c_uint32), ("ipa_protocols", ctypes.c_uint32),
                ("device_info", ctypes.c_char_p), ("device_info_len", ctypes.c_size_t)]


class _PollResult(ctypes.Structure):
    _fields_ = [("activity", ctypes.c_uint32), ("wait_ms", ctypes.c_uint32), ("state", ctypes.c_char_p),
                ("status", ctypes.c_int), ("detail", ctypes.c_char * 192)]


StorageLike = Union[Storage, MutableMapping[str, bytes], str, os.PathLike, None]


def _storage(value: StorageLike) -> Storage:
    if isinstance(value, Storage):
        return value
    if value is None:
        return DictStorage()
    if isinstance(value, (str, os.PathLike)):
        return DirectoryStorage(value)
    return DictStorage(value)


_MAX_CALLBACK_ERRORS = 32


class Ipa(_lib.Closable):
    """An IPA over ``transport`` (opened by the first poll) and ``http``.

    ``storage``: a :class:`Storage`, a dict (records kept in it) or a directory path (one file per
    record); ``config``: an :class:`IpaConfig` (or a dict of its fields); ``clock``: monotonic
    milliseconds (default ``time.monotonic``); ``log(level, message)`` (default: the ``sgp32.ipa``
    logger); ``on_event(IpaEvent)``. A context manager: leaving the block frees the IPA (what is
    persisted stays for the next IPA on the same storage)."""

    def __init__(self, transport: TransportBase, http: HttpClientBase, *, storage: StorageLike = None,
                 config: Union[IpaConfig, Dict[str, Any], None] = None,
                 clock: Optional[Callable[[], int]] = None, log: Optional[Callable[[int, str], None]] = None,
                 on_event: Optional[Callable[[IpaEvent], None]] = None) -> None:
        self._dll = _lib.lib()
        self._handle: Optional[ctypes.c_void_p] = None
        self.transport = transport
        self.http = http
        self.storage = _storage(storage)
        self.config = IpaConfig(**config) if isinstance(config, dict) else (config or IpaConfig())
        self.clock = clock or (lambda: int(time.monotonic() * 1000))
        self.log = log
        self.on_event = on_event
        self.callback_errors: List[BaseException] = []
        self._fatal: Optional[BaseException] = None
        self._last_now = 0
        self._no_eim = False  # a poll said "no eIM configured on the eUICC"
        self._callbacks = [_LOAD(self._c_load), _SAVE(self._c_save), _NOW(self._c_now), _LOG(self._c_log),
                           _EVENT(self._c_event)]
        self._c_config, self._keep = self._build_config(self.config)
        platform = _Platform()
        platform.version = _PLATFORM_VERSION
        platform.size = ctypes.sizeof(_Platform)
        platform.apdu = transport._c_transport()
        platform.http = http._c_client()
        platform.load, platform.save, platform.now_ms, platform.log, platform.event = self._callbacks
        self._platform = platform
        handle = ctypes.c_void_p()
        status = self._dll.sgp32_ipa_new(ctypes.byref(self._c_config), ctypes.byref(platform), ctypes.byref(handle))
        if status != Status.OK:
            raise error_from_status(status, "creating the IPA")
        self._handle = handle
        # Closing the transport or the HTTP client closes this IPA first: it never uses a freed one.
        transport._sessions.add(self)
        http._users.add(self)

    @staticmethod
    def _build_config(config: IpaConfig) -> "tuple[_Config, list]":
        keep: list = []

        def text(value: Optional[str]) -> Optional[bytes]:
            if value is None:
                return None
            data = value.encode()
            keep.append(data)
            return data

        c = _Config()
        c.size = ctypes.sizeof(_Config)
        c.eim_id = text(config.eim_id)
        c.eim_address = text(config.eim_address)
        c.binding = {"asn1": 0, "json": 1}[config.binding.lower()]
        c.user_agent = text(config.user_agent)
        for name in ("poll_interval_ms", "retry_initial_ms", "retry_max_ms", "retry_limit", "http_timeout_ms",
                     "apdu_timeout_ms", "rollback_timeout_ms", "ipa_features", "ipa_protocols"):
            setattr(c, name, int(getattr(config, name)))
        if config.device_info:
            data = bytes(config.device_info)
            keep.append(data)
            c.device_info = data
            c.device_info_len = len(data)
        return c, keep

    # -- callbacks (never raise into C)
    def _callback_failed(self, what: str, error: BaseException) -> None:
        if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: re-raised after the poll
            self._fatal = self._fatal or error
        self.callback_errors.append(error)
        del self.callback_errors[:-_MAX_CALLBACK_ERRORS]
        _log.error("IPA %s callback raised %r", what, error, exc_info=isinstance(error, Exception))

    def _c_load(self, _user: Any, name: bytes, buffer: Any, capacity: int, length: Any) -> int:
        try:
            data = self.storage.load(name.decode())
            if data is None:
                return Status.NOT_FOUND
            length[0] = len(data)
            if len(data) > capacity:
                return Status.BUFFER_TOO_SMALL
            if data:
                ctypes.memmove(buffer, bytes(data), len(data))
            return Status.OK
        except BaseException as error:  # noqa: B902
            self._callback_failed("load", error)
            return Status.STORAGE

    def _c_save(self, _user: Any, name: bytes, data: Any, length: int) -> int:
        try:
            self.storage.save(name.decode(), ctypes.string_at(data, length) if data else None)
            return Status.OK
        except BaseException as error:  # noqa: B902
            self._callback_failed("save", error)
            return Status.STORAGE

    def _c_now(self, _user: Any) -> int:
        try:
            now = int(self.clock())
            self._last_now = max(self._last_now, now)  # monotonic even if the clock is not
        except BaseException as error:  # noqa: B902
            self._callback_failed("clock", error)
        return self._last_now

    def _c_log(self, _user: Any, level: int, message: Optional[bytes]) -> None:
        text = (message or b"").decode(errors="replace")
        if "no eIM configured" in text:
            self._no_eim = True
        try:
            if self.log is not None:
                self.log(level, text)
            else:
                _log.log(_PYTHON_LEVELS.get(LogLevel(level) if 0 <= level <= 3 else LogLevel.DEBUG, logging.DEBUG),
                         "%s", text)
        except BaseException as error:  # noqa: B902
            self._callback_failed("log", error)

    def _c_event(self, _user: Any, pointer: Any) -> None:
        try:
            raw = pointer.contents
            try:
                kind: Any = IpaEventType(raw.type)
            except ValueError:
                kind = int(raw.type)
            event = IpaEvent(type=kind, status=int(raw.status), status_name=_status_name(raw.status),
                             code=int(raw.code), iccid=bytes(raw.iccid).hex().upper() if raw.has_iccid else None,
                             detail=(raw.detail or b"").decode(errors="replace"),
                             data=ctypes.string_at(raw.data, raw.len) if raw.data and raw.len else b"",
                             total=int(raw.total))
            if self.on_event is not None:
                self.on_event(event)
        except BaseException as error:  # noqa: B902
            self._callback_failed("event", error)

    # -- lifecycle
    def _ipa(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the IPA was closed")
        return self._handle

    def close(self) -> None:
        """Frees the IPA: what is in flight is cancelled, persisted state stays, the transport is
        closed."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._dll.sgp32_ipa_free(handle)
            self._raise_fatal()

    @property
    def closed(self) -> bool:
        return self._handle is None


    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            fatal, self._fatal = self._fatal, None
            raise fatal

    # -- the poll loop
    def poll(self) -> PollResult:
        """Does the work that is due (never sleeps; APDUs run inside) and says what it did."""
        c = _PollResult()
        status = self._dll.sgp32_ipa_poll(self._ipa(), ctypes.byref(c))
        self._raise_fatal()
        try:
            activity: Any = IpaActivity(c.activity)
        except ValueError:
            activity = int(c.activity)
        result = PollResult(activity=activity, wait_ms=int(c.wait_ms), state=(c.state or b"").decode(),
                            status=int(c.status), status_name=_status_name(c.status),
                            detail=c.detail.decode(errors="replace"), return_status=int(status),
                            idle=self.is_idle)
        if result.status == Status.NOT_FOUND and "no eIM" in result.detail:
            self._no_eim = True
        return result

    @property
    def is_idle(self) -> bool:
        """No procedure in flight and nothing pending before the next periodic eIM poll."""
        return bool(self._dll.sgp32_ipa_is_idle(self._ipa()))

    def run_until(self, done: Callable[[PollResult], bool], timeout: float = 300.0,
                  max_sleep: float = 1.0) -> PollResult:
        """Polls (sleeping as long as each poll allows, at most ``max_sleep`` s) until
        ``done(result)`` is true; returns that result. TimeoutError_ (with the last state and
        failure) when ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.poll()
            if done(result):
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError_(Status.TIMEOUT, "SGP32_ERR_TIMEOUT",
                                    f"the IPA did not finish within {timeout} s (state {result.state})",
                                    {"state": result.state, "status": result.status_name,
                                     "detail": result.detail or self.last_error})
            time.sleep(max(0.0, min(result.wait_ms / 1000.0, remaining, max_sleep)))

    def run_until_idle(self, timeout: float = 300.0) -> PollResult:
        """Polls until the IPA is idle (see :attr:`is_idle`); returns the last :class:`PollResult`
        (its ``activity`` FAILED / ``status`` tell a procedure that gave up). With no eIM configured
        on the eUICC, the IPA back in state "idle" with nothing to do counts as idle too (libraries
        before 4e3c3e6 never reported is_idle there)."""
        return self.run_until(lambda result: result.idle or (self._no_eim and result.state == "idle" and
                                                             result.activity == IpaActivity.IDLE), timeout)

    @property
    def last_error(self) -> str:
        """The last failure in detail (status word, ES10 result, ESipa / ES9+ codes)."""
        return str((self._dll.sgp32_ipa_last_error(self._ipa()) or b"").decode(errors="replace"))

    @property
    def eid(self) -> Optional[str]:
        """The EID (32 hex digits) once a poll has read it, else None."""
        eid = (ctypes.c_uint8 * 16)()
        if self._dll.sgp32_ipa_eid(self._ipa(), eid) != Status.OK:
            return None
        return bytes(eid).hex().upper()

    def _check(self, status: int, operation: str, detail: Optional[Dict[str, Any]] = None) -> None:
        self._raise_fatal()
        if status != Status.OK:
            extra = {"operation": operation, "last_error": self.last_error}
            extra.update(detail or {})
            raise error_from_status(status, operation, extra)

    # -- host operations, queued: carried out by the following polls
    def poll_eim_now(self) -> None:
        """GetEimPackage at the next poll instead of waiting for the period."""
        self._check(self._dll.sgp32_ipa_poll_eim_now(self._ipa()), "poll_eim_now")

    def network_changed(self, up: bool, rplmn: Optional[bytes] = None) -> None:
        """The network came up or went down; ``rplmn``: 3 bytes MCC/MNC (TS 24.008) or None."""
        if rplmn is not None and len(rplmn) != 3:
            raise ValueError("rplmn is 3 bytes")
        self._check(self._dll.sgp32_ipa_network_changed(self._ipa(), int(up), None if rplmn is None else bytes(rplmn)),
                    "network_changed")

    def download(self, activation_code: Optional[str] = None, confirmation_code: Optional[str] = None) -> None:
        """Queues a direct download (ES9+): "1$smdp.example.com$MATCHING-ID" (optional "LPA:"), or
        None for the eUICC's default SM-DP+. Progress and outcome come as DOWNLOAD_PROGRESS /
        DOWNLOAD_DONE events; :meth:`download_and_wait` does it all."""
        code = None if activation_code is None else activation_code.encode()
        confirmation = None if confirmation_code is None else confirmation_code.encode()
        self._check(self._dll.sgp32_ipa_download(self._ipa(), code, confirmation), "download")

    def download_and_wait(self, activation_code: Optional[str] = None, confirmation_code: Optional[str] = None,
                          timeout: float = 300.0) -> str:
        """:meth:`download`, then polls until its DOWNLOAD_DONE event: returns the new profile's
        ICCID (20 hex digits as stored); raises the failure's :class:`~sgp32.errors.Sgp32Error`
        (detail: the event's detail, e.g. the SM-DP+'s reason) or TimeoutError_."""
        outcome: List[IpaEvent] = []
        previous = self.on_event

        def watch(event: IpaEvent) -> None:
            if event.type == IpaEventType.DOWNLOAD_DONE:
                outcome.append(event)
            if previous is not None:
                previous(event)

        self.on_event = watch
        try:
            self.download(activation_code, confirmation_code)
            self.run_until(lambda _result: bool(outcome), timeout)
        finally:
            self.on_event = previous
        done = outcome[0]
        if done.status != Status.OK or done.iccid is None:
            raise error_from_status(done.status if done.status != Status.OK else Status.PROTOCOL,
                                    f"download failed: {done.detail}",
                                    {"detail": done.detail, "last_error": self.last_error})
        return done.iccid

    def inject_eim_package(self, request: bytes) -> None:
        """A TransferEimPackageRequest (BF4E) the eIM pushed; the answer comes as a
        TRANSFER_RESPONSE event (its ``data``)."""
        self._check(self._dll.sgp32_ipa_inject_eim_package(self._ipa(), bytes(request), len(request)),
                    "inject_eim_package")

    # -- immediate operations on the eUICC (StateError while a procedure is in flight)
    def add_initial_eim(self, request: bytes) -> bytes:
        """AddInitialEim (BF57) with the complete request; returns the eUICC's answer (decode it as
        "AddInitialEimResponse"). A refusal raises with ``detail["answer"]``."""
        buffer = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = self._dll.sgp32_ipa_add_initial_eim(self._ipa(), bytes(request), len(request), ctypes.byref(buffer),
                                                     ctypes.byref(length))
        answer = _lib.take_buffer(buffer, length.value)
        self._check(status, "add_initial_eim", {"answer": answer} if answer else None)
        self._no_eim = False
        return answer

    def execute_fallback(self) -> None:
        """ExecuteFallbackMechanism; the change is reported to the eIM at the next GetEimPackage."""
        self._check(self._dll.sgp32_ipa_execute_fallback(self._ipa()), "execute_fallback")

    def return_from_fallback(self) -> None:
        self._check(self._dll.sgp32_ipa_return_from_fallback(self._ipa()), "return_from_fallback")

    def enable_emergency_profile(self) -> None:
        self._check(self._dll.sgp32_ipa_enable_emergency_profile(self._ipa()), "enable_emergency_profile")

    def disable_emergency_profile(self) -> None:
        self._check(self._dll.sgp32_ipa_disable_emergency_profile(self._ipa()), "disable_emergency_profile")

    def immediate_enable(self) -> None:
        """ImmediateEnable of the profile just downloaded with immediate enabling configured."""
        self._check(self._dll.sgp32_ipa_immediate_enable(self._ipa()), "immediate_enable")

    def memory_reset(self, options: int) -> None:
        """EuiccMemoryReset of SGP.32 with :class:`sgp32.es10.ResetOption` bits."""
        self._check(self._dll.sgp32_ipa_memory_reset(self._ipa(), int(options)), "memory_reset")
