# SPDX-License-Identifier: MIT
"""Exceptions carrying libsgp32 status codes (include/sgp32/status.h).

Every failing call raises a subclass of :class:`Sgp32Error` chosen by the code's group; the
exception carries the numeric ``code``, its symbolic ``name`` ("SGP32_ERR_DECODE"), the library's
English ``message`` and a ``detail`` dict (for ES10 failures: ``sw``, ``ins``, ``step``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

from . import _lib

__all__ = [
    "Status",
    "Sgp32Error",
    "UsageError",
    "NotSupportedError",
    "NotFoundError",
    "StateError",
    "DecodeError",
    "EncodeError",
    "TimeoutError_",
    "TransportError",
    "NoCardError",
    "CardStatusError",
    "EuiccResultError",
    "HttpError",
    "ServerStatusError",
    "CryptoError",
    "StorageError",
    "ProtocolError",
    "CancelledError",
    "error_from_status",
    "check",
]


class Status:
    """The numeric values of enum sgp32_status (part of the ABI)."""

    OK = 0
    INVALID_ARGUMENT = 1
    NO_MEMORY = 2
    BUFFER_TOO_SMALL = 3
    NOT_SUPPORTED = 4
    NOT_FOUND = 5
    STATE = 6
    DECODE = 20
    TRUNCATED = 21
    TRAILING = 22
    NOT_DER = 23
    TOO_LARGE = 24
    TOO_DEEP = 25
    CONSTRAINT = 26
    ENCODE = 27
    NEED_MORE = 28
    TIMEOUT = 40
    TRANSPORT = 41
    CARD_STATUS = 42
    EUICC_RESULT = 43
    HTTP = 44
    SERVER_STATUS = 45
    CRYPTO = 46
    STORAGE = 47
    NO_CARD = 48
    PROTOCOL = 49
    CANCELLED = 50


class Sgp32Error(Exception):
    """A libsgp32 call failed.

    Attributes: ``code`` (int, enum sgp32_status), ``name`` ("SGP32_ERR_..."), ``message`` (the
    library's description, possibly with context) and ``detail`` (dict, may be empty).
    """

    def __init__(self, code: int, name: str, message: str, detail: Optional[Dict[str, Any]] = None) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.detail: Dict[str, Any] = dict(detail or {})
        super().__init__(code, name, message, self.detail)

    def __str__(self) -> str:
        text = f"{self.name} ({self.code}): {self.message}"
        if self.detail:
            text += " [" + ", ".join(f"{k}={_fmt(k, v)}" for k, v in self.detail.items()) + "]"
        return text


def _fmt(key: str, value: Any) -> str:
    if key == "sw" and isinstance(value, int):
        return f"{value:04X}"
    if key == "ins" and isinstance(value, int):
        return f"{value:02X}"
    return str(value)


class UsageError(Sgp32Error):
    """Usage and resources (codes 1-6)."""


class NotSupportedError(UsageError):
    """A feature left out of this build, or not offered by the peer."""


class NotFoundError(UsageError):
    """A named item (type, profile, reader ...) does not exist."""


class StateError(UsageError):
    """The call is not allowed in the current state (e.g. a closed handle)."""


class DecodeError(Sgp32Error):
    """Malformed, truncated, trailing, non-DER, oversized, too deep or out-of-constraint input (20-28)."""


class EncodeError(Sgp32Error):
    """The value cannot be encoded."""


class TimeoutError_(Sgp32Error):
    """A wait reached its deadline (named with a trailing underscore to keep the builtin visible)."""


class TransportError(Sgp32Error):
    """The APDU transport failed (device gone, I/O error, an exception in a Python transport)."""


class NoCardError(TransportError):
    """No card present, card removed or unpowered."""


class CardStatusError(Sgp32Error):
    """The card answered an unexpected status word.

    ``sw`` (int, e.g. 0x6A88), ``ins`` (INS of the failing APDU) and ``step`` ("store data",
    "select ISD-R" ...) come from the ES10 session's last error.
    """

    @property
    def sw(self) -> int:
        return int(self.detail.get("sw", 0))

    @property
    def ins(self) -> int:
        return int(self.detail.get("ins", 0))

    @property
    def step(self) -> str:
        return str(self.detail.get("step", ""))


class EuiccResultError(Sgp32Error):
    """The eUICC answered an ES10 error code."""


class HttpError(Sgp32Error):
    """HTTP transport error or unexpected HTTP status."""


class ServerStatusError(Sgp32Error):
    """The eIM / SM-DP+ / SM-DS answered an error status."""


class CryptoError(Sgp32Error):
    """A signature, MAC or key check failed."""


class StorageError(Sgp32Error):
    """Storage failed or returned corrupt data."""


class ProtocolError(Sgp32Error):
    """The peer broke the protocol."""


class CancelledError(Sgp32Error):
    """The operation was cancelled."""


_CLASSES: Dict[int, Type[Sgp32Error]] = {
    Status.NOT_SUPPORTED: NotSupportedError,
    Status.NOT_FOUND: NotFoundError,
    Status.STATE: StateError,
    Status.ENCODE: EncodeError,
    Status.TIMEOUT: TimeoutError_,
    Status.TRANSPORT: TransportError,
    Status.NO_CARD: NoCardError,
    Status.CARD_STATUS: CardStatusError,
    Status.EUICC_RESULT: EuiccResultError,
    Status.HTTP: HttpError,
    Status.SERVER_STATUS: ServerStatusError,
    Status.CRYPTO: CryptoError,
    Status.STORAGE: StorageError,
    Status.PROTOCOL: ProtocolError,
    Status.CANCELLED: CancelledError,
}


def _class_for(code: int) -> Type[Sgp32Error]:
    if code in _CLASSES:
        return _CLASSES[code]
    if 1 <= code <= 19:
        return UsageError
    if 20 <= code <= 39:
        return DecodeError
    return Sgp32Error


def error_from_status(code: int, context: Optional[str] = None,
                      detail: Optional[Dict[str, Any]] = None) -> Sgp32Error:
    """The exception for a status code; its name and message come from sgp32_status_name() and
    sgp32_strerror(), prefixed with ``context`` when given."""
    dll = _lib.lib()
    name = dll.sgp32_status_name(code).decode()
    message = dll.sgp32_strerror(code).decode()
    if context:
        message = f"{context}: {message}"
    return _class_for(code)(code, name, message, detail)


def check(code: int, context: Optional[str] = None, detail: Optional[Dict[str, Any]] = None) -> None:
    """Raises the matching :class:`Sgp32Error` unless ``code`` is SGP32_OK."""
    if code != Status.OK:
        raise error_from_status(code, context, detail)
