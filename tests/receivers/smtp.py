"""A real SMTP submission server for the mail tests (aiosmtpd).

Like a provider's submission port it demands STARTTLS before AUTH and MAIL
(or speaks TLS from the first byte with --implicit-tls, as SMTPS on 465
does), checks AUTH PLAIN/LOGIN against --username/--password, and parses
each message with Python's email package the way a mail client would.

Each message accepted at DATA is recorded in requests.jsonl (see common.py):
mail_from, rcpt_tos, was_tls, auth_user, headers (decoded and raw), the text
and html parts decoded, attachments, and "checks" {name: bool}. A message
refused by a scripted reply is not recorded.

script.json entries: {"smtp": "451 4.7.1 Try again later"} makes the next
RCPT answer that; with "at": "data" the next DATA does instead.

--no-starttls plays a server that does not offer STARTTLS at all: the client
must then give up without sending anything in clear (were it to send, the
message would be recorded with was_tls false).
"""
import os
import sys

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    # Debian's python3-aiosmtpd is installed for Debian's python3; a python3
    # earlier in PATH (pyenv and the like) does not see it.
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import asyncio
import base64
import email
import email.policy
import email.utils
import hmac
import logging
import re
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MESSAGE_ID = re.compile(r"^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>$")
ENCODED_WORD = re.compile(r"=\?[^?]+\?[BbQq]\?[^?]*\?=")

args = common.parse_args([
    ("--username", {"default": "mailer@fieldtrace.example"}),
    ("--password", {"default": "s3cret-smtp-pass"}),
    ("--implicit-tls", {"action": "store_true"}),
    ("--no-starttls", {"action": "store_true"}),
])


def authenticate(server, session, envelope, mechanism, auth_data):
    if mechanism not in ("PLAIN", "LOGIN") or not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    if server.transport.get_extra_info("ssl_object") is None:
        return AuthResult(success=False, handled=False)
    ok = (hmac.compare_digest(auth_data.login, args.username.encode())
          and hmac.compare_digest(auth_data.password, args.password.encode()))
    return AuthResult(success=ok, handled=False,
                      auth_data=auth_data.login.decode() if ok else None)


def raw_header(data, name):
    """The header as sent, unfolded, not decoded."""
    raw = email.message_from_bytes(data, policy=email.policy.compat32)[name]
    return None if raw is None else re.sub(r"\r?\n[ \t]", " ", str(raw))


def walk_body(msg):
    """(alternative part or None, text, html, attachments)."""
    alternative = None
    text = html = None
    attachments = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "multipart/alternative" and alternative is None:
            alternative = part
        elif part.is_attachment():
            payload = part.get_payload(decode=True) or b""
            attachments.append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transfer_encoding": part.get("Content-Transfer-Encoding"),
                # Binary parts (a PDF) as base64: their NUL bytes would not
                # survive a JSON string the tests read back.
                "data": (payload.decode("utf-8", "replace")
                         if part.get_content_maintype() == "text" else None),
                "data_base64": base64.b64encode(payload).decode("ascii")})
        elif ctype == "text/plain" and text is None:
            text = part.get_content().replace("\r\n", "\n")
        elif ctype == "text/html" and html is None:
            html = part.get_content().replace("\r\n", "\n")
    return alternative, text, html, attachments


def inspect(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    headers = {}
    for name in ("Subject", "Message-ID", "Date", "From", "To", "List-Unsubscribe",
                 "List-Unsubscribe-Post", "Auto-Submitted", "MIME-Version", "Content-Type"):
        value = msg.get(name)
        headers[name] = None if value is None else str(value)
    headers["Subject-Raw"] = raw_header(data, "Subject")
    headers["From-Raw"] = raw_header(data, "From")
    headers["To-Raw"] = raw_header(data, "To")
    alternative, text, html, attachments = walk_body(msg)

    checks = {}
    try:
        checks["date_parses"] = email.utils.parsedate_to_datetime(
            raw_header(data, "Date")).tzinfo is not None
    except (TypeError, ValueError):
        checks["date_parses"] = False
    checks["message_id"] = bool(MESSAGE_ID.match(headers["Message-ID"] or ""))
    raw_subject = headers["Subject-Raw"] or ""
    checks["subject_ascii"] = raw_subject.isascii()
    checks["encoded_words_short"] = all(
        len(w) <= 75 for w in ENCODED_WORD.findall(raw_subject + " " +
                                                    (headers["From-Raw"] or "") + " " +
                                                    (headers["To-Raw"] or "")))
    checks["headers_ascii"] = all(
        (v or "").isascii() for v in (headers["From-Raw"], headers["To-Raw"]))
    checks["mime_version"] = headers["MIME-Version"] == "1.0"
    checks["auto_submitted"] = headers["Auto-Submitted"] == "auto-generated"
    if alternative is not None:
        kinds = [p.get_content_type() for p in alternative.iter_parts()]
        charsets = [p.get_content_charset() for p in alternative.iter_parts()]
        checks["alternative_text_then_html"] = kinds == ["text/plain", "text/html"]
        checks["utf8_charsets"] = charsets == ["utf-8", "utf-8"]
    else:
        checks["alternative_text_then_html"] = html is None and text is not None
    checks["lines_998"] = all(len(line) <= 998 for line in data.split(b"\r\n"))
    checks["parse_clean"] = not any(p.defects for p in msg.walk())
    return {"headers": headers, "text": text, "html": html,
            "attachments": attachments}, checks


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        scripted = common.next_scripted(args.dir)
        if scripted and scripted.get("smtp"):
            if scripted.get("at") == "data":
                envelope.scripted_data = scripted["smtp"]
            else:
                return scripted["smtp"]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        scripted = getattr(envelope, "scripted_data", None)
        if scripted:
            return scripted
        data = envelope.original_content or envelope.content
        was_tls = server.transport.get_extra_info("ssl_object") is not None
        try:
            parsed, checks = inspect(data)
        except Exception as e:  # a message the email package cannot read
            parsed, checks = {"error": repr(e)}, {"parses": False}
        checks["was_tls"] = was_tls
        checks["authenticated"] = bool(session.authenticated)
        common.record(args.dir, {
            "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
            "was_tls": was_tls, "auth_user": session.auth_data, "size": len(data),
            **parsed, "checks": checks, "ok": all(checks.values()), "answered": 250})
        return "250 2.0.0 OK queued"


def main():
    # aiosmtpd logs deprecation chatter on every AUTH; the tests read the file.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler()

    def factory():
        if args.implicit_tls:
            # The whole connection is TLS already (checked again in
            # authenticate), so there is no STARTTLS to demand.
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return SMTP(handler, hostname="localhost", authenticator=authenticate,
                        auth_required=True, auth_require_tls=False, loop=loop)
        return SMTP(handler, hostname="localhost", authenticator=authenticate,
                    tls_context=None if args.no_starttls else ctx,
                    require_starttls=not args.no_starttls, auth_required=True,
                    auth_require_tls=True, loop=loop)

    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", 0, ssl=ctx if args.implicit_tls else None))
    common.write_port(args.dir, server.sockets[0].getsockname()[1])
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
