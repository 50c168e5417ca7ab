# SPDX-License-Identifier: MIT
"""APDU transports (include/sgp32/transport.h).

Two kinds, used the same way by :class:`sgp32.Es10Session`:

* :class:`Transport`: implemented in Python. Subclass it and implement ``transmit(apdu,
  timeout_ms) -> bytes`` (the R-APDU with SW1 SW2), optionally ``open``/``close``/``reset``; the
  package hands it to the C library as a ``struct sgp32_apdu_transport_ops`` of ctypes callbacks.
  An exception raised inside a callback never crosses into C: the call answers
  SGP32_ERR_TRANSPORT (or the code of an :class:`~sgp32.errors.Sgp32Error`, SGP32_ERR_TIMEOUT for
  a builtin TimeoutError) and the exception is kept in ``last_exception`` and chained to the error
  the caller sees.
* :class:`NativeTransport`: one of the library's own transports (:class:`PcscTransport`,
  :class:`AtTransport`, :class:`QmiTransport`, or a software eUICC's ``transport()``).

All transports are context managers: leaving the block closes the card connection and frees the
C handle.
"""

from __future__ import annotations

import ctypes
import weakref
from typing import Any, Callable, List, Optional, Tuple

from . import _lib
from .errors import NotSupportedError, Sgp32Error, StateError, Status, check, error_from_status

__all__ = [
    "TransportBase",
    "Transport",
    "NativeTransport",
    "PcscTransport",
    "AtTransport",
    "QmiTransport",
    "list_pcsc_readers",
    "APDU_MAX_RESPONSE",
]

APDU_MAX_RESPONSE = 258
_TRANSPORT_VERSION = 1
_OWNS_CHANNELS = 1

_u8p = ctypes.POINTER(ctypes.c_uint8)
_szp = ctypes.POINTER(ctypes.c_size_t)
_u32 = ctypes.c_uint32
_st = ctypes.c_int

OPEN_FN = ctypes.CFUNCTYPE(_st, ctypes.c_void_p, _u8p, ctypes.c_size_t, _szp, _u32)
CLOSE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
TRANSMIT_FN = ctypes.CFUNCTYPE(_st, ctypes.c_void_p, _u8p, ctypes.c_size_t, _u8p, ctypes.c_size_t, _szp, _u32)
OPEN_CHANNEL_FN = ctypes.CFUNCTYPE(_st, ctypes.c_void_p, _u8p, ctypes.c_size_t, ctypes.POINTER(_u32), _u8p,
                                   ctypes.c_size_t, _szp, _u32)
CLOSE_CHANNEL_FN = ctypes.CFUNCTYPE(_st, ctypes.c_void_p, _u32, _u32)
TRANSMIT_ON_CHANNEL_FN = ctypes.CFUNCTYPE(_st, ctypes.c_void_p, _u32, _u8p, ctypes.c_size_t, _u8p, ctypes.c_size_t,
                                          _szp, _u32)
PROACTIVE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class TransportOps(ctypes.Structure):
    """struct sgp32_apdu_transport_ops (version 1)."""

    _fields_ = [
        ("version", _u32),
        ("size", _u32),
        ("flags", _u32),
        ("open", OPEN_FN),
        ("close", CLOSE_FN),
        ("transmit", TRANSMIT_FN),
        ("reset", OPEN_FN),
        ("open_logical_channel", OPEN_CHANNEL_FN),
        ("close_logical_channel", CLOSE_CHANNEL_FN),
        ("transmit_on_channel", TRANSMIT_ON_CHANNEL_FN),
        ("proactive_pending", PROACTIVE_FN),
    ]


class CTransport(ctypes.Structure):
    """struct sgp32_apdu_transport."""

    _fields_ = [("ops", ctypes.POINTER(TransportOps)), ("user", ctypes.c_void_p)]


def _copy_out(data: bytes, buffer: Any, capacity: int, length: Any) -> int:
    """Writes data into a C buffer; SGP32_ERR_BUFFER_TOO_SMALL when it does not fit."""
    if len(data) > capacity:
        if length:
            length[0] = len(data)
        return Status.BUFFER_TOO_SMALL
    if data:
        ctypes.memmove(buffer, data, len(data))
    if length:
        length[0] = len(data)
    return Status.OK


