"""APNs as the tests' local receiver: HTTP/2 only, as Apple's servers are
(TLS with ALPN "h2"; a client that offers only HTTP/1.1 is refused).

POST /3/device/<token> checks the provider token as Apple does (ES256 JWT,
JOSE r||s signature with the team's public key, kid, iss, iat within the
last hour), apns-topic, apns-push-type, apns-id's UUID form and a JSON body
with aps.alert; answers 200 with the apns-id echoed, or Apple's
{"reason": ...} errors. Steered and recorded as common.py describes (its
next_scripted and record)."""
import os
import sys

try:
    import h2.config
    import h2.connection
    import h2.events
except ImportError:  # pragma: no cover - a python without Debian's python3-h2
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import base64
import json
import re
import socket
import ssl
import threading
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import common

args = common.parse_args([
    ("--public-key", {"required": True}),
    ("--key-id", {"required": True}),
    ("--team-id", {"required": True}),
    ("--topic", {"required": True}),
])
with open(args.public_key, "rb") as f:
    public_key = serialization.load_pem_public_key(f.read())
UUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_jwt(auth, checks):
    """Returns Apple's reason when the provider token is refused, else None."""
    if not auth.startswith("bearer "):
        checks["bearer"] = False
        return "MissingProviderToken"
    parts = auth[7:].split(".")
    if len(parts) != 3:
        checks["jwt_three_parts"] = False
        return "InvalidProviderToken"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except ValueError:
        checks["jwt_decodes"] = False
        return "InvalidProviderToken"
    checks["jwt_alg"] = header.get("alg") == "ES256"
    checks["jwt_kid"] = header.get("kid") == args.key_id
    checks["jwt_iss"] = claims.get("iss") == args.team_id
    checks["jose_signature_64"] = len(sig) == 64
    try:
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        public_key.verify(der, (parts[0] + "." + parts[1]).encode(), ec.ECDSA(hashes.SHA256()))
        checks["jwt_signature"] = True
    except Exception:
        checks["jwt_signature"] = False
    iat = claims.get("iat")
    now = time.time()
    checks["iat_within_hour"] = isinstance(iat, int) and now - 3600 < iat <= now + 5
    if not all(checks.values()):
        return "ExpiredProviderToken" if checks.get("iat_within_hour") is False else \
            "InvalidProviderToken"
    return None


def examine(headers, body):
    checks = {}
    checks["post"] = headers.get(":method") == "POST"
    path = headers.get(":path", "")
    checks["path"] = path.startswith("/3/device/") and len(path) > len("/3/device/")
    reason = check_jwt(headers.get("authorization", ""), checks)
    checks["topic"] = headers.get("apns-topic") == args.topic
    checks["push_type"] = headers.get("apns-push-type") == "alert"
    checks["priority"] = headers.get("apns-priority") in ("10", "5")
    checks["apns_id_uuid"] = bool(UUID_RE.match(headers.get("apns-id", "")))
    try:
        payload = json.loads(body)
        alert = payload["aps"]["alert"]
        checks["aps_alert"] = isinstance(alert.get("title"), str) and isinstance(
            alert.get("body"), str)
    except (ValueError, KeyError, TypeError, AttributeError):
        checks["aps_alert"] = False
    if reason is None and not all(checks.values()):
        reason = ("BadTopic" if not checks["topic"] else "MissingTopic"
                  if not headers.get("apns-topic") else "BadMessageId"
                  if not checks["apns_id_uuid"] else "BadPath" if not checks["path"]
                  else "PayloadEmpty")
    return checks, reason


def answer(headers, body):
    checks, reason = examine(headers, body)
    ok = all(checks.values())
    apns_id = headers.get("apns-id") or str(uuid.uuid4()).upper()
    out_headers = [("apns-id", apns_id)]
    scripted = common.next_scripted(args.dir) if ok else None
    if scripted:
        status = scripted.get("status", 200)
        out_headers += [(k.lower(), str(v)) for k, v in scripted.get("headers", {}).items()]
        out = scripted.get("body")
        out = json.dumps(out).encode() if out is not None else b""
    elif ok:
        status, out = 200, b""
    else:
        status = 403 if reason.endswith("ProviderToken") else 400
        out = json.dumps({"reason": reason}).encode()
    common.record(args.dir, {
        "method": headers.get(":method"), "path": headers.get(":path"),
        "headers": {k: v for k, v in headers.items() if not k.startswith(":")},
        "body": body.decode("utf-8", "replace"), "checks": checks, "ok": ok,
        "answered": status, "http2": True})
    return status, out_headers, out


def serve_connection(raw, ctx):
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    if conn.selected_alpn_protocol() != "h2":
        conn.close()  # Apple speaks HTTP/2 only
        return
    h2c = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=False, header_encoding="utf-8"))
    h2c.initiate_connection()
    conn.sendall(h2c.data_to_send())
    streams = {}
    try:
        while True:
            data = conn.recv(65535)
            if not data:
                break
            for ev in h2c.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    streams[ev.stream_id] = [dict(ev.headers), b""]
                elif isinstance(ev, h2.events.DataReceived):
                    streams[ev.stream_id][1] += ev.data
                    h2c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    hdrs, body = streams.pop(ev.stream_id)
                    status, out_headers, out = answer(hdrs, body)
                    resp = [(":status", str(status))] + out_headers
                    if out:
                        resp += [("content-type", "application/json"),
                                 ("content-length", str(len(out)))]
                    h2c.send_headers(ev.stream_id, resp, end_stream=not out)
                    if out:
                        h2c.send_data(ev.stream_id, out, end_stream=True)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    raise EOFError
            pending = h2c.data_to_send()
            if pending:
                conn.sendall(pending)
    except (EOFError, OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["h2"])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    common.write_port(args.dir, srv.getsockname()[1])
    try:
        while True:
            raw, _ = srv.accept()
            threading.Thread(target=serve_connection, args=(raw, ctx), daemon=True).start()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


main()
