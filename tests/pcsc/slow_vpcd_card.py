# SPDX-License-Identifier: MIT
"""A deliberately slow card for vsmartcard's vpcd (tests/pcsc/run_pcsc_timeout_test.sh).

    slow_vpcd_card.py <vpcd port> <delay ms>

Connects to vpcd on 127.0.0.1:<port> (frames: 2-byte big-endian length + payload; a 1-byte payload is
a control code, 4 asks for the ATR) and answers every C-APDU with 9000, after <delay ms> for READ
BINARY (INS B0) and at once for anything else. Exits when vpcd closes the connection.
"""
import socket
import struct
import sys
import time

ATR = bytes.fromhex("3B80800101")  # T=0 and T=1 offered (TD1, TD2), no historical bytes, TCK


def main():
    port, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
    deadline = time.monotonic() + 20
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("slow_vpcd_card: no vpcd at 127.0.0.1:%d" % port)
            time.sleep(0.05)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def receive(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                sys.exit(0)
            data += chunk
        return data

    while True:
        (length,) = struct.unpack(">H", receive(2))
        payload = receive(length)
        if length == 1:
            if payload[0] == 4:
                sock.sendall(struct.pack(">H", len(ATR)) + ATR)
            continue
        if length >= 2 and payload[1] == 0xB0:
            time.sleep(delay)
        sock.sendall(struct.pack(">H", 2) + b"\x90\x00")


if __name__ == "__main__":
    main()
