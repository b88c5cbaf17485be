#!/usr/bin/env python3
"""A user that reads fast for FAST seconds, stops reading for PAUSE seconds, then reads to EOF (bounded by LIMIT s).
Prints one JSON line: bytes read and how long the rest took after the pause.

usage: pause_reader.py PORT FAST PAUSE [LIMIT]
"""
import json
import socket
import sys
import time

port, fast, pause = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 120
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(limit)
t0 = time.time()
n = 0
while time.time() - t0 < fast:
    d = s.recv(1 << 20)
    if not d:
        break
    n += len(d)
time.sleep(pause)
t1 = time.time()
while time.time() - t1 < limit:
    d = s.recv(1 << 20)
    if not d:
        break
    n += len(d)
print(json.dumps({"mb": round(n / 1e6), "rest_s": round(time.time() - t1, 2)}))
