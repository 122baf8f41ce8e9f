"""Aliyun SMS (dysmsapi, SendSms, RPC signature version 1.0) as the tests'
local receiver.

Checks a request the way Aliyun's gateway does, in its order: the
AccessKeyId is known, the common parameters are there, the Timestamp is
within 15 minutes, the SignatureNonce was not seen before, the signature
(HMAC-SHA1 with secret + "&" over "POST&%2F&" + the percent-encoded sorted
parameters) matches; then SendSms's own: PhoneNumbers, SignName,
TemplateCode, TemplateParam as JSON. Answers with Aliyun's bodies.

  python3 aliyun_sms.py --dir D --cert C --key K --access-key-id ID --secret S
"""
import base64
import datetime
import hashlib
import hmac
import json
import threading
import uuid
from urllib.parse import parse_qsl, quote

import common

COMMON = ("AccessKeyId", "Action", "Format", "RegionId", "SignatureMethod", "SignatureNonce",
          "SignatureVersion", "Timestamp", "Version", "Signature")
SEND_SMS = ("PhoneNumbers", "SignName", "TemplateCode")

_nonces = set()
_nonce_lock = threading.Lock()


def encode(s):
    # Aliyun's percentEncode: URLEncoder plus "+" -> %20, "*" -> %2A, %7E -> "~".
    return quote(s, safe="~")


def signature(params, secret, method="POST"):
    query = "&".join(encode(k) + "=" + encode(v) for k, v in sorted(params.items())
                     if k != "Signature")
    to_sign = method + "&" + encode("/") + "&" + encode(query)
    mac = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode(), to_sign


def self_test():
    """Aliyun's own worked example (SendSms signature documentation): this
    receiver signs exactly as Aliyun does, or it does not start."""
    example = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert signature(example, "testSecret", "GET")[0] == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def request_id():
    return str(uuid.uuid4()).upper()


def error(status, code, message):
    return status, {}, {"RequestId": request_id(), "Message": message, "Code": code,
                        "HostId": "dysmsapi.aliyuncs.com",
                        "Recommend": "https://api.aliyun.com/troubleshoot?q=" + code}


def main():
    self_test()
    args = common.parse_args([("--access-key-id", {"required": True}),
                              ("--secret", {"required": True})])

    def check(method, path, headers, body):
        text = body.decode("utf-8", "replace")
        pairs = parse_qsl(text, keep_blank_values=True)
        params = dict(pairs)
        checks = {
            "post_root": method == "POST" and path == "/",
            "form": headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"),
            "no_repeats": len(pairs) == len(params),
        }
        failure = None
        missing = [k for k in COMMON + SEND_SMS if not params.get(k)]
        checks["access_key_known"] = params.get("AccessKeyId") == args.access_key_id
        checks["required"] = not missing
        if not checks["access_key_known"]:
            failure = error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        elif missing:
            failure = error(400, "Missing" + missing[0], missing[0] + " is mandatory for this action.")
        checks["action"] = params.get("Action") == "SendSms" and params.get("Version") == "2017-05-25"
        checks["format"] = params.get("Format") == "JSON" and params.get("RegionId") == "cn-hangzhou"
        checks["method"] = (params.get("SignatureMethod") == "HMAC-SHA1"
                            and params.get("SignatureVersion") == "1.0")
        if not failure and not checks["action"]:
            failure = error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if not failure and not checks["method"]:
            failure = error(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
        try:
            when = datetime.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
            skew = abs((datetime.datetime.utcnow() - when).total_seconds())
            checks["timestamp"] = skew <= 15 * 60
        except ValueError:
            checks["timestamp"] = False
        if not failure and not checks["timestamp"]:
            failure = error(400, "InvalidTimeStamp.Expired",
                            "Specified time stamp or date value is expired.")
        expected, to_sign = signature(params, args.secret)
        checks["signature"] = hmac.compare_digest(expected, params.get("Signature", ""))
        if not failure and not checks["signature"]:
            failure = error(400, "SignatureDoesNotMatch",
                            "Specified signature is not matched with our calculation. "
                            "server string to sign is:" + to_sign)
        with _nonce_lock:
            nonce = params.get("SignatureNonce", "")
            checks["nonce_unique"] = nonce not in _nonces
            _nonces.add(nonce)
        if not failure and not checks["nonce_unique"]:
            failure = error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        try:
            checks["template_param_json"] = isinstance(
                json.loads(params.get("TemplateParam", "{}")), dict)
        except ValueError:
            checks["template_param_json"] = False
        if not failure and not checks["template_param_json"]:
            # Business errors come with HTTP 200, as Aliyun sends them.
            failure = (200, {}, {"RequestId": request_id(), "Message": "JSON参数不合法，只接受字符串值",
                                 "Code": "isv.INVALID_JSON_PARAM"})
        return checks, {"params": params, "failure": failure}

    def success(checks, extra):
        if extra["failure"]:
            return extra["failure"]
        return 200, {}, {"RequestId": request_id(), "Message": "OK",
                         "BizId": "%d^0" % (900619746936498440 + len(_nonces)), "Code": "OK"}

    common.serve(args, check, success)


if __name__ == "__main__":
    main()