class TransportBase:
    """What every transport offers: open/close/reset/transmit, and the C view of it."""

    closed: bool = False

    @property
    def _sessions(self) -> "weakref.WeakSet[Any]":
        sessions = self.__dict__.get("_session_set")
        if sessions is None:
            sessions = self.__dict__["_session_set"] = weakref.WeakSet()
        return sessions

    def _close_sessions(self) -> None:
        for session in list(self._sessions):
            session.close()

    def _c_transport(self) -> CTransport:
        raise NotImplementedError

    def open(self, timeout_ms: int = 10000) -> bytes:
        """Connects to (powers on) the card; returns the ATR (may be empty)."""
        raise NotImplementedError

    def close(self) -> None:
        """Releases the card; the transport may be opened again."""

    def reset(self, timeout_ms: int = 10000) -> bytes:
        """Resets the card; returns the ATR."""
        raise error_from_status(Status.NOT_SUPPORTED, "reset")

    def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        """Sends one C-APDU, returns the R-APDU (data followed by SW1 SW2)."""
        raise NotImplementedError

    def release(self) -> None:
        """Frees everything the transport holds (idempotent); open ES10 sessions over it are closed
        first."""
        self._close_sessions()
        self.closed = True

    def __enter__(self) -> "TransportBase":
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        finally:
            self.release()


