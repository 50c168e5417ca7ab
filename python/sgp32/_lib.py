# SPDX-License-Identifier: MIT
"""Locating and loading the shared libraries (libsgp32.so and the software eUICC's
libsgp32-softeuicc.so) and declaring the C prototypes the package uses.

Search order for libsgp32: ``$SGP32_LIBRARY`` (a file path), the build tree ``<repo>/build/lib``
next to this source checkout, then ``ctypes.util.find_library("sgp32")`` (the installed prefix).
libsgp32-softeuicc is found the same way through ``$SGP32_SOFTEUICC_LIBRARY``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Optional, TypeVar

__all__ = ["lib", "softeuicc_lib", "find_library_path", "Closable"]

_REPO = Path(__file__).resolve().parent.parent.parent
_SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"

c_status = ctypes.c_int  # enum sgp32_status
c_u8_p = ctypes.POINTER(ctypes.c_uint8)
c_size_p = ctypes.POINTER(ctypes.c_size_t)
TEXT_SINK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)

_C = TypeVar("_C", bound="Closable")


class Closable:
    """A wrapper of a C object that :meth:`close` frees: closed on leaving a ``with`` block and when
    garbage collected (a failure then is dropped: the interpreter may be shutting down)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except BaseException:
            pass


def find_library_path(stem: str, env: str) -> Optional[str]:
    """Where lib<stem> would be loaded from (None when nowhere)."""
    path = os.environ.get(env)
    if path:
        return path
    candidate = _REPO / "build" / "lib" / ("lib" + stem + _SUFFIX)
    if candidate.exists():
        return str(candidate)
    return ctypes.util.find_library(stem)


def _load(stem: str, env: str) -> ctypes.CDLL:
    path = find_library_path(stem, env)
    if path is None:
        raise OSError(f"lib{stem} not found: set ${env}, build the repository (build/lib) or install it")
    return ctypes.CDLL(path)


def _declare(dll: ctypes.CDLL, name: str, restype, *argtypes) -> None:
    """Declares a prototype when the symbol exists (optional transports may be left out of a build)."""
    try:
        function = getattr(dll, name)
    except AttributeError:
        return
    function.restype = restype
    function.argtypes = list(argtypes)


