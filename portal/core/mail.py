"""Outgoing mail through an outbox.

Every message is first written as an .eml file under data/outbox/ (admins read them in the UI;
in the embedded default that *is* the delivery). With WARGA_SMTP_URL set, a background job
sends each message by SMTP and retries with back-off.
"""

from __future__ import annotations

import email.policy
import email.utils
import secrets
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from portal.core.timeutil import utcnow

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient


@dataclass(frozen=True)
class OutboxItem:
    name: str
    to: str
    subject: str
    sent_at: datetime
    body: str


class Outbox:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def write(self, to: str, subject: str, body: str, headers: Mapping[str, str] | None = None) -> str:
        """Store the message durably and return its file name (`headers`: e.g. List-Unsubscribe)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(utcnow())
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(message.as_bytes(policy=email.policy.SMTP))
        tmp.rename(self.directory / name)
        return name

    def read(self, name: str) -> OutboxItem | None:
        path = self.directory / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return None
        message = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
        body_part = message.get_body(preferencelist=("plain",))
        return OutboxItem(
            name=name,
            to=str(message["To"]),
            subject=str(message["Subject"]),
            sent_at=email.utils.parsedate_to_datetime(str(message["Date"])),
            body=body_part.get_content() if body_part else "",
        )

    def latest(self, limit: int = 100, to: str = "") -> list[OutboxItem]:
        if not self.directory.exists():
            return []
        names = sorted((p.name for p in self.directory.glob("*.eml")), reverse=True)
        items = [item for n in names[: limit * 5] if (item := self.read(n))]
        if to:
            items = [i for i in items if to.lower() in i.to.lower()]
        return items[:limit]

    def send_smtp(self, name: str, smtp_url: str) -> None:
        """Deliver one stored message: smtp://user:pass@host:port or smtps://…"""
        url = urlsplit(smtp_url)
        raw = (self.directory / name).read_bytes()
        message = BytesParser(policy=email.policy.SMTP).parsebytes(raw)
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(url.hostname or "localhost", url.port or 0, timeout=30) as client:
            if url.scheme == "smtp+starttls":
                client.starttls()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)



class Mailer:
    """What services call: store the message, then hand it to SMTP in the background if set."""

    def __init__(self, outbox: Outbox, smtp_url: str = "") -> None:
        self.outbox = outbox
        self.smtp_url = smtp_url

    async def send(self, to: str, subject: str, body: str, *, headers: Mapping[str, str] | None = None,
                   conn: BaseDBAsyncClient | None = None) -> str:
        """`conn`: enqueue the SMTP job inside the caller's transaction."""
        from portal.core import jobs  # jobs imports the ORM; mail stays importable without it

        name = self.outbox.write(to, subject, body, headers)
        if self.smtp_url:
            await jobs.enqueue("mail.smtp", key=f"mail:{name}", payload={"name": name}, conn=conn)
        return name
