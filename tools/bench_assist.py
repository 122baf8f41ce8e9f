#!/usr/bin/env python3
"""What a remote-assistance call costs the server (issue 19).

Starts build/fieldtrace on a fresh demo database, opens N accepted sessions
(rows written directly: offering and accepting are not what is measured),
joins each as the technician and as the expert (POST /v1/assist/{id}/join),
then runs 2N simulated participants that signal and poll as the console's
pages do: GET /v1/assist/{id}/signals every 500 ms while connecting (first
CONNECT_S seconds, with an offer/answer and a handful of candidates), then
every 3 s. Each participant keeps one keep-alive HTTPS connection, like a
browser. Reports the server's threads and VmRSS (/proc/<pid>/status) before
the calls, while connecting and in the steady state, requests per
call-minute, and the workers' busy time per call-minute from /metrics
(fieldtrace_http_request_duration_seconds_sum).

usage: tools/bench_assist.py [N_CALLS=50] [STEADY_S=60]
"""
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "fieldtrace")
CA = os.path.join(ROOT, "certs", "ca.pem")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 50
STEADY_S = int(sys.argv[2]) if len(sys.argv) > 2 else 60
CONNECT_S = 10
PASSWORD = "fieldtrace-demo"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_of(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Threads", "VmRSS"):
                out[k] = v.strip()
    return out


class Client:
    def __init__(self, port):
        ctx = ssl.create_default_context(cafile=CA)
        self.conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=30)
        self.requests = 0

    def call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                raw = r.read()
                self.requests += 1
                return r.status, (json.loads(raw) if raw and raw[:1] == b"{" else None)
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()  # the server closed a polled connection: reconnect
                if attempt:
                    raise
        return 0, None


def metrics(port):
    c = Client(port)
    c.conn.request("GET", "/metrics")
    text = c.conn.getresponse().read().decode()
    def one(name):
        m = re.search(r'^' + name + r' ([0-9.e+-]+)$', text, re.M)
        return float(m.group(1)) if m else 0.0
    return (one("fieldtrace_http_request_duration_seconds_sum"),
            one("fieldtrace_http_request_duration_seconds_count"),
            one("fieldtrace_tls_handshakes_total"))


def participant(port, sid, key, stop, connected_until, counts, idx):
    c = Client(port)
    hdr = {"X-Assist-Key": key}
    after = 0
    sent = 0
    while not stop.is_set():
        now = time.time()
        if now < connected_until and sent < 6:
            kind = "offer" if sent == 0 else "candidate"
            c.call("POST", f"/v1/assist/{sid}/signals",
                   {"kind": kind, "body": {"sdp": "v=0 " + "x" * 400} if kind == "offer"
                    else {"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host"}},
                   hdr)
            sent += 1
        st, doc = c.call("GET", f"/v1/assist/{sid}/signals?after={after}", None, hdr)
        if st == 200 and doc:
            after = doc["next"]
        time.sleep(0.5 if time.time() < connected_until else 3.0)
    counts[idx] = c.requests


def main():
    tmp = tempfile.mkdtemp(prefix="bench-assist-")
    db = os.path.join(tmp, "bench.db")
    port = free_port()
    subprocess.run([BIN, "migrate", "--db", db, "--demo"], check=True, stdout=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    tech = con.execute("SELECT id FROM users WHERE username = 'tech.sz'").fetchone()[0]
    expert = con.execute("SELECT id FROM users WHERE username = 'tech.nj'").fetchone()[0]
    tickets = [r[0] for r in con.execute(
        "SELECT t.id FROM tickets t JOIN assets a ON a.id = t.asset_id ORDER BY t.id LIMIT ?", (N,))]
    if len(tickets) < N:
        sys.exit(f"the demo has {len(tickets)} tickets with a unit; ask for at most that many calls")
    now = int(time.time())
    for t in tickets:
        con.execute("UPDATE tickets SET assignee_id = ? WHERE id = ?", (tech, t))
        con.execute("INSERT INTO assist_sessions(ticket_id, product_line, requested_by, state, expert_id,"
                    " requested_at, accepted_at) SELECT t.id, m.product_line, ?, 'accepted', ?, ?, ?"
                    " FROM tickets t JOIN assets a ON a.id = t.asset_id JOIN models m ON m.id = a.model_id"
                    " WHERE t.id = ?", (tech, expert, now, now, t))
    con.commit()
    sessions = [r[0] for r in con.execute("SELECT id FROM assist_sessions ORDER BY id")]
    con.close()
    server = subprocess.Popen([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
                               "--data-dir", os.path.join(tmp, "data"),
                               "--tls-cert", os.path.join(ROOT, "certs", "server.pem"),
                               "--tls-key", os.path.join(ROOT, "certs", "server.key"),
                               "--access-log=false", "--conns-per-address", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        idle = status_of(server.pid)
        setup = Client(port)
        tokens = {}
        for u in ("tech.sz", "tech.nj"):
            st, doc = setup.call("POST", "/v1/auth/login", {"username": u, "password": PASSWORD})
            assert st == 200, (st, doc)
            tokens[u] = doc["access_token"]
        keys = []
        for sid in sessions:
            for u in ("tech.sz", "tech.nj"):
                st, doc = setup.call("POST", f"/v1/assist/{sid}/join", None,
                                     {"Authorization": "Bearer " + tokens[u]})
                assert st == 200, (st, doc)
                keys.append((sid, doc["participant_key"]))
        stop = threading.Event()
        counts = [0] * len(keys)
        t0 = time.time()
        connected_until = t0 + CONNECT_S
        threads = [threading.Thread(target=participant, args=(port, sid, key, stop, connected_until, counts, i))
                   for i, (sid, key) in enumerate(keys)]
        for t in threads:
            t.start()
        time.sleep(CONNECT_S * 0.8)
        connecting = status_of(server.pid)
        time.sleep(CONNECT_S * 0.2 + 3)
        busy0, n0, hs0 = metrics(port)
        s0 = time.time()
        time.sleep(STEADY_S / 2)
        steady = status_of(server.pid)
        time.sleep(STEADY_S / 2)
        busy1, n1, hs1 = metrics(port)
        s1 = time.time()
        stop.set()
        for t in threads:
            t.join()
        call_min = N * (s1 - s0) / 60.0
        print(f"calls: {N} ({2 * N} participants polling with X-Assist-Key on keep-alive HTTPS)")
        print(f"server before calls:   Threads {idle['Threads']}, VmRSS {idle['VmRSS']}")
        print(f"while connecting:      Threads {connecting['Threads']}, VmRSS {connecting['VmRSS']}"
              " (500 ms polls, offer + candidates)")
        print(f"steady state:          Threads {steady['Threads']}, VmRSS {steady['VmRSS']} (3 s polls)")
        print(f"steady requests: {n1 - n0 - 1:.0f} in {s1 - s0:.1f} s = {(n1 - n0 - 1) / call_min:.1f} per call-minute")
        print(f"workers' busy time: {1000 * (busy1 - busy0) / call_min:.1f} ms per call-minute "
              f"({1000 * (busy1 - busy0) / max(n1 - n0, 1):.2f} ms per request)")
        print(f"TLS handshakes in the steady state: {hs1 - hs0 - 1:.0f} (0: every participant kept its"
              " connection, and so a civetweb worker, between polls)")
        print(f"requests in all (setup and connecting included): {sum(counts)}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