_lib: Optional[ctypes.CDLL] = None
_softeuicc: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """libsgp32 with its prototypes declared (loaded once)."""
    global _lib
    if _lib is None:
        dll = _load("sgp32", "SGP32_LIBRARY")
        P = ctypes.c_void_p
        cp = ctypes.c_char_p
        sz = ctypes.c_size_t
        u32 = ctypes.c_uint32
        _declare(dll, "sgp32_strerror", cp, c_status)
        _declare(dll, "sgp32_status_name", cp, c_status)
        _declare(dll, "sgp32_version", cp)
        _declare(dll, "sgp32_version_number", ctypes.c_uint)
        _declare(dll, "sgp32_codec_type_find", P, cp)
        _declare(dll, "sgp32_codec_type_count", sz)
        _declare(dll, "sgp32_codec_type_at", P, sz)
        _declare(dll, "sgp32_codec_type_name", cp, P)
        _declare(dll, "sgp32_codec_type_module", cp, P)
        _declare(dll, "sgp32_decode", c_status, P, ctypes.c_char_p, sz, P, ctypes.POINTER(P), c_size_p)
        _declare(dll, "sgp32_codec_free", None, P, P)
        _declare(dll, "sgp32_encode_der_alloc", c_status, P, P, ctypes.POINTER(c_u8_p), c_size_p)
        _declare(dll, "sgp32_buffer_free", None, P)
        _declare(dll, "sgp32_check_constraints", c_status, P, P, ctypes.c_char_p, sz)
        _declare(dll, "sgp32_print", c_status, P, P, TEXT_SINK, P)
        _declare(dll, "sgp32_print_json", c_status, P, P, TEXT_SINK, P)
        _declare(dll, "sgp32_der_validate", c_status, P, ctypes.c_char_p, sz)
        _declare(dll, "sgp32_es10_new", c_status, P, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_es10_connect", c_status, P)
        _declare(dll, "sgp32_es10_disconnect", None, P)
        _declare(dll, "sgp32_es10_free", None, P)
        _declare(dll, "sgp32_es10_transceive", c_status, P, ctypes.c_char_p, sz, ctypes.POINTER(c_u8_p), c_size_p)
        _declare(dll, "sgp32_es10_last_error", P, P)
        _declare(dll, "sgp32_es10_channel", u32, P)
        _declare(dll, "sgp32_es10_proactive_pending", ctypes.c_int, P)
        _declare_es10(dll)
        _declare_http_ipa(dll)
        _declare(dll, "sgp32_pcsc_new", c_status, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_pcsc_free", None, P)
        _declare(dll, "sgp32_pcsc_transport", None, P, P)
        _declare(dll, "sgp32_pcsc_last_error", u32, P)
        _declare(dll, "sgp32_pcsc_error_text", cp, u32)
        _declare(dll, "sgp32_pcsc_reader_name", cp, P)
        _declare(dll, "sgp32_at_open_path", c_status, cp, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_at_open_fd", c_status, ctypes.c_int, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_at_free", None, P)
        _declare(dll, "sgp32_at_transport", None, P, P)
        _declare(dll, "sgp32_at_active_mode", ctypes.c_int, P)
        _declare(dll, "sgp32_qmi_new_device", c_status, cp, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_qmi_new_fd", c_status, ctypes.c_int, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_qmi_free", None, P)
        _declare(dll, "sgp32_qmi_transport", None, P, P)
        _lib = dll
    return _lib


def _declare_es10(dll: ctypes.CDLL) -> None:
    """The typed ES10 functions (include/sgp32/es10.h)."""
    P = ctypes.c_void_p
    cp = ctypes.c_char_p
    sz = ctypes.c_size_t
    i = ctypes.c_int
    lg = ctypes.c_long
    out = (ctypes.POINTER(c_u8_p), c_size_p)  # uint8_t **answer, size_t *answer_len
    _declare(dll, "sgp32_es10_get_euicc_configured_addresses", c_status, P, P, sz, P, sz)
    _declare(dll, "sgp32_es10_set_default_dp_address", c_status, P, cp)
    _declare(dll, "sgp32_es10_set_default_dp_address_iot", c_status, P, cp)
    _declare(dll, "sgp32_es10_get_euicc_challenge", c_status, P, P)
    _declare(dll, "sgp32_es10_get_euicc_info1", c_status, P, *out)
    _declare(dll, "sgp32_es10_get_euicc_info2", c_status, P, *out)
    _declare(dll, "sgp32_es10_list_notification", c_status, P, i, *out)
    _declare(dll, "sgp32_es10_retrieve_notifications_list", c_status, P, i, lg, *out)
    _declare(dll, "sgp32_es10_remove_notification_from_list", c_status, P, lg)
    _declare(dll, "sgp32_es10_load_crl", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_authenticate_server", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_prepare_download", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_cancel_session", c_status, P, cp, sz, lg, *out)
    _declare(dll, "sgp32_es10_get_rat", c_status, P, *out)
    _declare(dll, "sgp32_es10_answer_error_code", c_status, cp, sz, ctypes.POINTER(lg))
    _declare(dll, "sgp32_es10_result_name", cp, ctypes.c_uint32, lg)
    _declare(dll, "sgp32_es10_get_profiles_info", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_enable_profile", c_status, P, i, cp, sz, i)
    _declare(dll, "sgp32_es10_disable_profile", c_status, P, i, cp, sz, i)
    _declare(dll, "sgp32_es10_delete_profile", c_status, P, i, cp, sz)
    _declare(dll, "sgp32_es10_euicc_memory_reset", c_status, P, ctypes.c_uint32)
    _declare(dll, "sgp32_es10_get_eid", c_status, P, P)
    _declare(dll, "sgp32_es10_get_euicc_data", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_set_nickname", c_status, P, cp, cp)
    _declare(dll, "sgp32_es10_load_euicc_package", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_get_eim_configuration_data", c_status, P, cp, *out)
    _declare(dll, "sgp32_es10_get_certs", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_add_initial_eim", c_status, P, cp, sz, *out)
    _declare(dll, "sgp32_es10_profile_rollback", c_status, P, i, *out)
    _declare(dll, "sgp32_es10_configure_immediate_profile_enabling", c_status, P, i, cp, sz, cp)
    for name in ("immediate_enable", "enable_emergency_profile", "disable_emergency_profile",
                 "execute_fallback_mechanism", "return_from_fallback", "ipae_activation"):
        _declare(dll, "sgp32_es10_" + name, c_status, P, i)
    _declare(dll, "sgp32_es10_get_connectivity_parameters", c_status, P, *out)
    _declare(dll, "sgp32_es10_euicc_memory_reset_iot", c_status, P, ctypes.c_uint32, ctypes.POINTER(lg),
             ctypes.POINTER(lg))
    _declare(dll, "sgp32_es10_bpp_loader_new", c_status, P, sz, ctypes.POINTER(P))
    _declare(dll, "sgp32_es10_bpp_loader_feed", c_status, P, cp, sz)
    _declare(dll, "sgp32_es10_bpp_loader_done", i, P)
    _declare(dll, "sgp32_es10_bpp_loader_finish", c_status, P, *out)
    _declare(dll, "sgp32_es10_bpp_loader_free", None, P)


def _declare_http_ipa(dll: ctypes.CDLL) -> None:
    """The libcurl backend (include/sgp32/http_curl.h) and the IPA core (include/sgp32/ipa.h)."""
    P = ctypes.c_void_p
    cp = ctypes.c_char_p
    sz = ctypes.c_size_t
    out = (ctypes.POINTER(c_u8_p), c_size_p)
    _declare(dll, "sgp32_http_curl_new", c_status, P, ctypes.POINTER(P))
    _declare(dll, "sgp32_http_curl_free", None, P)
    _declare(dll, "sgp32_http_curl_client", None, P, P)
    _declare(dll, "sgp32_http_curl_pending", sz, P)
    _declare(dll, "sgp32_ipa_new", c_status, P, P, ctypes.POINTER(P))
    _declare(dll, "sgp32_ipa_free", None, P)
    _declare(dll, "sgp32_ipa_poll", c_status, P, P)
    _declare(dll, "sgp32_ipa_is_idle", ctypes.c_int, P)
    _declare(dll, "sgp32_ipa_poll_eim_now", c_status, P)
    _declare(dll, "sgp32_ipa_network_changed", c_status, P, ctypes.c_int, cp)
    _declare(dll, "sgp32_ipa_download", c_status, P, cp, cp)
    _declare(dll, "sgp32_ipa_inject_eim_package", c_status, P, cp, sz)
    _declare(dll, "sgp32_ipa_add_initial_eim", c_status, P, cp, sz, *out)
    for name in ("execute_fallback", "return_from_fallback", "enable_emergency_profile",
                 "disable_emergency_profile", "immediate_enable"):
        _declare(dll, "sgp32_ipa_" + name, c_status, P)
    _declare(dll, "sgp32_ipa_memory_reset", c_status, P, ctypes.c_uint32)
    _declare(dll, "sgp32_ipa_last_error", cp, P)
    _declare(dll, "sgp32_ipa_eid", c_status, P, P)


def take_buffer(buffer: "ctypes._Pointer", length: int) -> bytes:  # type: ignore[type-arg]
    """Copies a library-allocated buffer and frees it (NULL gives b"")."""
    if not buffer:
        return b""
    try:
        return ctypes.string_at(buffer, length)
    finally:
        lib().sgp32_buffer_free(buffer)


def softeuicc_lib() -> ctypes.CDLL:
    """libsgp32-softeuicc (the software eUICC) with its prototypes declared (loaded once)."""
    global _softeuicc
    if _softeuicc is None:
        dll = _load("sgp32-softeuicc", "SGP32_SOFTEUICC_LIBRARY")
        P = ctypes.c_void_p
        cp = ctypes.c_char_p
        sz = ctypes.c_size_t
        _declare(dll, "sgp32_softeuicc_create", c_status, cp, P, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_softeuicc_open", c_status, cp, P, ctypes.POINTER(P))
        _declare(dll, "sgp32_softeuicc_free", None, P)
        _declare(dll, "sgp32_softeuicc_reset", c_status, P, c_u8_p, sz, c_size_p)
        _declare(dll, "sgp32_softeuicc_process_apdu", c_status, P, ctypes.c_char_p, sz, c_u8_p, sz, c_size_p)
        _declare(dll, "sgp32_softeuicc_transport", None, P, P)
        _declare(dll, "sgp32_softeuicc_proactive_pending", ctypes.c_int, P)
        _declare(dll, "sgp32_softeuicc_preload_profile", c_status, P, ctypes.c_char_p, sz)
        _declare(dll, "sgp32_softeuicc_powered", ctypes.c_int, P)
        _declare(dll, "sgp32_softeuicc_power_loss_after", None, P, ctypes.c_uint32)
        _softeuicc = dll
    return _softeuicc
