"""service.provisioning: rabbitmqctl for real, the management API against a local stand-in."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import aio_pika
import aiormq
import pytest
from support_amqp import TestBroker

from service import provisioning
from service.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _fresh_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provisioning, "_chosen", {})


async def test_provision_again_replaces_the_password(broker: TestBroker) -> None:
    user = f"{broker.prefix}_carol"
    first = provisioning.provision_sender(user, vhost=broker.vhost, settings=broker.settings)
    try:
        assert first.backend == "rabbitmqctl" and len(first.password) >= 24
        second = provisioning.provision_sender(user, "n3w-Secret", vhost=broker.vhost,
                                               settings=broker.settings)
        assert second.password == "n3w-Secret"
        connection = await aio_pika.connect(broker.user_url(user, "n3w-Secret"))
        await connection.close()
        with pytest.raises((aiormq.exceptions.ProbableAuthenticationError,
                            aio_pika.exceptions.AMQPConnectionError)):
            await aio_pika.connect(broker.user_url(user, first.password))
    finally:
        provisioning.delete_sender(user, settings=broker.settings)
    provisioning.delete_sender(user, settings=broker.settings)  # idempotent


def test_neither_backend_available_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provisioning.shutil, "which", lambda name: None)
    settings = Settings(management_url="http://127.0.0.1:9/", amqp_url="amqp://u:p@127.0.0.1/")
    with pytest.raises(provisioning.ProvisioningUnavailable) as caught:
        provisioning.provision_sender("acme", vhost="/", settings=settings)
    message = str(caught.value)
    assert "rabbitmqctl" in message and "management API" in message
    assert "http://127.0.0.1:9/" in message


class _Recorder(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, str, str, object]]] = []

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.calls.append((self.command, self.path, self.headers["Authorization"], body))
        if self.path == "/api/whoami":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"name":"admin"}')
            return
        status = 404 if self.command == "DELETE" and "missing" in self.path else 201
        self.send_response(status)
        self.end_headers()

    do_GET = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def management() -> Iterator[str]:
    _Recorder.calls = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://admin:s3cret@127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_management_api_backend(monkeypatch: pytest.MonkeyPatch, management: str) -> None:
    monkeypatch.setattr(provisioning.shutil, "which", lambda name: None)
    settings = Settings(management_url=management)
    done = provisioning.provision_sender("acme-1", "pw", vhost="/", settings=settings)
    assert done.backend == "management-api"
    auth = "Basic " + base64.b64encode(b"admin:s3cret").decode()
    assert _Recorder.calls[1:] == [
        ("PUT", "/api/users/acme-1", auth, {"password": "pw", "tags": ""}),
        ("PUT", "/api/permissions/%2F/acme-1", auth, {
            "configure": "^$", "write": r"^breakgate\.in\.acme\-1$",
            "read": r"^breakgate\.replies\.acme\-1$",
        }),
    ]
    _Recorder.calls = []
    provisioning.provision_sender("rva", "pw", vhost="v", authority=True, settings=settings)
    assert _Recorder.calls[-1][3] == {
        "configure": "^$", "write": r"^breakgate\.authority$",
        "read": r"^breakgate\.authority\.out\.rva$",
    }
    provisioning.delete_sender("missing", settings=settings)  # 404 is fine
    provisioning.create_vhost("breakgate-x", settings=settings)
    provisioning.delete_vhost("breakgate-x", settings=settings)
    assert [c[:2] for c in _Recorder.calls[-3:]] == [
        ("DELETE", "/api/users/missing"), ("PUT", "/api/vhosts/breakgate-x"),
        ("DELETE", "/api/vhosts/breakgate-x"),
    ]
