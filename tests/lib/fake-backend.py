#!/usr/bin/env python3
"""A deliberately broken vhost-user back-end, for the adapter's error tests.

It speaks just enough of the protocol to reach the point where it
misbehaves, then keeps the connection open:
  --no-version1       offer features without VIRTIO_F_VERSION_1
  --refuse-features   NAK (REPLY_ACK) every SET_FEATURES
Usage: fake-backend.py MODE SOCKET
"""
import os
import socket
import struct
import sys

GET_FEATURES, SET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = 1, 2, 15, 16
GET_QUEUE_NUM, GET_CONFIG = 17, 24
F_VERSION_1, F_PROTOCOL_FEATURES = 1 << 32, 1 << 30
PF_MQ, PF_REPLY_ACK, PF_CONFIG = 1 << 0, 1 << 3, 1 << 9
REPLY, NEED_REPLY = 1 << 2, 1 << 3


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            raise EOFError
        buf += part
    return buf


def reply(conn, request, payload):
    conn.sendall(struct.pack("<III", request, 1 | REPLY, len(payload)) + payload)


def serve(conn, mode):
    features = F_PROTOCOL_FEATURES | (0 if mode == "--no-version1" else F_VERSION_1)
    while True:
        request, flags, size = struct.unpack("<III", recv_exact(conn, 12))
        payload = recv_exact(conn, size) if size else b""
        if request in (GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM):
            value = {GET_FEATURES: features,
                     GET_PROTOCOL_FEATURES: PF_MQ | PF_REPLY_ACK | PF_CONFIG,
                     GET_QUEUE_NUM: 1}[request]
            reply(conn, request, struct.pack("<Q", value))
        elif request == GET_CONFIG:
            offset, length, cflags = struct.unpack("<III", payload[:12])
            reply(conn, request, struct.pack("<III", offset, length, cflags) + bytes(length))
        elif flags & NEED_REPLY:
            nak = request == SET_FEATURES and mode == "--refuse-features"
            reply(conn, request, struct.pack("<Q", 1 if nak else 0))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--no-version1", "--refuse-features"):
        sys.exit(__doc__)
    path = sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, sys.argv[1])
        except (EOFError, ConnectionError):
            pass
        conn.close()


if __name__ == "__main__":
    main()
