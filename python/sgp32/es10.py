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
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from . import _lib, codec
from .errors import DecodeError, Sgp32Error, Status, StateError, error_from_status
from .transport import Transport, TransportBase

__all__ = ["Es10Session", "BppLoader", "ResetOption", "NotificationSearch", "answer_error_code", "result_name"]

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


# The request tag of each ES10 function (SGP.22 5.7, SGP.32 5.9): the library names its result codes
# per command (sgp32_es10_result_name, lib/es10/result_names.c).
_REQUEST_TAGS: Dict[str, int] = {
    "EnableProfile": 0xBF31, "DisableProfile": 0xBF32, "DeleteProfile": 0xBF33, "SetNickname": 0xBF29,
    "GetProfilesInfo": 0xBF2D, "ListNotification": 0xBF28, "RetrieveNotificationsList": 0xBF2B,
    "RemoveNotificationFromList": 0xBF30, "eUICCMemoryReset": 0xBF34, "EuiccMemoryReset": 0xBF64,
    "AddInitialEim": 0xBF57, "GetConnectivityParameters": 0xBF5F, "GetCerts": 0xBF56,
    "ConfigureImmediateProfileEnabling": 0xBF59, "ProfileRollback": 0xBF58, "ImmediateEnable": 0xBF5A,
    "EnableEmergencyProfile": 0xBF5B, "DisableEmergencyProfile": 0xBF5C, "ExecuteFallbackMechanism": 0xBF5D,
    "ReturnFromFallback": 0xBF5E, "IpaeActivation": 0xBF42, "LoadCRL": 0xBF35,
}


def result_name(function: str, result: int) -> str:
    """The name of an ES10 result code of ``function`` ("EnableProfile", 2 -> "profileNotInDisabledState");
    "unknown" when the library has none."""
    name = _lib.lib().sgp32_es10_result_name(_REQUEST_TAGS.get(function, 0), int(result))
    return name.decode() if name else "unknown"


class ResetOption:
    """Bits of eUICCMemoryReset / EuiccMemoryReset resetOptions (enum sgp32_es10_reset_option)."""

    OPERATIONAL_PROFILES = 1 << 0
    FIELD_LOADED_TEST_PROFILES = 1 << 1
    DEFAULT_SMDP_ADDRESS = 1 << 2
    PRELOADED_TEST_PROFILES = 1 << 3
    PROVISIONING_PROFILES = 1 << 4
    EIM_CONFIG_DATA = 1 << 5
    IMMEDIATE_ENABLE_CONFIG = 1 << 6


class NotificationSearch:
    """Search criteria of RetrieveNotificationsList (enum sgp32_es10_notification_search)."""

    ALL = 0
    BY_SEQ_NUMBER = 1
    BY_OPERATION = 2  # value: NotificationEvent bit (0 install, 1 enable, 2 disable, 3 delete)
    EUICC_PACKAGE_RESULTS = 3


def answer_error_code(answer: bytes) -> int:
    """The error code of a signed answer of AuthenticateServer, PrepareDownload or CancelSession:
    0 for the ok alternative. DecodeError when the answer has neither form."""
    code = ctypes.c_long()
    status = _lib.lib().sgp32_es10_answer_error_code(bytes(answer), len(answer), ctypes.byref(code))
    if status != Status.OK:
        raise error_from_status(status, "reading the answer's error code")
    return int(code.value)


