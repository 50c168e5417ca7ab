# SPDX-License-Identifier: MIT
"""sgp32.AtTransport over a socket pair to a modem emulated in Python (AT+CSIM and
AT+CCHO/CGLA/CCHC in front of a software eUICC), and QmiTransport's error paths."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from conftest import EID
from sgp32 import AtTransport, CardStatusError, Es10Session, NotFoundError, QmiTransport, SoftEuicc, TransportError


class Modem(threading.Thread):
    """A modem's AT port: answers AT, the CCHO probe, CSIM, CCHO, CGLA and CCHC from a card."""

    def __init__(self, sock: socket.socket, card: SoftEuicc, ccho: bool) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        self.card = card
        self.ccho = ccho
        self.commands: List[str] = []

    def reply(self, *lines: str) -> None:
        self.sock.sendall("".join(f"\r\n{line}\r\n" for line in lines).encode())

    def handle(self, line: str) -> None:
        self.commands.append(line)
        if line == "AT":
            self.reply("OK")
        elif line == "AT+CCHO=?":
            self.reply("OK" if self.ccho else "ERROR")
        elif match := re.fullmatch(r'AT\+CSIM=(\d+),"([0-9A-F]*)"', line):
            answer = self.card.process_apdu(bytes.fromhex(match.group(2))).hex().upper()
            self.reply(f'+CSIM: {len(answer)},"{answer}"', "OK")
        elif self.ccho and (match := re.fullmatch(r'AT\+CCHO="([0-9A-F]+)"', line)):
            opened = self.card.process_apdu(bytes.fromhex("0070000001"))
            channel = opened[0]
            aid = bytes.fromhex(match.group(1))
            self.card.process_apdu(bytes([channel, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00")
            self.reply(f"+CCHO: {channel}", "OK")
        elif self.ccho and (match := re.fullmatch(r'AT\+CGLA=(\d+),(\d+),"([0-9A-F]*)"', line)):
            channel = int(match.group(1))
            apdu = bytes.fromhex(match.group(3))
            answer = self.card.process_apdu(bytes([(apdu[0] & 0xFC) | channel]) + apdu[1:]).hex().upper()
            self.reply(f'+CGLA: {len(answer)},"{answer}"', "OK")
        elif self.ccho and (match := re.fullmatch(r"AT\+CCHC=(\d+)", line)):
            self.card.process_apdu(bytes([0x00, 0x70, 0x80, int(match.group(1))]))
            self.reply("OK")
        else:
            self.reply("ERROR")

    def run(self) -> None:
        buffer = b""
        while True:
            data = self.sock.recv(4096)
            if not data:
                return
            buffer += data
            while b"\r" in buffer:
                line, buffer = buffer.split(b"\r", 1)
                text = line.decode().strip()
                if text:
                    self.handle(text)


@pytest.fixture(params=[False, True], ids=["csim", "ccho"])
def modem(request: pytest.FixtureRequest, card: SoftEuicc) -> Iterator[Tuple[int, Modem]]:
    ours, theirs = socket.socketpair()
    emulator = Modem(theirs, card, ccho=request.param)
    emulator.start()
    yield ours.fileno(), emulator
    ours.close()
    emulator.join(timeout=5)
    theirs.close()


def test_es10_over_at(modem: Tuple[int, Modem]) -> None:
    fd, emulator = modem
    with AtTransport(fd, mode="auto") as transport:
        with Es10Session(transport) as es10:
            assert es10.get_eid() == EID
            with pytest.raises(CardStatusError) as refused:
                es10.transceive(bytes.fromhex("BF7F00"))
            assert refused.value.sw == 0x6A88
    expected = "AT+CGLA=" if emulator.ccho else "AT+CSIM="
    assert any(command.startswith(expected) for command in emulator.commands)
    if emulator.ccho:
        assert any(command.startswith("AT+CCHC=") for command in emulator.commands)


def test_qmi_missing_device(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        QmiTransport(tmp_path / "cdc-wdm9")


def test_at_missing_tty(tmp_path: Path) -> None:
    with pytest.raises(TransportError) as failed:
        AtTransport(tmp_path / "ttyUSB9")
    assert str(tmp_path / "ttyUSB9") in failed.value.message
