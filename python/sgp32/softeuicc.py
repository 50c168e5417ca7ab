# SPDX-License-Identifier: MIT
"""The software eUICC (include/sgp32/softeuicc.h, libsgp32-softeuicc.so): a strict SGP.32 IoT (or
SGP.22 consumer) eUICC in software that keeps its state in a directory. For tests, demos and CI.

    with SoftEuicc.create("/tmp/card", eid="89049032123451234512345678901235") as card:
        with Es10Session(card.transport()) as es10:
            print(es10.get_eid())
"""

from __future__ import annotations

import ctypes
import os
from typing import Any, Iterable, Optional, Union

from . import _lib
from .errors import Status, StateError, check
from .transport import APDU_MAX_RESPONSE, CTransport, NativeTransport

__all__ = ["SoftEuicc"]

_MODES = {"iot": 0, "consumer": 1}
_PROTOCOLS = {"t1": 0, "t0": 1}


class _Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("mode", ctypes.c_int),
        ("protocol", ctypes.c_int),
        ("get_response_chunk", ctypes.c_uint32),
        ("quirk_6985_after_switch", ctypes.c_int),
        ("quirk_refresh_91xx", ctypes.c_int),
        ("quirk_require_terminal_capability", ctypes.c_int),
        ("max_store_data", ctypes.c_uint32),
        ("random", ctypes.c_void_p),
        ("random_user", ctypes.c_void_p),
    ]


class _Identity(ctypes.Structure):
    _fields_ = [
        ("eid", ctypes.c_uint8 * 16),
        ("ci_pkids", ctypes.c_void_p),
        ("ci_pkid_count", ctypes.c_size_t),
        ("eum_certificate_file", ctypes.c_char_p),
        ("euicc_certificate_file", ctypes.c_char_p),
        ("euicc_private_key_file", ctypes.c_char_p),
        ("default_dp_address", ctypes.c_char_p),
        ("root_ds_address", ctypes.c_char_p),
        ("ci_certificate_files", ctypes.c_void_p),
        ("ci_certificate_count", ctypes.c_size_t),
        ("rat", ctypes.c_void_p),
        ("rat_len", ctypes.c_size_t),
    ]


def _options(mode: str, protocol: str, get_response_chunk: int, max_store_data: int, quirk_6985_after_switch: bool,
             quirk_refresh_91xx: bool, quirk_require_terminal_capability: bool) -> _Options:
    options = _Options()
    options.size = ctypes.sizeof(_Options)
    options.mode = _MODES[mode.lower()]
    options.protocol = _PROTOCOLS[protocol.lower()]
    options.get_response_chunk = get_response_chunk
    options.max_store_data = max_store_data
    options.quirk_6985_after_switch = int(quirk_6985_after_switch)
    options.quirk_refresh_91xx = int(quirk_refresh_91xx)
    options.quirk_require_terminal_capability = int(quirk_require_terminal_capability)
    return options


def _bytes(value: Union[str, bytes], size: Optional[int], what: str) -> bytes:
    data = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if size is not None and len(data) != size:
        raise ValueError(f"{what} must be {size} bytes, got {len(data)}")
    return data


def _path(value: Optional[Union[str, os.PathLike]]) -> Optional[bytes]:
    return None if value is None else os.fsencode(value)


