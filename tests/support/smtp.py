"""A real SMTP server on loopback (aiosmtpd) that a test can stop and start again."""

from __future__ import annotations

import threading
import time
from email import message_from_bytes
from email.message import Message
from email.policy import default

from aiosmtpd.controller import Controller

from tests.support.live_server import free_port


class SmtpServer:
    """What the server received, each message parsed with its envelope recipients."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay
        self._lock = threading.Lock()
        self._received: list[tuple[list[str], Message]] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            time.sleep(self.delay)  # a slow server keeps two workers' sends overlapping
        message = message_from_bytes(envelope.content, policy=default)
        with self._lock:
            self._received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    @property
    def received(self) -> list[tuple[list[str], Message]]:
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[Message]:
        return [message for _, message in self.received]

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]

    def to(self, address: str) -> list[Message]:
        return [message for rcpt, message in self.received if address in rcpt]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def start(self) -> None:
        """Start answering on the port (it refuses connections until then)."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, subject: str, timeout: float = 60) -> list[str]:
        """Wait until a message with this subject arrives; return every subject received."""
        deadline = time.monotonic() + timeout
        while subject not in self.subjects() and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.subjects()
