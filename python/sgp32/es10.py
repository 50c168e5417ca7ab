# SPDX-License-Identifier: MIT
"""ES10 sessions (include/sgp32/es10.h): a logical channel to the ISD-R over any transport and the
exchange of ES10 commands (BER-TLV requests such as BF3E...) for their responses.

    with Es10Session(transport) as es10:       # opens the transport, connects
        print(es10.get_eid())
        for profile in es10.get_profiles_info()["profileInfoListOk"]:
            print(profile["iccid"], profile.get("profileState"))
"""

from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional, Sequence

from . import _lib, codec
from .errors import DecodeError, Sgp32Error, Status, StateError, error_from_status
from .transport import Transport, TransportBase

__all__ = ["Es10Session"]

_BASIC_CHANNEL = 1 << 0
_NO_TERMINAL_CAPABILITY = 1 << 1


class _Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("apdu_timeout_ms", ctypes.c_uint32),
        ("max_response", ctypes.c_uint32),
        ("terminal_capability", ctypes.c_void_p),
        ("terminal_capability_len", ctypes.c_size_t),
    ]


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("sw", ctypes.c_uint16), ("ins", ctypes.c_uint8),
                ("step", ctypes.c_char_p), ("es10_result", ctypes.c_long)]


def _length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _tlv(tag: str, value: bytes) -> bytes:
    """One DER TLV (tag given in hex, e.g. "BF31")."""
    return bytes.fromhex(tag) + _length(len(value)) + value


def _profile_id(iccid: Optional[str], isdp_aid: Optional[str]) -> bytes:
    """The profileIdentifier alternatives: ICCID (5A, the card's 10 bytes as get_profiles_info
    shows them) or ISD-P AID (4F)."""
    if (iccid is None) == (isdp_aid is None):
        raise ValueError("give exactly one of iccid and isdp_aid")
    if iccid is not None:
        return _tlv("5A", bytes.fromhex(iccid))
    assert isdp_aid is not None
    return _tlv("4F", bytes.fromhex(isdp_aid))


# Named result codes (the INTEGER {...} of each response, SGP.22 5.7 / RSPDefinitions).
_RESULT_NAMES: Dict[str, Dict[int, str]] = {
    "EnableProfile": {1: "iccidOrAidNotFound", 2: "profileNotInDisabledState", 3: "disallowedByPolicy",
                      4: "wrongProfileReenabling", 5: "catBusy", 127: "undefinedError"},
    "DisableProfile": {1: "iccidOrAidNotFound", 2: "profileNotInEnabledState", 3: "disallowedByPolicy",
                       5: "catBusy", 127: "undefinedError"},
    "DeleteProfile": {1: "iccidOrAidNotFound", 2: "profileNotInDisabledState", 3: "disallowedByPolicy",
                      127: "undefinedError"},
    "SetNickname": {1: "iccidNotFound", 127: "undefinedError"},
    "RemoveNotificationFromList": {1: "nothingToDelete", 127: "undefinedError"},
}


