# SPDX-License-Identifier: MIT
"""ASN.1 codecs of libsgp32 (include/sgp32/codec.h): every type of the GSMA modules compiled into
the library (SGP32Definitions, RSPDefinitions, PEDefinitions, PKIX) by its ASN.1 name.

Decoded values are returned as plain Python data through the library's JSON mapping
(sgp32_print_json): SEQUENCE -> dict, CHOICE -> {"alternative": value}, SEQUENCE OF -> list,
OCTET STRING -> upper-case hex string, BIT STRING -> {"hex", "bits"}, ENUMERATED -> its name.
:func:`encode` takes the same form back (sgp32_parse_json) and returns DER.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, List, Optional, Tuple, Union

from . import _lib
from .errors import NotFoundError, Status, check, error_from_status

__all__ = ["types", "decode", "decode_text", "validate_der", "to_der", "encode", "type_exists"]

_DECODE_DER = 1 << 0
_DECODE_CONSTRAINTS = 1 << 2


class _DecodeOptions(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint), ("max_input", ctypes.c_size_t), ("max_stack", ctypes.c_size_t)]


def _type(name: str) -> int:
    handle = _lib.lib().sgp32_codec_type_find(name.encode())
    if not handle:
        raise NotFoundError(Status.NOT_FOUND, "SGP32_ERR_NOT_FOUND", f"no ASN.1 type named {name!r}",
                            {"type": name})
    return handle


def type_exists(name: str) -> bool:
    """True when a module defines an ASN.1 type of that name."""
    return bool(_lib.lib().sgp32_codec_type_find(name.encode()))


def types() -> List[Tuple[str, str]]:
    """Every type the library knows, as (module, name) pairs in the library's order."""
    dll = _lib.lib()
    result = []
    for index in range(dll.sgp32_codec_type_count()):
        handle = dll.sgp32_codec_type_at(index)
        result.append((dll.sgp32_codec_type_module(handle).decode(), dll.sgp32_codec_type_name(handle).decode()))
    return result


class _Value:
    """A decoded asn1c value, freed when the block ends."""

    def __init__(self, type_name: str, data: bytes, der: bool, constraints: bool) -> None:
        self.type = _type(type_name)
        self.type_name = type_name
        options = _DecodeOptions((_DECODE_DER if der else 0) | (_DECODE_CONSTRAINTS if constraints else 0), 0, 0)
        value = ctypes.c_void_p()
        status = _lib.lib().sgp32_decode(self.type, bytes(data), len(data), ctypes.byref(options),
                                         ctypes.byref(value), None)
        check(status, f"decoding {type_name}", {"type": type_name, "length": len(data)})
        self.value = value

    def __enter__(self) -> "_Value":
        return self

    def __exit__(self, *exc: object) -> None:
        _lib.lib().sgp32_codec_free(self.type, self.value)
        self.value = ctypes.c_void_p()

    def print(self, printer: Callable[..., int]) -> str:
        pieces: List[bytes] = []

        def sink(text: Optional[int], length: int, _user: Optional[int]) -> int:
            pieces.append(ctypes.string_at(text, length))
            return 0

        callback = _lib.TEXT_SINK(sink)
        check(printer(self.type, self.value, callback, None), f"printing {self.type_name}")
        return b"".join(pieces).decode("utf-8", errors="replace")


def decode(type_name: str, data: bytes, der: bool = False, constraints: bool = False) -> Any:
    """Decodes ``data`` (BER, or strict DER with ``der=True``) as the ASN.1 type ``type_name`` and
    returns it as Python data (usually a dict). ``constraints=True`` also checks SIZE and range
    constraints. Raises :class:`~sgp32.errors.DecodeError` (code TRUNCATED, DECODE, TRAILING,
    NOT_DER, TOO_LARGE, TOO_DEEP or CONSTRAINT) for bad input, NotFoundError for an unknown type."""
    with _Value(type_name, data, der, constraints) as value:
        return json.loads(value.print(_lib.lib().sgp32_print_json))


def decode_text(type_name: str, data: bytes, der: bool = False) -> str:
    """Decodes ``data`` and returns asn1c's human-readable text form (sgp32_print)."""
    with _Value(type_name, data, der, False) as value:
        return value.print(_lib.lib().sgp32_print)


def validate_der(type_name: str, data: bytes) -> None:
    """Raises DecodeError (NOT_DER, DECODE ...) unless ``data`` is the DER encoding of one value."""
    check(_lib.lib().sgp32_der_validate(_type(type_name), bytes(data), len(data)),
          f"validating {type_name}", {"type": type_name})


def to_der(type_name: str, data: bytes) -> bytes:
    """Decodes BER ``data`` and re-encodes it as DER (the canonical form a signature covers)."""
    dll = _lib.lib()
    with _Value(type_name, data, False, False) as value:
        out = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = dll.sgp32_encode_der_alloc(value.type, value.value, ctypes.byref(out), ctypes.byref(length))
        if status != Status.OK:
            raise error_from_status(status, f"encoding {type_name}")
        try:
            return ctypes.string_at(out, length.value)
        finally:
            dll.sgp32_buffer_free(out)


def _parse_json_function() -> Any:
    """sgp32_parse_json with its prototype (declared here: it is only used by encode())."""
    function = _lib.lib().sgp32_parse_json
    if not function.argtypes:
        function.restype = _lib.c_status
        function.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
    return function


def encode(type_name: str, value: Union[dict, list, str, int, bool, None]) -> bytes:
    """DER of a value of the ASN.1 type ``type_name`` given in the form :func:`decode` returns
    (a dict, a list, a number ...), or as JSON text: a ``str`` is always JSON text, so a string value
    of a top-level string type is passed quoted (``encode("Iccid", '"89..."')``).
    ``encode(t, decode(t, der)) == der`` for DER input. Members may come in any order; OPTIONAL
    members may be left out; hex in either case; ENUMERATED values by name or number. The value's
    constraints are checked.

    Raises :class:`~sgp32.errors.DecodeError` (code DECODE: an unknown, repeated or missing member,
    a wrong JSON type, bad hex; CONSTRAINT: a value outside its type's SIZE or range;
    TRUNCATED, TRAILING, TOO_DEEP, TOO_LARGE) and NotFoundError for an unknown type."""
    handle = _type(type_name)
    if isinstance(value, str):
        text = value.encode("utf-8")
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    dll = _lib.lib()
    parsed = ctypes.c_void_p()
    status = _parse_json_function()(handle, text, len(text), ctypes.byref(parsed))
    check(status, f"parsing {type_name} from JSON", {"type": type_name})
    try:
        out = _lib.c_u8_p()
        length = ctypes.c_size_t()
        status = dll.sgp32_encode_der_alloc(handle, parsed, ctypes.byref(out), ctypes.byref(length))
        if status != Status.OK:
            raise error_from_status(status, f"encoding {type_name}")
        try:
            return ctypes.string_at(out, length.value)
        finally:
            dll.sgp32_buffer_free(out)
    finally:
        dll.sgp32_codec_free(handle, parsed)