class SoftEuicc(_lib.Closable):
    """One software eUICC. Create with :meth:`create` (a new card) or :meth:`open` (an existing
    state directory); free with :meth:`close` or a ``with`` block. Not thread-safe."""

    def __init__(self, handle: ctypes.c_void_p, state_dir: str) -> None:
        self._dll = _lib.softeuicc_lib()
        self._handle: Optional[ctypes.c_void_p] = handle
        self.state_dir = state_dir
        self._transports: list = []

    @classmethod
    def create(cls, state_dir: Union[str, os.PathLike], eid: Union[str, bytes], *, mode: str = "iot",
               protocol: str = "t1", ci_pkids: Iterable[Union[str, bytes]] = (),
               eum_certificate_file: Optional[Union[str, os.PathLike]] = None,
               euicc_certificate_file: Optional[Union[str, os.PathLike]] = None,
               euicc_private_key_file: Optional[Union[str, os.PathLike]] = None,
               default_dp_address: Optional[str] = None, root_ds_address: Optional[str] = None,
               get_response_chunk: int = 0, max_store_data: int = 0, quirk_6985_after_switch: bool = False,
               quirk_refresh_91xx: bool = False, quirk_require_terminal_capability: bool = False,
               rat: Optional[bytes] = None,
               ci_certificate_files: Iterable[Union[str, os.PathLike]] = ()) -> "SoftEuicc":
        """Creates a new card in ``state_dir`` (StateError if it already holds one) and opens it,
        powered on. ``eid``: 16 bytes or 32 hex digits; ``ci_pkids``: 20-byte CI key identifiers;
        ``mode``: "iot" or "consumer"; ``protocol``: "t1" or "t0"; ``rat``: DER of a
        RulesAuthorisationTable (None: the empty table); ``ci_certificate_files``: DER CI
        certificates the card keeps to verify SM-DP+ certificates in a download."""
        identity = _Identity()
        identity.eid[:] = list(_bytes(eid, 16, "eid"))
        pkids = [_bytes(p, 20, "CI PKID") for p in ci_pkids]
        pkid_array = (ctypes.c_uint8 * (20 * max(1, len(pkids))))()
        for index, pkid in enumerate(pkids):
            pkid_array[index * 20:(index + 1) * 20] = list(pkid)
        if pkids:
            identity.ci_pkids = ctypes.cast(pkid_array, ctypes.c_void_p)
            identity.ci_pkid_count = len(pkids)
        identity.eum_certificate_file = _path(eum_certificate_file)
        identity.euicc_certificate_file = _path(euicc_certificate_file)
        identity.euicc_private_key_file = _path(euicc_private_key_file)
        identity.default_dp_address = default_dp_address.encode() if default_dp_address else None
        identity.root_ds_address = root_ds_address.encode() if root_ds_address else None
        rat_buffer = ctypes.create_string_buffer(bytes(rat), len(rat)) if rat else None
        if rat_buffer is not None:
            identity.rat = ctypes.cast(rat_buffer, ctypes.c_void_p)
            identity.rat_len = len(rat)
        ci_files = [os.fsencode(path) for path in ci_certificate_files]
        ci_array = (ctypes.c_char_p * max(1, len(ci_files)))(*ci_files)
        if ci_files:
            identity.ci_certificate_files = ctypes.cast(ci_array, ctypes.c_void_p)
            identity.ci_certificate_count = len(ci_files)
        options = _options(mode, protocol, get_response_chunk, max_store_data, quirk_6985_after_switch,
                           quirk_refresh_91xx, quirk_require_terminal_capability)
        handle = ctypes.c_void_p()
        dll = _lib.softeuicc_lib()
        check(dll.sgp32_softeuicc_create(os.fsencode(state_dir), ctypes.byref(identity), ctypes.byref(options),
                                         ctypes.byref(handle)), f"creating a software eUICC in {state_dir}")
        return cls(handle, os.fspath(state_dir))

    @classmethod
    def create_from_pki(cls, state_dir: Union[str, os.PathLike], pki_curve_dir: Union[str, os.PathLike],
                        **options: Any) -> "SoftEuicc":
        """Creates a card with the identity of a test PKI curve directory (examples/pki/sgp32-test-pki,
        docs/test-pki.md, e.g. "/tmp/pki/nist"): its EID, eUICC and EUM certificates and key, CI
        PKID and CI certificate, as ``sgp32 euicc-sim create --pki`` does. ``options``: those of
        :meth:`create`."""
        directory = os.fspath(pki_curve_dir)
        manifest = {}
        with open(os.path.join(directory, "manifest.txt"), encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.strip().partition("=")
                manifest[key] = value

        def file(key: str) -> str:
            return os.path.join(directory, manifest[key])

        return cls.create(state_dir, eid=manifest["eid"], ci_pkids=[manifest["ci_pkid"]],
                          eum_certificate_file=file("eum_cert_der"), euicc_certificate_file=file("euicc_cert_der"),
                          euicc_private_key_file=file("euicc_key_der"), ci_certificate_files=[file("ci_cert_der")],
                          **options)

    @classmethod
    def open(cls, state_dir: Union[str, os.PathLike], *, mode: str = "iot", protocol: str = "t1",
             get_response_chunk: int = 0, max_store_data: int = 0, quirk_6985_after_switch: bool = False,
             quirk_refresh_91xx: bool = False, quirk_require_terminal_capability: bool = False) -> "SoftEuicc":
        """Opens the card kept in ``state_dir`` (StorageError for a corrupt state), powered on."""
        options = _options(mode, protocol, get_response_chunk, max_store_data, quirk_6985_after_switch,
                           quirk_refresh_91xx, quirk_require_terminal_capability)
        handle = ctypes.c_void_p()
        dll = _lib.softeuicc_lib()
        check(dll.sgp32_softeuicc_open(os.fsencode(state_dir), ctypes.byref(options), ctypes.byref(handle)),
              f"opening the software eUICC in {state_dir}")
        return cls(handle, os.fspath(state_dir))

    @property
    def closed(self) -> bool:
        return self._handle is None

    def _card(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise StateError(Status.STATE, "SGP32_ERR_STATE", "the software eUICC was closed")
        return self._handle

    def transport(self) -> NativeTransport:
        """An APDU transport over this card (valid while the card is open)."""
        c = CTransport()
        self._dll.sgp32_softeuicc_transport(self._card(), ctypes.byref(c))
        transport = NativeTransport(c, owner=self)
        self._transports.append(transport)
        return transport

    def process_apdu(self, apdu: bytes) -> bytes:
        """Processes one C-APDU and returns the R-APDU (data + SW1 SW2); NoCardError while unpowered."""
        response = (ctypes.c_uint8 * APDU_MAX_RESPONSE)()
        length = ctypes.c_size_t()
        check(self._dll.sgp32_softeuicc_process_apdu(self._card(), bytes(apdu), len(apdu), response, len(response),
                                                     ctypes.byref(length)), "processing an APDU")
        return bytes(response[: length.value])

    def reset(self) -> bytes:
        """Power cycle: volatile state is lost, the persistent state reloaded. Returns the ATR."""
        atr = (ctypes.c_uint8 * 64)()
        length = ctypes.c_size_t()
        check(self._dll.sgp32_softeuicc_reset(self._card(), atr, len(atr), ctypes.byref(length)), "reset")
        return bytes(atr[: length.value])

    def preload_profile(self, profile_info_der: bytes) -> None:
        """Installs a pre-loaded (disabled) profile from the DER of an SGP32-ProfileInfo."""
        check(self._dll.sgp32_softeuicc_preload_profile(self._card(), bytes(profile_info_der),
                                                        len(profile_info_der)), "preloading a profile")

    @property
    def powered(self) -> bool:
        return bool(self._dll.sgp32_softeuicc_powered(self._card()))

    def power_loss_after(self, apdus: int) -> None:
        """Test knob: the card loses power right after the n-th APDU from now (0 disables)."""
        self._dll.sgp32_softeuicc_power_loss_after(self._card(), apdus)

    def close(self) -> None:
        """Frees the card (its state stays in the directory); its transports become unusable."""
        if self._handle is not None:
            for transport in self._transports:
                transport.release()
            self._transports = []
            self._dll.sgp32_softeuicc_free(self._handle)
            self._handle = None
