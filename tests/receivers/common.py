"""The shared part of the local provider receivers the tests start.

A receiver is a real HTTPS server on loopback, in its own process, that
checks each request the way the provider would (its checks are the
provider-specific part, in the script that imports this) and answers with
the provider's own bodies. The test steers and reads it through files in
its directory (--dir):

  port            written once the socket listens
  script.json     answers to give next, in order: [{"status": 429,
                  "headers": {...}, "body": {...} or "text"}, ...]; each is
                  taken once, after which the provider's success answer is
                  given ("hold_ms": N first sleeps N ms, for crash tests)
  requests.jsonl  one line per request: method, path, headers, body, and
                  "checks": {name: true/false}, "ok": all checks passed,
                  "answered": the status given
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    for name, kw in (extra or []):
        ap.add_argument(name, **kw)
    return ap.parse_args()


def next_scripted(directory):
    """Pops the next scripted answer, or None."""
    path = os.path.join(directory, "script.json")
    with _lock:
        try:
            with open(path) as f:
                queue = json.load(f)
        except (OSError, ValueError):
            return None
        if not queue:
            return None
        first = queue.pop(0)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(queue, f)
        os.replace(tmp, path)
        return first


def record(directory, entry):
    line = json.dumps(entry, ensure_ascii=False)
    with _lock:
        with open(os.path.join(directory, "requests.jsonl"), "a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())


def write_port(directory, port):
    tmp = os.path.join(directory, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, os.path.join(directory, "port"))


def serve(args, check, success):
    """Serves HTTP/1.1 over TLS. check(method, path, headers, body) returns
    (checks dict, extra dict recorded with the request); success(checks,
    extra) returns the (status, headers, body) of the provider's normal
    answer, or its error answer when a check failed."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            checks, extra = check(self.command, self.path, headers, body)
            ok = all(checks.values())
            scripted = next_scripted(args.dir) if ok else None
            if scripted:
                if scripted.get("hold_ms"):
                    time.sleep(scripted["hold_ms"] / 1000.0)
                status = scripted.get("status", 200)
                hdrs = scripted.get("headers", {})
                out = scripted.get("body", "")
                if status == 200 and "body" not in scripted:
                    status, hdrs2, out = success(checks, extra)
                    hdrs = {**hdrs2, **hdrs}
            else:
                status, hdrs, out = success(checks, extra)
            if not isinstance(out, (bytes, str)):
                out = json.dumps(out)
                hdrs = {"Content-Type": "application/json", **hdrs}
            if isinstance(out, str):
                out = out.encode()
            record(args.dir, {
                "method": self.command, "path": self.path, "headers": headers,
                "body": body.decode("utf-8", "replace"), "checks": checks,
                "ok": ok, "answered": status, **extra})
            self.send_response(status)
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_POST = do_GET = do_PUT = do_DELETE = _any

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    write_port(args.dir, srv.server_address[1])
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)
