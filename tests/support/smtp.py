"""The one SMTP inbox of the tests and benchmarks: a real SMTP server (aiosmtpd) on 127.0.0.1.

``SmtpServer(port)`` can be created and started late (to simulate an outage); its ``inbox``
keeps every message it accepts with its envelope recipients, and calls ``on_message`` (if
given) as each arrives, for callers that time deliveries.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self, on_message: Callable[[EmailMessage], None] | None = None) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.on_message = on_message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)  # the default policy builds EmailMessage
        self.received.append((list(envelope.rcpt_tos), message))
        if self.on_message is not None:
            self.on_message(message)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        return [m for _, m in self.received]


class SmtpServer:
    """A real SMTP server on 127.0.0.1:``port`` (a free one by default) that can start late."""

    def __init__(
        self, port: int | None = None, on_message: Callable[[EmailMessage], None] | None = None
    ) -> None:
        self.port = port if port is not None else free_port()
        self.inbox = Inbox(on_message)
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
