#!/usr/bin/env python3
"""Abuse a metrics endpoint the way a broken or hostile client would, for --prometheus.

  prom_abuse.py HOST PORT SECONDS

For SECONDS: many connections opened and left idle, clients that send their request a
byte at a time (slowloris), a client that never reads a large answer, garbage request
lines, a 100 KiB header, a POST with a body (these four first, alone), and a flood of short connections. Prints one
JSON object: what each kind of client got back (HTTP status or "closed"), how many flood
connections were made, and the longest any single connect() took.
"""
import json
import socket
import sys
import threading
import time

host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + secs
result = {"idle_open": 0, "flood_connects": 0, "flood_refused": 0, "max_connect_ms": 0.0}
lock = threading.Lock()


def connect():
    t = time.monotonic()
    s = socket.create_connection((host, port), timeout=3)
    with lock:
        result["max_connect_ms"] = max(result["max_connect_ms"], (time.monotonic() - t) * 1000)
    return s


def status_of(s):
    """The status code of the answer on @s, or 'closed'/'timeout'."""
    try:
        data = s.recv(64)
    except socket.timeout:
        return "timeout"
    except OSError:
        return "closed"
    if not data.startswith(b"HTTP/1."):
        return "closed"
    return int(data.split()[1])


def one(name, payload):
    try:
        s = connect()
        s.sendall(payload)
        result[name] = status_of(s)
        s.close()
    except OSError as e:
        result[name] = "closed" if not isinstance(e, socket.timeout) else "timeout"


def idle(n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect())
        except OSError:
            pass
    result["idle_open"] = len(socks)
    while time.monotonic() < end:
        time.sleep(0.2)
    for s in socks:
        s.close()


def slowloris():
    try:
        s = connect()
        for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n":
            if time.monotonic() >= end:
                break
            s.send(bytes([b]))
            time.sleep(0.3)
        s.close()
    except OSError:
        pass


def never_reads():
    try:
        s = connect()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        for _ in range(50):
            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        while time.monotonic() < end:
            time.sleep(0.2)
        s.close()
    except OSError:
        pass


def flood():
    while time.monotonic() < end:
        try:
            s = connect()
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            s.recv(1)
            s.close()
            with lock:
                result["flood_connects"] += 1
        except OSError:
            with lock:
                result["flood_refused"] += 1
            time.sleep(0.01)


one("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n")
one("huge_header", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100 * 1024 + b"\r\n\r\n")
one("post", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
one("other_path", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
threads = [threading.Thread(target=idle, args=(40,))]
threads += [threading.Thread(target=slowloris) for _ in range(10)]
threads += [threading.Thread(target=never_reads) for _ in range(3)]
threads += [threading.Thread(target=flood) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(result))
