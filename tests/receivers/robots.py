"""Work-chat group robots as the tests' local receiver: WeCom, DingTalk and
Feishu webhooks, each checked the way the provider checks it and answered
with its bodies.

  /wecom/send?key=K                        WeCom (the key is the credential)
  /dingtalk/robot/send?access_token=T      DingTalk; &timestamp=<ms>&sign=...
  /feishu/open-apis/bot/v2/hook/<id>       Feishu; timestamp and sign in the body

A DingTalk token or Feishu hook id starting with "plain" is a group whose
robot has no signing set (so none is checked, as the providers do); every
other one is signed with --secret.

  python3 robots.py --dir D --cert C --key K --secret S
"""
import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlsplit

import common

WECOM_MAX = 4096      # bytes of markdown.content
DINGTALK_SKEW_MS = 3600 * 1000
FEISHU_SKEW_S = 3600


def sha256_b64(key, message):
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def load_json(body):
    try:
        doc = json.loads(body.decode("utf-8"))
        return doc if isinstance(doc, dict) else None
    except (UnicodeDecodeError, ValueError):
        return None


def is_json(headers):
    return headers.get("content-type", "").startswith("application/json")


def wecom(path, query, headers, doc):
    key = query.get("key", [""])[0]
    md = (doc or {}).get("markdown") or {}
    content = md.get("content") if isinstance(md, dict) else None
    checks = {
        "key": bool(key),
        "json": doc is not None and is_json(headers),
        "markdown": (doc or {}).get("msgtype") == "markdown" and isinstance(content, str)
        and 0 < len(content.encode()) <= WECOM_MAX,
    }
    if not checks["key"]:
        failure = {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1765081234_12_a3f]"
                   ", from ip: 127.0.0.1, more info at "
                   "https://open.work.weixin.qq.com/devtool/query?e=93000"}
    elif not checks["json"]:
        failure = {"errcode": 40058, "errmsg": "invalid Request Parameter, hint: [1765081234_12_b1c]"
                   ", more info at https://open.work.weixin.qq.com/devtool/query?e=40058"}
    elif not checks["markdown"]:
        failure = {"errcode": 40008, "errmsg": "invalid message type, hint: [1765081234_12_c2d]"
                   ", more info at https://open.work.weixin.qq.com/devtool/query?e=40008"}
    else:
        failure = None
    return checks, {"content": content}, failure


def dingtalk(secret, path, query, headers, doc):
    token = query.get("access_token", [""])[0]
    signed = not token.startswith("plain")
    md = (doc or {}).get("markdown") or {}
    checks = {
        "token": bool(token),
        "json": doc is not None and is_json(headers),
        "markdown": (doc or {}).get("msgtype") == "markdown" and isinstance(md, dict)
        and isinstance(md.get("title"), str) and bool(md.get("title"))
        and isinstance(md.get("text"), str) and bool(md.get("text")),
    }
    if signed:
        ts = query.get("timestamp", [""])[0]
        sign = query.get("sign", [""])[0]
        fresh = ts.isdigit() and abs(int(ts) - int(time.time() * 1000)) <= DINGTALK_SKEW_MS
        checks["timestamp"] = fresh
        checks["sign"] = fresh and hmac.compare_digest(
            sign, sha256_b64(secret, ts + "\n" + secret))
    if not checks["token"]:
        failure = {"errcode": 300001, "errmsg": "token is not exist"}
    elif signed and not checks["timestamp"]:
        failure = {"errcode": 310000, "errmsg": "invalid timestamp, more: "
                   "[https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
    elif signed and not checks["sign"]:
        failure = {"errcode": 310000, "errmsg": "sign not match, more: "
                   "[https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
    elif not checks["json"] or not checks["markdown"]:
        failure = {"errcode": 40035, "errmsg": "缺少参数 json"}
    else:
        failure = None
    return checks, {"markdown": md if isinstance(md, dict) else None, "signed": signed}, failure


def feishu(secret, path, headers, doc):
    hook = path.rsplit("/", 1)[-1]
    signed = not hook.startswith("plain")
    content = (doc or {}).get("content") or {}
    checks = {
        "hook": bool(hook),
        "json": doc is not None and is_json(headers),
        "text": (doc or {}).get("msg_type") == "text" and isinstance(content, dict)
        and isinstance(content.get("text"), str) and bool(content.get("text")),
    }
    if signed:
        ts = (doc or {}).get("timestamp")
        fresh = isinstance(ts, str) and ts.isdigit() and abs(int(ts) - time.time()) <= FEISHU_SKEW_S
        checks["timestamp"] = fresh
        checks["sign"] = fresh and hmac.compare_digest(
            str((doc or {}).get("sign", "")), sha256_b64(ts + "\n" + secret, ""))
    if not checks["json"]:
        failure = {"code": 9499, "data": {}, "msg": "Bad Request"}
    elif signed and not (checks["timestamp"] and checks["sign"]):
        failure = {"code": 19021, "data": {},
                   "msg": "sign match fail or timestamp is not within one hour from current time"}
    elif not checks["text"]:
        failure = {"code": 19002, "data": {}, "msg": "params error, msg_type need"}
    else:
        failure = None
    return checks, {"text": content.get("text") if isinstance(content, dict) else None,
                    "signed": signed}, failure


def main():
    args = common.parse_args([("--secret", {"required": True})])

    def check(method, path, headers, body):
        url = urlsplit(path)
        query = parse_qs(url.query, keep_blank_values=True)
        doc = load_json(body)
        if url.path == "/wecom/send":
            provider = "wecom"
            checks, extra, failure = wecom(url.path, query, headers, doc)
        elif url.path == "/dingtalk/robot/send":
            provider = "dingtalk"
            checks, extra, failure = dingtalk(args.secret, url.path, query, headers, doc)
        elif url.path.startswith("/feishu/open-apis/bot/v2/hook/"):
            provider = "feishu"
            checks, extra, failure = feishu(args.secret, url.path, headers, doc)
        else:
            return {"path": False}, {"provider": None, "failure": [404, {}, "404 page not found"]}
        checks["post"] = method == "POST"
        extra["provider"] = provider
        extra["failure"] = [200, {}, failure] if failure else None
        return checks, extra

    def success(checks, extra):
        if extra.get("failure"):
            return tuple(extra["failure"])
        if extra["provider"] == "feishu":
            return 200, {}, {"StatusCode": 0, "StatusMessage": "success", "code": 0,
                             "data": {}, "msg": "success"}
        return 200, {}, {"errcode": 0, "errmsg": "ok"}

    common.serve(args, check, success)


if __name__ == "__main__":
    main()
