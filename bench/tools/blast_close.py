#!/usr/bin/env python3
"""A service that sends as fast as it can for SECONDS, then closes (what is queued still goes out, then FIN).

usage: blast_close.py PORT SECONDS [CONNECTIONS]   (serves at most CONNECTIONS connections, default 20)
"""
import socket
import sys
import threading
import time

port, secs = int(sys.argv[1]), float(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 20
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
chunk = b"x" * (1 << 20)


def serve(c):
    t0 = time.time()
    c.settimeout(0.05)
    while time.time() - t0 < secs:
        try:
            c.send(chunk)
        except socket.timeout:
            pass
        except OSError:
            break
    c.close()


for _ in range(limit):
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
