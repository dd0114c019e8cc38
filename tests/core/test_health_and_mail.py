"""/healthz, and outbound mail through the outbox and a real SMTP conversation."""

from __future__ import annotations

import socketserver
import threading
from pathlib import Path

from portal.core.mail import Outbox


async def test_healthz_reports_database_kind(client) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["database"] in ("sqlite", "postgres")
    from portal.core.health import migrations_on_disk

    assert body["migrations"]["latest"] == migrations_on_disk()[-1]
    assert migrations_on_disk()[:2] == ["0001_initial", "0002_audit_append_only"]


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (RFC 5321 happy path)."""

    received: list[bytes] = []

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        data_mode, lines = False, []
        while line := self.rfile.readline():
            if data_mode:
                if line == b".\r\n":
                    _SMTPHandler.received.append(b"".join(lines))
                    data_mode = False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO" or verb == b"HELO":
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_outbox_message_is_delivered_by_smtp(tmp_path: Path) -> None:
    server = socketserver.TCPServer(("127.0.0.1", 0), _SMTPHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        outbox = Outbox(tmp_path, "Warga <no-reply@warga.local>")
        name = outbox.write("siti@example.id", "Konfirmasi", "Halo Siti")
        assert outbox.read(name) is not None and outbox.read(name).subject == "Konfirmasi"  # type: ignore[union-attr]
        outbox.send_smtp(name, f"smtp://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert any(b"Halo Siti" in m and b"siti@example.id" in m for m in _SMTPHandler.received)


async def test_mailer_enqueues_smtp_job_only_when_configured(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from portal.core.mail import Mailer
    from portal.core.models import Job

    outbox = Outbox(tmp_path, "x@y.z")
    await Mailer(outbox).send("a@example.id", "S", "B")
    assert await Job.all().count() == 0
    name = await Mailer(outbox, "smtp://127.0.0.1:2525").send("a@example.id", "S", "B")
    job = await Job.get(kind="mail.smtp")
    assert name in job.payload