class Es10Session:
    """An ES10 session over ``transport`` (a :class:`~sgp32.transport.Transport` subclass or a
    native transport). As a context manager it opens the transport (unless ``open_transport`` is
    False), connects, and on exit disconnects, frees the session and closes what it opened.

    ``basic_channel``: use channel 0 instead of MANAGE CHANNEL; ``terminal_capability``: False to
    skip TERMINAL CAPABILITY; ``apdu_timeout_ms``: per APDU (0: 10000)."""

    def __init__(self, transport: TransportBase, *, basic_channel: bool = False, terminal_capability: bool = True,
                 apdu_timeout_ms: int = 0, max_response: int = 0, open_transport: bool = True) -> None:
        self._dll = _lib.lib()
        self.transport = transport
        self._open_transport = open_transport
        self._transport_opened = False
        options = _Options()
        options.size = ctypes.sizeof(_Options)
        options.flags = (_BASIC_CHANNEL if basic_channel else 0) | (0 if terminal_capability else
                                                                      _NO_TERMINAL_CAPABILITY)
        options.apdu_timeout_ms = apdu_timeout_ms
        options.max_response = max_response
        self._c_transport = transport._c_transport()
        handle = ctypes.c_void_p()
        status = self._dll.sgp32_es10_new(ctypes.byref(self._c_transport), ctypes.byref(options),
                                          ctypes.byref(handle))
        if status != Status.OK:
            raise error_from_status(status, "creating the ES10 session")
        self._handle: Optional[ctypes.c_void_p] = handle
        # Releasing the transport (or freeing the card behind it) closes this session first, so the
        # session never talks to a freed transport.
        transport._sessions.add(self)

    # -- lifecycle
    def _session(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the ES10 session was closed")
        if self.transport.closed:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the transport of the ES10 session was released")
        return self._handle

    def last_error(self) -> Dict[str, Any]:
        """The session's last error: {"status", "sw", "ins", "step", "es10_result"}."""
        pointer = self._dll.sgp32_es10_last_error(self._session())
        error = _Error.from_address(pointer)
        return {"status": error.status, "sw": error.sw, "ins": error.ins,
                "step": (error.step or b"").decode(errors="replace"), "es10_result": error.es10_result}

    def _fail(self, status: int, context: str) -> Sgp32Error:
        detail = self.last_error()
        del detail["status"]
        cause = None
        if isinstance(self.transport, Transport) and self.transport.last_exception is not None:
            cause, self.transport.last_exception = self.transport.last_exception, None
            if not isinstance(cause, Exception):  # KeyboardInterrupt, SystemExit: not ours to swallow
                raise cause
            detail["exception"] = repr(cause)
        error = error_from_status(status, context, detail)
        error.__cause__ = cause
        return error

    def connect(self) -> None:
        """Opens the logical channel, selects the ISD-R and sends TERMINAL CAPABILITY. Call again
        after a card reset or a 6985 answer. Raises CardStatusError (sw, step) on refusal."""
        status = self._dll.sgp32_es10_connect(self._session())
        if status != Status.OK:
            raise self._fail(status, "connecting to the ISD-R")

    def disconnect(self) -> None:
        """Closes the logical channel; connect() may be called again."""
        if self._handle is not None:
            self._dll.sgp32_es10_disconnect(self._handle)

    def close(self) -> None:
        """Disconnects, frees the session and closes the transport if the session opened it."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._dll.sgp32_es10_free(handle)  # closes the logical channel: the transport is still alive
        if self._transport_opened:
            self._transport_opened = False
            if not self.transport.closed:
                self.transport.close()

    @property
    def closed(self) -> bool:
        return self._handle is None

    @property
    def channel(self) -> int:
        """The logical channel in use (0 for the basic channel)."""
        return int(self._dll.sgp32_es10_channel(self._session()))

    @property
    def proactive_pending(self) -> bool:
        """True if the card signalled a pending proactive command (SW 91xx)."""
        return bool(self._dll.sgp32_es10_proactive_pending(self._session()))

    def __enter__(self) -> "Es10Session":
        try:
            if self._open_transport:
                self.transport.open()
                self._transport_opened = True
            self.connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- commands
    def transceive(self, request: bytes) -> bytes:
        """Sends one ES10 command (a complete BER-TLV) and returns its response (b"" when the card
        answered 9000 without data). Raises CardStatusError with ``sw``/``step``/``ins`` when the
        card refuses, TransportError/TimeoutError_ when the transport fails."""
        response = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = self._dll.sgp32_es10_transceive(self._session(), bytes(request), len(request),
                                                 ctypes.byref(response), ctypes.byref(length))
        if status != Status.OK:
            raise self._fail(status, f"ES10 command {bytes(request[:2]).hex().upper()}")
        if not response:
            return b""
        try:
            return ctypes.string_at(response, length.value)
        finally:
            self._dll.sgp32_buffer_free(response)

    def call(self, request: bytes, response_types: Sequence[str]) -> Any:
        """transceive() and decode the answer as the first of ``response_types`` that fits (e.g. the
        SGP.32 type, then the SGP.22 one of a consumer eUICC)."""
        answer = self.transceive(request)
        error: Optional[DecodeError] = None
        for type_name in response_types:
            try:
                return codec.decode(type_name, answer)
            except DecodeError as failure:
                error = error or failure
        assert error is not None
        raise error

    def get_eid(self) -> str:
        """The EID as 32 upper-case hex digits (GetEuiccData, tag list 5A)."""
        return str(self.call(bytes.fromhex("BF3E035C015A"), ["GetEuiccDataResponse"])["eidValue"])

    def get_euicc_info1(self) -> Dict[str, Any]:
        """GetEUICCInfo1 (BF20) as a dict."""
        return dict(self.call(bytes.fromhex("BF2000"), ["EUICCInfo1"]))

    def get_euicc_info2(self) -> Dict[str, Any]:
        """GetEUICCInfo2 (BF22): SGP32-EUICCInfo2 of an IoT eUICC, else SGP.22 EUICCInfo2."""
        return dict(self.call(bytes.fromhex("BF2200"), ["SGP32-EUICCInfo2", "EUICCInfo2"]))

    def get_profiles_info(self) -> Dict[str, Any]:
        """GetProfilesInfo (BF2D, all profiles, default tags): {"profileInfoListOk": [...]} or
        {"profileInfoListError": ...}."""
        return dict(self.call(bytes.fromhex("BF2D00"), ["SGP32-ProfileInfoListResponse", "ProfileInfoListResponse"]))

    def get_configured_addresses(self) -> Dict[str, Any]:
        """GetEuiccConfiguredAddresses (BF3C): default SM-DP+ and root SM-DS addresses."""
        return dict(self.call(bytes.fromhex("BF3C00"), ["EuiccConfiguredAddressesResponse"]))

    def get_eim_configuration(self) -> Dict[str, Any]:
        """GetEimConfigurationData (BF55, all eIMs)."""
        return dict(self.call(bytes.fromhex("BF5500"), ["GetEimConfigurationDataResponse"]))

    def list_notifications(self) -> Dict[str, Any]:
        """ListNotification (BF28, all pending notifications' metadata)."""
        return dict(self.call(bytes.fromhex("BF2800"), ["ListNotificationResponse"]))

    # -- profile management (ES10c) and notifications
    def _result(self, function: str, request: bytes, response_type: str, field: str) -> None:
        result = int(self.call(request, [response_type])[field])
        if result != 0:
            name = _RESULT_NAMES.get(function, {}).get(result, "unknown")
            raise error_from_status(Status.EUICC_RESULT, f"{function}: {name}",
                                    {"function": function, "result": result, "result_name": name})

    def enable_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None,
                       refresh: bool = False) -> None:
        """EnableProfile (BF31). ``iccid`` as get_profiles_info() shows it (20 hex digits) or
        ``isdp_aid``. Raises EuiccResultError (detail result / result_name) when the card refuses."""
        request = _tlv("BF31", _tlv("A0", _profile_id(iccid, isdp_aid)) + _tlv("81", b"\xff" if refresh else b"\x00"))
        self._result("EnableProfile", request, "EnableProfileResponse", "enableResult")

    def disable_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None,
                        refresh: bool = False) -> None:
        """DisableProfile (BF32); see enable_profile()."""
        request = _tlv("BF32", _tlv("A0", _profile_id(iccid, isdp_aid)) + _tlv("81", b"\xff" if refresh else b"\x00"))
        self._result("DisableProfile", request, "DisableProfileResponse", "disableResult")

    def delete_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None) -> None:
        """DeleteProfile (BF33); see enable_profile()."""
        self._result("DeleteProfile", _tlv("BF33", _profile_id(iccid, isdp_aid)), "DeleteProfileResponse",
                     "deleteResult")

    def set_nickname(self, iccid: str, nickname: str) -> None:
        """SetNickname (BF29): up to 64 bytes of UTF-8; "" removes the nickname."""
        request = _tlv("BF29", _profile_id(iccid, None) + _tlv("90", nickname.encode("utf-8")))
        self._result("SetNickname", request, "SetNicknameResponse", "setNicknameResult")

    def remove_notification(self, seq_number: int) -> None:
        """RemoveNotificationFromList (BF30) of the notification with that sequence number."""
        encoded = seq_number.to_bytes(max(1, (seq_number.bit_length() + 8) // 8), "big", signed=True)
        self._result("RemoveNotificationFromList", _tlv("BF30", _tlv("80", encoded)), "NotificationSentResponse",
                     "deleteNotificationStatus")
