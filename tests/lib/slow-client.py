#!/usr/bin/env python3
"""slow-client.py SOCKET DIR STOPFILE [GAP]: connect to the unix socket
SOCKET again and again, one connection per file DIR/001, DIR/002, ...,
until STOPFILE exists, waiting GAP seconds (default 0) after a connection
ends. Reads 4 KiB every 10 ms, so a fast sender backs up."""
import os
import socket
import sys
import time

sock_path, out_dir, stop = sys.argv[1:4]
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
n = 0
while not os.path.exists(stop):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sock_path)
    except OSError:
        s.close()
        time.sleep(0.2)
        continue
    s.settimeout(1)     # to see STOPFILE while the sender is quiet
    n += 1
    with open(os.path.join(out_dir, '%03d' % n), 'wb') as f:
        while not os.path.exists(stop):
            try:
                b = s.recv(4096)
            except socket.timeout:
                continue
            if not b:
                break
            f.write(b)
            f.flush()
            time.sleep(0.01)
    s.close()
    time.sleep(gap)
