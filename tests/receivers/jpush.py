"""JPush REST API v3 as the tests' local receiver (see common.py).

POST /v3/push checks HTTP basic auth (app key : master secret) and the push
body's shape as JPush does (platform, audience.registration_id, the android
and ios notifications with extras, options.sendno an int); answers
{"sendno", "msg_id"}, or JPush's {"error": {"code", "message"}} bodies."""
import base64
import json
import secrets

import common

args = common.parse_args([
    ("--app-key", {"required": True}),
    ("--master-secret", {"required": True}),
])


def check(method, path, headers, body):
    checks, extra = {"post": method == "POST", "path": path == "/v3/push"}, {}
    auth = headers.get("authorization", "")
    expected = base64.b64encode(("%s:%s" % (args.app_key, args.master_secret)).encode()).decode()
    extra["authorized"] = auth == "Basic " + expected
    try:
        push = json.loads(body)
    except ValueError:
        checks["json"] = False
        return checks, extra
    checks["platform"] = push.get("platform") == "all"
    ids = push.get("audience", {}).get("registration_id")
    checks["registration_id"] = isinstance(ids, list) and len(ids) == 1 and isinstance(
        ids[0], str) and bool(ids[0])
    n = push.get("notification", {})
    checks["alert"] = isinstance(n.get("alert"), str)
    android, ios = n.get("android", {}), n.get("ios", {})
    checks["android"] = isinstance(android.get("title"), str) and android.get("priority") in (
        -2, -1, 0, 1, 2) and isinstance(android.get("extras"), dict)
    checks["ios"] = isinstance(ios.get("alert"), dict) and isinstance(ios.get("extras"), dict)
    opts = push.get("options", {})
    checks["sendno"] = isinstance(opts.get("sendno"), int) and 0 <= opts["sendno"] < 2 ** 31
    checks["apns_production"] = isinstance(opts.get("apns_production"), bool)
    extra["sendno"] = opts.get("sendno")
    return checks, extra


def success(checks, extra):
    if not extra.get("authorized"):
        return 401, {}, {"error": {"code": 1004, "message": "Authen failed"}}
    if not all(checks.values()):
        return 400, {}, {"error": {"code": 1003, "message": "Parameter value is invalid"}}
    return 200, {}, {"sendno": str(extra["sendno"]), "msg_id": str(secrets.randbelow(10 ** 12))}


common.serve(args, check, success)