class Es10Session(_lib.Closable):
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
        return self._decoded(self.transceive(request), False, response_types)

    # -- plumbing of the typed functions
    def _check(self, status: int, function: str, answer: bytes = b"") -> None:
        if status == Status.OK:
            return
        error = self._fail(status, function)
        error.detail["function"] = function
        if status == Status.EUICC_RESULT:
            result = int(error.detail.get("es10_result", 0))
            name = result_name(function, result)
            error.detail["result"] = result
            error.detail["result_name"] = name
            error.message = f"{function}: the eUICC answered {name} ({result})"
            error.args = (error.code, error.name, error.message, error.detail)
        if answer:
            error.detail["answer"] = answer
        raise error

    def _answer(self, function: str, call: Callable[..., int], *args: Any) -> bytes:
        """Runs a typed function whose last two parameters receive a new buffer; returns its bytes."""
        buffer = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = call(self._session(), *args, ctypes.byref(buffer), ctypes.byref(length))
        answer = _lib.take_buffer(buffer, length.value)
        self._check(status, function, answer)
        return answer

    def _simple(self, function: str, call: Callable[..., int], *args: Any) -> None:
        self._check(call(self._session(), *args), function)

    @staticmethod
    def _decoded(answer: bytes, raw: bool, types: Sequence[str]) -> Any:
        if raw:
            return answer
        error: Optional[DecodeError] = None
        for type_name in types:
            try:
                return codec.decode(type_name, answer)
            except DecodeError as failure:
                error = error or failure
        assert error is not None
        raise error

    # -- ES10a
    def get_configured_addresses(self) -> Dict[str, Any]:
        """GetEuiccConfiguredAddresses (BF3C): {"defaultDpAddress": ..., "rootDsAddress": ...} (absent
        keys when the card has none)."""
        dp = ctypes.create_string_buffer(256)
        ds = ctypes.create_string_buffer(256)
        self._simple("GetEuiccConfiguredAddresses", self._dll.sgp32_es10_get_euicc_configured_addresses, dp,
                     len(dp), ds, len(ds))
        result = {}
        if dp.value:
            result["defaultDpAddress"] = dp.value.decode()
        if ds.value:
            result["rootDsAddress"] = ds.value.decode()
        return result

    def set_default_dp_address(self, address: str, *, iot: bool = True) -> None:
        """SetDefaultDpAddress: SGP.32's BF65 (``iot=True``) or SGP.22's BF3F; "" removes it."""
        if iot:
            self._simple("SetDefaultDpAddress", self._dll.sgp32_es10_set_default_dp_address_iot, address.encode())
        else:
            self._simple("SetDefaultDpAddress", self._dll.sgp32_es10_set_default_dp_address, address.encode())

    # -- ES10b
    def get_eid(self) -> str:
        """The EID as 32 upper-case hex digits (GetEuiccData, tag list 5A)."""
        eid = (ctypes.c_uint8 * 16)()
        self._simple("GetEID", self._dll.sgp32_es10_get_eid, eid)
        return bytes(eid).hex().upper()

    def get_euicc_challenge(self) -> bytes:
        """GetEUICCChallenge (BF2E): 16 random bytes of the eUICC."""
        challenge = (ctypes.c_uint8 * 16)()
        self._simple("GetEUICCChallenge", self._dll.sgp32_es10_get_euicc_challenge, challenge)
        return bytes(challenge)

    def get_euicc_info1(self, *, raw: bool = False) -> Any:
        """GetEUICCInfo1 (BF20) as a dict (``raw=True``: the DER as received, for a server)."""
        return self._decoded(self._answer("GetEUICCInfo1", self._dll.sgp32_es10_get_euicc_info1), raw, ["EUICCInfo1"])

    def get_euicc_info2(self, *, raw: bool = False) -> Any:
        """GetEUICCInfo2 (BF22): SGP32-EUICCInfo2 of an IoT eUICC, else SGP.22 EUICCInfo2."""
        answer = self._answer("GetEUICCInfo2", self._dll.sgp32_es10_get_euicc_info2)
        return self._decoded(answer, raw, ["SGP32-EUICCInfo2", "EUICCInfo2"])

    def list_notifications(self, operation: Optional[int] = None, *, raw: bool = False) -> Any:
        """ListNotification (BF28): every pending notification's metadata, or only those of one
        NotificationEvent bit (0 install, 1 enable, 2 disable, 3 delete)."""
        answer = self._answer("ListNotification", self._dll.sgp32_es10_list_notification,
                              -1 if operation is None else int(operation))
        return self._decoded(answer, raw, ["ListNotificationResponse"])

    def retrieve_notifications(self, search: int = NotificationSearch.ALL, value: int = 0, *,
                               raw: bool = False) -> Any:
        """RetrieveNotificationsList (BF2B) with a :class:`NotificationSearch` criterion: the signed
        notifications (and, with EUICC_PACKAGE_RESULTS, the eUICC Package results) as a dict."""
        answer = self._answer("RetrieveNotificationsList", self._dll.sgp32_es10_retrieve_notifications_list,
                              int(search), int(value))
        return self._decoded(answer, raw, ["SGP32-RetrieveNotificationsListResponse",
                                            "RetrieveNotificationsListResponse"])

    def remove_notification(self, seq_number: int) -> None:
        """RemoveNotificationFromList (BF30); EuiccResultError nothingToDelete (1) when unknown."""
        self._simple("RemoveNotificationFromList", self._dll.sgp32_es10_remove_notification_from_list,
                     int(seq_number))

    def load_crl(self, crl: bytes) -> bytes:
        """LoadCRL (BF35) of a DER CertificateList; returns the LoadCRLResponse."""
        return self._answer("LoadCRL", self._dll.sgp32_es10_load_crl, bytes(crl), len(crl))

    def authenticate_server(self, request: bytes) -> bytes:
        """AuthenticateServer (BF38): the complete request (as built from the server's answer),
        returns the eUICC's signed AuthenticateServerResponse (see :func:`answer_error_code`)."""
        return self._answer("AuthenticateServer", self._dll.sgp32_es10_authenticate_server, bytes(request),
                            len(request))

    def prepare_download(self, request: bytes) -> bytes:
        """PrepareDownload (BF21): complete request in, signed PrepareDownloadResponse out."""
        return self._answer("PrepareDownload", self._dll.sgp32_es10_prepare_download, bytes(request), len(request))

    def cancel_session(self, transaction_id: bytes, reason: int = 127) -> bytes:
        """CancelSession (BF41) with a CancelSessionReason (0 endUserRejection .. 127 undefinedReason);
        returns the eUICC's signed CancelSessionResponse."""
        return self._answer("CancelSession", self._dll.sgp32_es10_cancel_session, bytes(transaction_id),
                            len(transaction_id), int(reason))

    def get_rat(self, *, raw: bool = False) -> Any:
        """GetRAT (BF43): the Rules Authorisation Table."""
        return self._decoded(self._answer("GetRAT", self._dll.sgp32_es10_get_rat), raw, ["GetRatResponse"])

    def bpp_loader(self, max_segment: int = 0) -> "BppLoader":
        """A :class:`BppLoader` that streams a Bound Profile Package to the eUICC over this session."""
        return BppLoader(self, max_segment)

    # -- ES10c
    def get_profiles_info(self, request: Optional[bytes] = None, *, raw: bool = False) -> Any:
        """GetProfilesInfo (BF2D); ``request`` None asks for every profile with every tag:
        {"profileInfoListOk": [...]} or {"profileInfoListError": ...}."""
        answer = self._answer("GetProfilesInfo", self._dll.sgp32_es10_get_profiles_info,
                              None if request is None else bytes(request), 0 if request is None else len(request))
        return self._decoded(answer, raw, ["SGP32-ProfileInfoListResponse", "ProfileInfoListResponse"])

    def enable_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None,
                       refresh: bool = False) -> None:
        """EnableProfile (BF31). ``iccid`` as get_profiles_info() shows it (20 hex digits) or
        ``isdp_aid``. Raises EuiccResultError (detail result / result_name) when the card refuses."""
        self._simple("EnableProfile", self._dll.sgp32_es10_enable_profile, *_profile_args(iccid, isdp_aid),
                     int(refresh))

    def disable_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None,
                        refresh: bool = False) -> None:
        """DisableProfile (BF32); see enable_profile()."""
        self._simple("DisableProfile", self._dll.sgp32_es10_disable_profile, *_profile_args(iccid, isdp_aid),
                     int(refresh))

    def delete_profile(self, iccid: Optional[str] = None, *, isdp_aid: Optional[str] = None) -> None:
        """DeleteProfile (BF33); see enable_profile()."""
        self._simple("DeleteProfile", self._dll.sgp32_es10_delete_profile, *_profile_args(iccid, isdp_aid))

    def euicc_memory_reset(self, options: int) -> None:
        """eUICCMemoryReset of SGP.22 (BF34): :class:`ResetOption` bits 0..2."""
        self._simple("eUICCMemoryReset", self._dll.sgp32_es10_euicc_memory_reset, int(options))

    def get_euicc_data(self, tag_list: bytes) -> bytes:
        """GetEuiccData (BF3E) with a tag list (e.g. b"\x5A"): the answer as received."""
        return self._answer("GetEuiccData", self._dll.sgp32_es10_get_euicc_data, bytes(tag_list), len(tag_list))

    def set_nickname(self, iccid: str, nickname: str) -> None:
        """SetNickname (BF29): up to 64 bytes of UTF-8; "" removes the nickname."""
        iccid_bytes = bytes.fromhex(iccid)
        if len(iccid_bytes) != 10:
            raise ValueError("an ICCID is 10 bytes (20 hex digits as get_profiles_info() shows it)")
        self._simple("SetNickname", self._dll.sgp32_es10_set_nickname, iccid_bytes, nickname.encode("utf-8"))

    # -- SGP.32 additions
    def load_euicc_package(self, request: bytes) -> bytes:
        """LoadEuiccPackage (BF51): the eIM-signed EuiccPackageRequest as received; returns the
        eUICC-signed EuiccPackageResult."""
        return self._answer("LoadEuiccPackage", self._dll.sgp32_es10_load_euicc_package, bytes(request),
                            len(request))

    def get_eim_configuration(self, eim_id: Optional[str] = None, *, raw: bool = False) -> Any:
        """GetEimConfigurationData (BF55), of every eIM or of ``eim_id``."""
        answer = self._answer("GetEimConfigurationData", self._dll.sgp32_es10_get_eim_configuration_data,
                              None if eim_id is None else eim_id.encode())
        return self._decoded(answer, raw, ["GetEimConfigurationDataResponse"])

    def get_certs(self, ci_pkid: Optional[bytes] = None, *, raw: bool = False) -> Any:
        """GetCerts (BF56): the eUICC's and EUM's certificates (for ``ci_pkid``, 20 bytes, or the
        default CI). EuiccResultError invalidCiPKId (1) otherwise."""
        answer = self._answer("GetCerts", self._dll.sgp32_es10_get_certs, None if ci_pkid is None else bytes(ci_pkid),
                              0 if ci_pkid is None else len(ci_pkid))
        return self._decoded(answer, raw, ["GetCertsResponse"])

    def add_initial_eim(self, request: bytes) -> bytes:
        """AddInitialEim (BF57) of a complete AddInitialEimRequest; returns the answer (decode it as
        "AddInitialEimResponse" for the associationToken). A refusal raises EuiccResultError with
        ``detail["answer"]``."""
        return self._answer("AddInitialEim", self._dll.sgp32_es10_add_initial_eim, bytes(request), len(request))

    def profile_rollback(self, refresh: bool = False) -> bytes:
        """ProfileRollback (BF58): returns the answer with its eUICC-signed EuiccPackageResult."""
        return self._answer("ProfileRollback", self._dll.sgp32_es10_profile_rollback, int(refresh))

    def configure_immediate_profile_enabling(self, immediate_enable: bool, smdp_oid: Optional[str] = None,
                                             smdp_address: Optional[str] = None) -> None:
        """ConfigureImmediateProfileEnabling (BF59); ``smdp_oid`` dotted ("2.999.10")."""
        oid = None if smdp_oid is None else _oid_content(smdp_oid)
        self._simple("ConfigureImmediateProfileEnabling", self._dll.sgp32_es10_configure_immediate_profile_enabling,
                     int(immediate_enable), oid, 0 if oid is None else len(oid),
                     None if smdp_address is None else smdp_address.encode())

    def immediate_enable(self, refresh: bool = False) -> None:
        """ImmediateEnable (BF5A) of the profile just downloaded."""
        self._simple("ImmediateEnable", self._dll.sgp32_es10_immediate_enable, int(refresh))

    def enable_emergency_profile(self, refresh: bool = False) -> None:
        """EnableEmergencyProfile (BF5B)."""
        self._simple("EnableEmergencyProfile", self._dll.sgp32_es10_enable_emergency_profile, int(refresh))

    def disable_emergency_profile(self, refresh: bool = False) -> None:
        """DisableEmergencyProfile (BF5C)."""
        self._simple("DisableEmergencyProfile", self._dll.sgp32_es10_disable_emergency_profile, int(refresh))

    def execute_fallback_mechanism(self, refresh: bool = False) -> None:
        """ExecuteFallbackMechanism (BF5D): enables the profile with the fallback attribute."""
        self._simple("ExecuteFallbackMechanism", self._dll.sgp32_es10_execute_fallback_mechanism, int(refresh))

    def return_from_fallback(self, refresh: bool = False) -> None:
        """ReturnFromFallback (BF5E)."""
        self._simple("ReturnFromFallback", self._dll.sgp32_es10_return_from_fallback, int(refresh))

    def get_connectivity_parameters(self) -> bytes:
        """GetConnectivityParameters (BF5F): the answer as received; EuiccResultError
        parametersNotAvailable (1) when the enabled profile has none."""
        return self._answer("GetConnectivityParameters", self._dll.sgp32_es10_get_connectivity_parameters)

    def ipae_activation(self, activate: bool = True) -> None:
        """IpaeActivation (BF42); EuiccResultError notSupported (1) on an eUICC without IPAe."""
        self._simple("IpaeActivation", self._dll.sgp32_es10_ipae_activation, int(activate))

    def euicc_memory_reset_iot(self, options: int) -> Tuple[Optional[int], Optional[int]]:
        """EuiccMemoryReset of SGP.32 (BF64) with :class:`ResetOption` bits; returns the optional
        (eimResetResult, resetImmediateEnableConfigResult), None when absent."""
        eim = ctypes.c_long()
        immediate = ctypes.c_long()
        self._simple("EuiccMemoryReset", self._dll.sgp32_es10_euicc_memory_reset_iot, int(options),
                     ctypes.byref(eim), ctypes.byref(immediate))
        return (None if eim.value < 0 else int(eim.value), None if immediate.value < 0 else int(immediate.value))


