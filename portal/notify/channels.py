"""The ways a message leaves the portal: e-mail over SMTP, and the group robots of WeChat Work
(企业微信) and DingTalk (钉钉). Each raises ChannelError with a readable reason when delivery fails;
the sender keeps that reason on the message."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from portal.core.settings import Settings

WEBHOOK_TIMEOUT = 10.0
WECOM, DINGTALK = "wecom", "dingtalk"
ROBOTS = (WECOM, DINGTALK)
MAX_ROBOT_TEXT = 1800  # both robots refuse long texts (WeChat Work: 2048 bytes of markdown; text is safer)


class ChannelError(Exception):
    """Delivery failed; str(exc) says why (kept on the message, shown on the settings page)."""


def smtp_configured(settings: Settings) -> bool:
    """Whether e-mail can go out (a host is set)."""
    return bool(settings.smtp_host)


def build_email(settings: Settings, *, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message; the subject and names are RFC 2047-encoded by the policy."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from or settings.smtp_user
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="xianyong.portal")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


class Mailer:
    """One SMTP connection for a sender's run: opened at the first e-mail, reused for the next ones
    (a batch of 50 is one connection, not 50 handshakes and logins), opened again after a failure.
    Use it as a context manager so the connection is closed (QUIT) at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        st = self.settings
        if st.smtp_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(st.smtp_host, st.smtp_port, timeout=st.smtp_timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=st.smtp_timeout)
        try:
            if st.smtp_starttls and not st.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
            if st.smtp_user:
                client.login(st.smtp_user, st.smtp_password)
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        """Send one e-mail (raises ChannelError). A connection the server dropped since the last
        e-mail is opened again once; any other failure closes it, and the next e-mail opens a new one."""
        st = self.settings
        if not smtp_configured(st):
            raise ChannelError("SMTP not configured (PORTAL_SMTP_HOST)")
        if not (st.smtp_from or st.smtp_user):
            raise ChannelError("no sender address (PORTAL_SMTP_FROM)")
        msg = build_email(st, to=to, subject=subject, text=text, html=html)
        try:
            reused = self._client is not None
            if self._client is None:
                self._client = self._connect()
            try:
                self._client.send_message(msg)
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                self.close()  # idle too long for the server: one fresh connection, then give up
                self._client = self._connect()
                self._client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:  # this address only: the connection stays good
            raise ChannelError(f"SMTP {st.smtp_host}:{st.smtp_port}: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ChannelError(f"SMTP {st.smtp_host}:{st.smtp_port}: {exc}") from exc


def send_email(settings: Settings, *, to: str, subject: str, text: str, html: str) -> None:
    """Send one e-mail on its own connection (the settings page's test message)."""
    with Mailer(settings) as mailer:
        mailer.send(to=to, subject=subject, text=text, html=html)


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """DingTalk's signed robot URL: timestamp (ms) and sign = Base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")), URL-encoded, appended to the webhook address."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def robot_text(subject: str, text: str) -> str:
    """What a group robot posts: the subject, then the body, cut to what the robots accept."""
    body = f"{subject}\n{text}"
    return body if len(body) <= MAX_ROBOT_TEXT else body[: MAX_ROBOT_TEXT - 1] + "…"


def post_robot(robot: str, url: str, *, subject: str, text: str, secret: str = "") -> None:
    """Post a plain-text message to a WeChat Work or DingTalk group robot (plain text: user text
    in a record never becomes a live link or markup in the group)."""
    if not url:
        raise ChannelError(f"{robot}: no webhook URL")
    target = dingtalk_signed_url(url, secret) if robot == DINGTALK and secret else url
    payload = json.dumps({"msgtype": "text", "text": {"content": robot_text(subject, text)}},
                         ensure_ascii=False).encode()
    request = urllib.request.Request(target, data=payload, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 — admin-set URL
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"{robot}: HTTP {exc.code} {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise ChannelError(f"{robot}: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ChannelError(f"{robot}: not a robot's answer: {raw[:100]!r}") from exc
    if answer.get("errcode", 0) != 0:  # both robots answer 200 with errcode/errmsg
        raise ChannelError(f"{robot}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip())
