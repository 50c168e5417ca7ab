# SPDX-License-Identifier: MIT
"""libsgp32 for Python: pure ctypes bindings of the eSIM IoT (GSMA SGP.32) device-side SDK.

Public surface:

* :mod:`sgp32.codec`: ``types()``, ``decode(type, data) -> dict``, ``decode_text``, ``validate_der``,
  ``to_der`` for every ASN.1 type of the GSMA modules.
* Transports: :class:`Transport` (implement one in Python), :class:`PcscTransport`,
  :class:`AtTransport`, :class:`QmiTransport`, and :class:`SoftEuicc` (the software eUICC).
* :class:`Es10Session`: every ES10 function over any transport (:class:`BppLoader` streams a
  Bound Profile Package).
* HTTP clients: :class:`CurlHttpClient` (libcurl backend), :class:`UrllibHttpClient` (pure Python),
  or your own (:class:`ThreadedHttpClient`, :class:`HttpClient`).
* :class:`Ipa`: the IPA core and its poll loop, with Python storage, clock, log and events.
* Exceptions: :class:`Sgp32Error` and its subclasses in :mod:`sgp32.errors`.

The shared library is found through ``$SGP32_LIBRARY``, the build tree or the installed prefix
(see :mod:`sgp32._lib`).
"""

from __future__ import annotations

from . import codec, errors
from ._lib import find_library_path
from .errors import (
    CancelledError,
    CardStatusError,
    CryptoError,
    DecodeError,
    EncodeError,
    EuiccResultError,
    HttpError,
    NoCardError,
    NotFoundError,
    NotSupportedError,
    ProtocolError,
    ServerStatusError,
    Sgp32Error,
    StateError,
    Status,
    StorageError,
    TimeoutError_,
    TransportError,
    UsageError,
)
from .es10 import BppLoader, Es10Session, NotificationSearch, ResetOption, answer_error_code
from .http import (
    CurlHttpClient,
    HttpClient,
    HttpClientBase,
    HttpRequest,
    HttpResult,
    ThreadedHttpClient,
    UrllibHttpClient,
)
from .ipa import (
    DictStorage,
    DirectoryStorage,
    Ipa,
    IpaActivity,
    IpaConfig,
    IpaEvent,
    IpaEventType,
    LogLevel,
    PollResult,
    Storage,
)
from .softeuicc import SoftEuicc
from .transport import (
    AtTransport,
    NativeTransport,
    PcscTransport,
    QmiTransport,
    Transport,
    TransportBase,
    list_pcsc_readers,
)

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libsgp32 ("0.1.0")."""
    from . import _lib

    return str(_lib.lib().sgp32_version().decode())


__all__ = [
    "codec", "errors", "find_library_path", "library_version", "Es10Session", "SoftEuicc", "BppLoader",
    "NotificationSearch", "ResetOption", "answer_error_code", "CurlHttpClient", "HttpClient", "HttpClientBase",
    "HttpRequest", "HttpResult", "ThreadedHttpClient", "UrllibHttpClient", "DictStorage", "DirectoryStorage", "Ipa",
    "IpaActivity", "IpaConfig", "IpaEvent", "IpaEventType", "LogLevel", "PollResult", "Storage",
    "Transport", "TransportBase", "NativeTransport", "PcscTransport", "AtTransport", "QmiTransport",
    "list_pcsc_readers", "Status", "Sgp32Error", "UsageError", "NotSupportedError", "NotFoundError", "StateError",
    "DecodeError", "EncodeError", "TimeoutError_", "TransportError", "NoCardError", "CardStatusError",
    "EuiccResultError", "HttpError", "ServerStatusError", "CryptoError", "StorageError", "ProtocolError",
    "CancelledError",
]