class Transport(TransportBase):
    """Base class of a transport implemented in Python.

    Implement :meth:`transmit`; override :meth:`open`, :meth:`close` and :meth:`reset` when the
    device needs them. A transport that opens logical channels itself (a modem) sets
    ``owns_channels = True`` and implements :meth:`open_logical_channel`,
    :meth:`close_logical_channel` and :meth:`transmit_on_channel`.
    """

    owns_channels: bool = False

    def __init__(self) -> None:
        self.last_exception: Optional[BaseException] = None
        self._c: Optional[CTransport] = None
        self._ops: Optional[TransportOps] = None
        self._callbacks: List[Any] = []

    # -- methods a subclass implements
    def open(self, timeout_ms: int = 10000) -> bytes:
        return b""

    def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        raise NotImplementedError("a Transport subclass implements transmit()")

    def open_logical_channel(self, aid: bytes, timeout_ms: int = 10000) -> Tuple[int, bytes]:
        """Opens a channel and selects ``aid``; returns (channel handle, SELECT answer with SW)."""
        raise error_from_status(Status.NOT_SUPPORTED, "open_logical_channel")

    def close_logical_channel(self, channel: int, timeout_ms: int = 10000) -> None:
        raise error_from_status(Status.NOT_SUPPORTED, "close_logical_channel")

    def transmit_on_channel(self, channel: int, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        raise error_from_status(Status.NOT_SUPPORTED, "transmit_on_channel")

    # -- the C side
    def _guard(self, function: Callable[[], int]) -> int:
        """Runs a callback body: exceptions become status codes, never a crash in C."""
        try:
            return function()
        except Sgp32Error as error:
            self.last_exception = error
            return error.code if error.code != Status.OK else Status.TRANSPORT
        except TimeoutError as error:
            self.last_exception = error
            return Status.TIMEOUT
        except BaseException as error:  # noqa: B902 - KeyboardInterrupt is re-raised by the caller
            self.last_exception = error
            return Status.TRANSPORT

    def _c_transport(self) -> CTransport:
        if self.closed:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the transport was released")
        if self._c is not None:
            return self._c

        def c_open(_user: Any, atr: Any, cap: int, atr_len: Any, timeout: int) -> int:
            return self._guard(lambda: _copy_out(bytes(self.open(timeout)), atr, cap, atr_len)
                               if atr else (self.open(timeout), Status.OK)[1])

        def c_close(_user: Any) -> None:
            self._guard(lambda: (self.close(), Status.OK)[1])

        def c_transmit(_user: Any, command: Any, command_len: int, response: Any, cap: int, response_len: Any,
                       timeout: int) -> int:
            def body() -> int:
                answer = bytes(self.transmit(ctypes.string_at(command, command_len), timeout))
                if len(answer) < 2:
                    raise error_from_status(Status.PROTOCOL, "transmit returned no status word")
                return _copy_out(answer, response, cap, response_len)
            return self._guard(body)

        def c_reset(_user: Any, atr: Any, cap: int, atr_len: Any, timeout: int) -> int:
            return self._guard(lambda: _copy_out(bytes(self.reset(timeout)), atr, cap, atr_len)
                               if atr else (self.reset(timeout), Status.OK)[1])

        def c_open_channel(_user: Any, aid: Any, aid_len: int, channel: Any, select: Any, select_cap: int,
                           select_len: Any, timeout: int) -> int:
            def body() -> int:
                handle, answer = self.open_logical_channel(ctypes.string_at(aid, aid_len), timeout)
                channel[0] = int(handle)
                return _copy_out(bytes(answer), select, select_cap, select_len) if select else Status.OK
            return self._guard(body)

        def c_close_channel(_user: Any, channel: int, timeout: int) -> int:
            return self._guard(lambda: (self.close_logical_channel(channel, timeout), Status.OK)[1])

        def c_transmit_on_channel(_user: Any, channel: int, command: Any, command_len: int, response: Any, cap: int,
                                  response_len: Any, timeout: int) -> int:
            def body() -> int:
                answer = bytes(self.transmit_on_channel(channel, ctypes.string_at(command, command_len), timeout))
                return _copy_out(answer, response, cap, response_len)
            return self._guard(body)

        ops = TransportOps()
        ops.version = _TRANSPORT_VERSION
        ops.size = ctypes.sizeof(TransportOps)
        ops.flags = _OWNS_CHANNELS if self.owns_channels else 0
        self._callbacks = [OPEN_FN(c_open), CLOSE_FN(c_close), TRANSMIT_FN(c_transmit), OPEN_FN(c_reset)]
        ops.open, ops.close, ops.transmit, ops.reset = self._callbacks
        if self.owns_channels:
            more = [OPEN_CHANNEL_FN(c_open_channel), CLOSE_CHANNEL_FN(c_close_channel),
                    TRANSMIT_ON_CHANNEL_FN(c_transmit_on_channel)]
            self._callbacks += more
            ops.open_logical_channel, ops.close_logical_channel, ops.transmit_on_channel = more
        self._ops = ops
        self._c = CTransport(ctypes.pointer(ops), None)
        return self._c

    def release(self) -> None:
        self._close_sessions()
        self.closed = True
        self._c = None
        self._ops = None
        self._callbacks = []


class NativeTransport(TransportBase):
    """A transport implemented by libsgp32 (or the software eUICC library)."""

    def __init__(self, transport: CTransport, owner: Any = None,
                 free: Optional[Callable[[], None]] = None) -> None:
        self._c: Optional[CTransport] = transport
        self._owner = owner  # keeps the C object the transport points into alive
        self._free = free
        self._opened = False

    def _c_transport(self) -> CTransport:
        if self._c is None or self.closed or getattr(self._owner, "closed", False):
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the transport was released")
        return self._c

    def _ops(self) -> Tuple[TransportOps, Any]:
        c = self._c_transport()
        return c.ops.contents, c.user

    def open(self, timeout_ms: int = 10000) -> bytes:
        ops, user = self._ops()
        atr = (ctypes.c_uint8 * 64)()
        length = ctypes.c_size_t()
        check(ops.open(user, atr, len(atr), ctypes.byref(length), timeout_ms), "opening the transport")
        self._opened = True
        return bytes(atr[: length.value])

    def close(self) -> None:
        if self._c is None or self.closed or not self._opened:
            return
        if getattr(self._owner, "closed", False):
            return
        ops, user = self._ops()
        ops.close(user)
        self._opened = False

    def reset(self, timeout_ms: int = 10000) -> bytes:
        ops, user = self._ops()
        if not ops.reset:
            raise error_from_status(Status.NOT_SUPPORTED, "reset")
        atr = (ctypes.c_uint8 * 64)()
        length = ctypes.c_size_t()
        check(ops.reset(user, atr, len(atr), ctypes.byref(length), timeout_ms), "resetting the card")
        return bytes(atr[: length.value])

    def transmit(self, apdu: bytes, timeout_ms: int = 10000) -> bytes:
        ops, user = self._ops()
        command = (ctypes.c_uint8 * len(apdu)).from_buffer_copy(apdu)
        response = (ctypes.c_uint8 * APDU_MAX_RESPONSE)()
        length = ctypes.c_size_t()
        check(ops.transmit(user, command, len(apdu), response, len(response), ctypes.byref(length), timeout_ms),
              "transmit")
        return bytes(response[: length.value])

    def release(self) -> None:
        if not self.closed:
            self._close_sessions()
            self.closed = True
            self._c = None
            if self._free is not None:
                free, self._free = self._free, None
                free()


def _function(name: str) -> Any:
    try:
        return getattr(_lib.lib(), name)
    except AttributeError:
        raise NotSupportedError(Status.NOT_SUPPORTED, "SGP32_ERR_NOT_SUPPORTED",
                                f"this libsgp32 was built without {name}") from None


class _PcscOptions(ctypes.Structure):
    _fields_ = [("size", _u32), ("reader", ctypes.c_char_p), ("reader_index", _u32), ("protocol", ctypes.c_int),
                ("exclusive", ctypes.c_int)]


class _AtOptions(ctypes.Structure):
    _fields_ = [("size", _u32), ("mode", ctypes.c_int), ("baud", _u32), ("command_timeout_ms", _u32),
                ("store_data_timeout_ms", _u32)]


class _QmiOptions(ctypes.Structure):
    _fields_ = [("size", _u32), ("slot", ctypes.c_uint8), ("close_timeout_ms", _u32)]


class _HandleTransport(NativeTransport):
    """A native transport over a handle created by <prefix>_new/open and freed by <prefix>_free."""

    def __init__(self, handle: ctypes.c_void_p, prefix: str) -> None:
        self.handle = handle
        c = CTransport()
        _function(prefix + "_transport")(handle, ctypes.byref(c))
        free_function = _function(prefix + "_free")
        super().__init__(c, None, lambda: free_function(handle))


class PcscTransport(_HandleTransport):
    """A PC/SC reader (pcsc-lite). ``reader``: a substring of the reader name, or an int index into
    pcscd's reader list; None takes the first reader. ``protocol``: "any", "t0" or "t1"."""

    def __init__(self, reader: Any = None, protocol: str = "any", exclusive: bool = False) -> None:
        options = _PcscOptions()
        options.size = ctypes.sizeof(_PcscOptions)
        if isinstance(reader, int):
            options.reader_index = reader
        elif reader is not None:
            options.reader = str(reader).encode()
        options.protocol = {"any": 0, "t0": 1, "t1": 2}[protocol.lower()]
        options.exclusive = 1 if exclusive else 0
        handle = ctypes.c_void_p()
        check(_function("sgp32_pcsc_new")(ctypes.byref(options), ctypes.byref(handle)), "PC/SC")
        super().__init__(handle, "sgp32_pcsc")

    def open(self, timeout_ms: int = 10000) -> bytes:
        try:
            return super().open(timeout_ms)
        except Sgp32Error as error:
            code = int(_function("sgp32_pcsc_last_error")(self.handle))
            if code:
                error.detail["pcsc_error"] = f"0x{code:08X}"
                error.detail["pcsc_text"] = (_function("sgp32_pcsc_error_text")(code) or b"").decode(errors="replace")
            raise

    @property
    def reader_name(self) -> str:
        """The full name of the connected reader ("" before open)."""
        return (_function("sgp32_pcsc_reader_name")(self.handle) or b"").decode(errors="replace")


def list_pcsc_readers() -> List[str]:
    """The names of the readers pcscd knows (empty when there is none)."""
    names: List[str] = []
    each_type = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _u32, ctypes.c_char_p)
    callback = each_type(lambda _user, _index, name: names.append(name.decode(errors="replace")))
    function = _function("sgp32_pcsc_list_readers")
    function.restype = ctypes.c_int
    function.argtypes = [each_type, ctypes.c_void_p]
    status = function(callback, None)
    if status == Status.NOT_FOUND:
        return []
    check(status, "listing PC/SC readers")
    return names


