"""Real local servers for the notification tests: an SMTP server (aiosmtpd) that keeps what it
receives, parsed, and an HTTP server standing in for the WeChat Work / DingTalk robots, which can
be told to fail a number of times before it recovers."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    """aiosmtpd handler: every accepted message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: list[tuple[str, int]] = []  # the client address of each message: one per connection

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 — aiosmtpd's hook name
        self.peers.append(tuple(session.peer[:2]))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    """An SMTP server on 127.0.0.1 for the block (`with SmtpServer() as smtp:`)."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    @property
    def connections(self) -> int:
        """How many client connections delivered messages."""
        return len(set(self.inbox.peers))


@dataclass
class Post:
    """One request a robot received."""

    path: str
    query: dict[str, str]
    body: dict


@dataclass
class RobotState:
    fail_next: int = 0  # answer this many requests with HTTP 500 first
    errcode_next: int = 0  # then this many with HTTP 200 and errcode 310000 (DingTalk's "sign mismatch")
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RobotServer:
    """An HTTP server for the block that answers like a group robot (errcode 0)."""

    def __init__(self) -> None:
        self.state = RobotState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                with state.lock:
                    if state.fail_next > 0:
                        state.fail_next -= 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    state.posts.append(Post(parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), json.loads(raw)))
                    if state.errcode_next > 0:
                        state.errcode_next -= 1
                        state.posts.pop()
                        answer = {"errcode": 310000, "errmsg": "sign not match"}
                    else:
                        answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RobotServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def posts(self) -> list[Post]:
        return self.state.posts
