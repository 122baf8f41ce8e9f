"""FCM HTTP v1 as the tests' local receiver (see common.py).

POST /token is Google's OAuth2 token endpoint for a service account: it
checks the JWT-bearer assertion (RS256 signature with the account's public
key, iss, aud = this URL, scope, iat/exp) and issues an access token.
POST /v1/projects/<project>/messages:send checks the Bearer token is one it
issued and the message's shape as FCM does (a token, notification, data
values all strings), and answers {"name": "projects/<p>/messages/<id>"}.
Scripted answers give FCM's real google.rpc.Status error bodies."""
import base64
import json
import secrets
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import common

args = common.parse_args([
    ("--public-key", {"required": True}),
    ("--client-email", {"required": True}),
    ("--project", {"required": True}),
    ("--expires-in", {"type": int, "default": 3599}),
])
with open(args.public_key, "rb") as f:
    public_key = serialization.load_pem_public_key(f.read())
issued = set()
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_assertion(jwt, headers, checks):
    parts = jwt.split(".")
    checks["jwt_three_parts"] = len(parts) == 3
    if len(parts) != 3:
        return
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except ValueError:
        checks["jwt_decodes"] = False
        return
    checks["jwt_header"] = header == {"alg": "RS256", "typ": "JWT"}
    try:
        public_key.verify(sig, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(),
                          hashes.SHA256())
        checks["jwt_signature"] = True
    except Exception:
        checks["jwt_signature"] = False
    now = time.time()
    host = headers.get("host", "")
    checks["iss"] = claims.get("iss") == args.client_email
    checks["aud"] = claims.get("aud") == "https://%s/token" % host
    checks["scope"] = claims.get("scope") == SCOPE
    iat, exp = claims.get("iat"), claims.get("exp")
    checks["iat_exp_ints"] = isinstance(iat, int) and isinstance(exp, int)
    if checks["iat_exp_ints"]:
        checks["iat_not_future"] = iat <= now + 5
        checks["lifetime_max_hour"] = 0 < exp - iat <= 3600
        checks["not_expired"] = exp > now


def check(method, path, headers, body):
    checks, extra = {"post": method == "POST"}, {}
    if path == "/token":
        extra["kind"] = "token"
        checks["form"] = headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded")
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        checks["grant_type"] = form.get("grant_type") == [
            "urn:ietf:params:oauth:grant-type:jwt-bearer"]
        assertion = form.get("assertion", [""])[0]
        checks["assertion"] = bool(assertion)
        if assertion:
            check_assertion(assertion, headers, checks)
        return checks, extra
    extra["kind"] = "send"
    checks["path"] = path == "/v1/projects/%s/messages:send" % args.project
    auth = headers.get("authorization", "")
    extra["authorized"] = auth.startswith("Bearer ") and auth[7:] in issued
    try:
        msg = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        checks["json_message"] = False
        return checks, extra
    checks["token"] = isinstance(msg.get("token"), str) and bool(msg["token"])
    n = msg.get("notification", {})
    checks["notification"] = isinstance(n.get("title"), str) and isinstance(n.get("body"), str)
    data = msg.get("data", {})
    checks["data_strings"] = isinstance(data, dict) and all(
        isinstance(v, str) for v in data.values())
    android = msg.get("android", {})
    checks["android_priority"] = android.get("priority") in ("HIGH", "NORMAL")
    checks["known_fields"] = set(msg) <= {"token", "notification", "data", "android", "apns"}
    return checks, extra


def success(checks, extra):
    if extra["kind"] == "token":
        if not all(checks.values()):
            return 400, {}, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        token = "ya29." + secrets.token_urlsafe(24)
        issued.add(token)
        return 200, {}, {"access_token": token, "expires_in": args.expires_in, "token_type": "Bearer"}
    if not extra.get("authorized"):
        return 401, {}, {"error": {
            "code": 401, "status": "UNAUTHENTICATED",
            "message": "Request had invalid authentication credentials. Expected OAuth 2 "
                       "access token, login cookie or other valid authentication credential."}}
    if not all(checks.values()):
        return 400, {}, {"error": {
            "code": 400, "status": "INVALID_ARGUMENT",
            "message": "Invalid JSON payload received.",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "INVALID_ARGUMENT"}]}}
    return 200, {}, {"name": "projects/%s/messages/0:%d%%%s" % (
        args.project, int(time.time() * 1000), secrets.token_hex(8))}


common.serve(args, check, success)
