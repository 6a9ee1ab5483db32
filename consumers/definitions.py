"""The same topology as `consumers.topology` and the same permissions as
`service.provisioning`, as a RabbitMQ definitions document (`rabbitmqctl import_definitions`
or the management UI). `deploy/rabbitmq/definitions.example.json` is generated from it and a
test keeps the two equal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consumers.topology import (
    AUTHORITY_EXCHANGE,
    AUTHORITY_OUT_EXCHANGE,
    AUTHORITY_QUEUE,
    AUTHORITY_ROOTS,
    BULK_QUEUE,
    BULK_ROOT,
    DEAD_QUEUE,
    DLX_EXCHANGE,
    EVENTS_EXCHANGE,
    INTERACTIVE_ROOTS,
    REPLIES_EXCHANGE,
    REQUESTS_QUEUE,
    authority_out_queue,
    intake_queue_arguments,
    reply_queue,
    sender_exchange,
)
from service.config import Settings
from service.provisioning import authority_permissions, sender_permissions

QUORUM = {"x-queue-type": "quorum"}


def definitions(settings: Settings, senders: Sequence[str], authority: str,
                vhost: str = "/") -> dict[str, Any]:
    """Users get no password here: `breakgate sender add` sets it (shown once)."""
    exchanges = [_exchange(vhost, DLX_EXCHANGE, "fanout"), _exchange(vhost, REPLIES_EXCHANGE,
                 "direct"), _exchange(vhost, EVENTS_EXCHANGE, "topic"),
                 _exchange(vhost, AUTHORITY_OUT_EXCHANGE, "topic"),
                 _exchange(vhost, AUTHORITY_EXCHANGE, "topic")]
    intake = intake_queue_arguments(settings)
    queues = [_queue(vhost, DEAD_QUEUE, QUORUM), _queue(vhost, REQUESTS_QUEUE, intake),
              _queue(vhost, BULK_QUEUE, intake), _queue(vhost, AUTHORITY_QUEUE, intake),
              _queue(vhost, authority_out_queue(authority), QUORUM)]
    bindings = [_binding(vhost, DLX_EXCHANGE, DEAD_QUEUE, ""),
                _binding(vhost, AUTHORITY_OUT_EXCHANGE, authority_out_queue(authority), "#")]
    bindings += [_binding(vhost, AUTHORITY_EXCHANGE, AUTHORITY_QUEUE, r) for r in AUTHORITY_ROOTS]
    permissions = [_permission(vhost, authority, authority_permissions(authority))]
    for user in senders:
        exchanges.append(_exchange(vhost, sender_exchange(user), "topic"))
        queues.append(_queue(vhost, reply_queue(user), QUORUM))
        bindings += [_binding(vhost, sender_exchange(user), REQUESTS_QUEUE, root)
                     for root in INTERACTIVE_ROOTS]
        bindings.append(_binding(vhost, sender_exchange(user), BULK_QUEUE, BULK_ROOT))
        bindings.append(_binding(vhost, REPLIES_EXCHANGE, reply_queue(user), user))
        permissions.append(_permission(vhost, user, sender_permissions(user)))
    users = [{"name": name, "tags": []} for name in [authority, *senders]]
    return {"vhosts": [{"name": vhost}], "users": users, "permissions": permissions,
            "exchanges": exchanges, "queues": queues, "bindings": bindings}


def _exchange(vhost: str, name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "vhost": vhost, "type": kind, "durable": True, "auto_delete": False,
            "internal": False, "arguments": {}}


def _queue(vhost: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "vhost": vhost, "durable": True, "auto_delete": False,
            "arguments": dict(arguments)}


def _binding(vhost: str, source: str, queue: str, key: str) -> dict[str, Any]:
    return {"source": source, "vhost": vhost, "destination": queue, "destination_type": "queue",
            "routing_key": key, "arguments": {}}


def _permission(vhost: str, user: str, perms: Any) -> dict[str, Any]:
    return {"user": user, "vhost": vhost, "configure": perms.configure, "write": perms.write,
            "read": perms.read}