def _profile_args(iccid: Optional[str], isdp_aid: Optional[str]) -> Tuple[int, bytes, int]:
    """(id_type, id, id_len) of Enable/Disable/DeleteProfile."""
    if (iccid is None) == (isdp_aid is None):
        raise ValueError("give exactly one of iccid and isdp_aid")
    if iccid is not None:
        value = bytes.fromhex(iccid)
        return 0x5A, value, len(value)
    assert isdp_aid is not None
    value = bytes.fromhex(isdp_aid)
    return 0x4F, value, len(value)


def _oid_content(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (X.690 8.19)."""
    arcs = [int(part) for part in dotted.split(".")]
    if len(arcs) < 2:
        raise ValueError(f"not an OBJECT IDENTIFIER: {dotted!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1]] + arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


class BppLoader(_lib.Closable):
    """Streams a Bound Profile Package to the eUICC (sgp32_es10_bpp_loader_*): :meth:`feed` it in
    pieces of any size (an HTTP body as it arrives), then :meth:`finish` returns the
    ProfileInstallationResult. A context manager; the session must stay open meanwhile."""

    def __init__(self, session: Es10Session, max_segment: int = 0) -> None:
        self._dll = _lib.lib()
        self.session = session
        handle = ctypes.c_void_p()
        status = self._dll.sgp32_es10_bpp_loader_new(session._session(), max_segment, ctypes.byref(handle))
        if status != Status.OK:
            raise error_from_status(status, "creating the BPP loader")
        self._handle: Optional[ctypes.c_void_p] = handle

    def _loader(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the BPP loader was closed")
        self.session._session()
        return self._handle

    def feed(self, data: bytes) -> None:
        """Sends every segment ``data`` completes (errors are sticky)."""
        status = self._dll.sgp32_es10_bpp_loader_feed(self._loader(), bytes(data), len(data))
        if status != Status.OK:
            raise self.session._fail(status, "loading the Bound Profile Package")

    @property
    def done(self) -> bool:
        """True once the eUICC answered its ProfileInstallationResult."""
        return bool(self._dll.sgp32_es10_bpp_loader_done(self._loader()))

    def finish(self) -> bytes:
        """The ProfileInstallationResult (BF37). DecodeError SGP32_ERR_TRUNCATED if the package is
        incomplete and no result came, ProtocolError if it was sent whole without a result."""
        buffer = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = self._dll.sgp32_es10_bpp_loader_finish(self._loader(), ctypes.byref(buffer), ctypes.byref(length))
        result = _lib.take_buffer(buffer, length.value)
        if status != Status.OK:
            raise error_from_status(status, "finishing the Bound Profile Package")
        return result

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._dll.sgp32_es10_bpp_loader_free(handle)