class AtTransport(_HandleTransport):
    """A modem's AT command port. ``mode``: "auto" (probe AT+CCHO), "ccho" or "csim"; ``baud``: line
    speed of a tty (0 keeps it). ``path`` may also be an open file descriptor (int)."""

    def __init__(self, path: Any, mode: str = "auto", baud: int = 0, command_timeout_ms: int = 0,
                 store_data_timeout_ms: int = 0) -> None:
        options = _AtOptions()
        options.size = ctypes.sizeof(_AtOptions)
        options.mode = {"auto": 0, "ccho": 1, "csim": 2}[mode.lower()]
        options.baud = baud
        options.command_timeout_ms = command_timeout_ms
        options.store_data_timeout_ms = store_data_timeout_ms
        handle = ctypes.c_void_p()
        if isinstance(path, int):
            status = _function("sgp32_at_open_fd")(path, ctypes.byref(options), ctypes.byref(handle))
        else:
            status = _function("sgp32_at_open_path")(str(path).encode(), ctypes.byref(options), ctypes.byref(handle))
        check(status, f"AT transport on {path}")
        super().__init__(handle, "sgp32_at")


class QmiTransport(_HandleTransport):
    """A Qualcomm modem's QMI control device (e.g. "/dev/cdc-wdm0", or an open fd); ``slot`` is
    1-based."""

    def __init__(self, path: Any, slot: int = 1, close_timeout_ms: int = 0) -> None:
        options = _QmiOptions()
        options.size = ctypes.sizeof(_QmiOptions)
        options.slot = slot
        options.close_timeout_ms = close_timeout_ms
        handle = ctypes.c_void_p()
        if isinstance(path, int):
            status = _function("sgp32_qmi_new_fd")(path, ctypes.byref(options), ctypes.byref(handle))
        else:
            status = _function("sgp32_qmi_new_device")(str(path).encode(), ctypes.byref(options),
                                                       ctypes.byref(handle))
        check(status, f"QMI transport on {path}")
        super().__init__(handle, "sgp32_qmi")


def _release_on_gc(self: NativeTransport) -> None:
    try:
        self.release()
    except Exception:
        pass


NativeTransport.__del__ = _release_on_gc  # type: ignore[attr-defined]
