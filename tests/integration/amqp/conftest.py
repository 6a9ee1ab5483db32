"""Fixtures for the AMQP integration tests: one vhost per session on the real RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection
from support_amqp import Creds, TestBroker, Users, broker_session, provision

from consumers.topology import (
    AUTHORITY_QUEUE,
    BULK_QUEUE,
    DEAD_QUEUE,
    REQUESTS_QUEUE,
    authority_out_queue,
    declare_authority,
    declare_core,
    declare_sender,
    reply_queue,
)
from service.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def broker() -> Iterator[TestBroker]:
    yield from broker_session()


@pytest.fixture(scope="session")
def users(broker: TestBroker) -> Users:
    return Users(
        alice=Creds(*provision(broker, "alice")),
        bob=Creds(*provision(broker, "bob")),
        authority=Creds(*provision(broker, "authority", authority=True)),
    )


@pytest.fixture
def settings(broker: TestBroker, users: Users) -> Settings:
    return Settings(
        amqp_url=broker.url,
        prefetch=512,
        max_batch=256,
        delivery_limit=5,
        max_attempts=3,
        transient_backoff_initial_seconds=0.05,
        transient_backoff_max_seconds=0.2,
        publish_confirm_timeout_seconds=10.0,
        shutdown_grace_seconds=5.0,
        authority_user=users.authority.user,
    )


@pytest.fixture
async def admin(broker: TestBroker) -> AsyncIterator[AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(broker.url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def topology(
    admin: AbstractRobustConnection, settings: Settings, users: Users
) -> AsyncIterator[None]:
    """The full topology for alice, bob and the authority, with every queue emptied."""
    channel = await admin.channel()
    await declare_core(channel, settings)
    await declare_sender(channel, users.alice.user)
    await declare_sender(channel, users.bob.user)
    await declare_authority(channel, users.authority.user)
    for name in (
        REQUESTS_QUEUE, BULK_QUEUE, AUTHORITY_QUEUE, DEAD_QUEUE,
        reply_queue(users.alice.user), reply_queue(users.bob.user),
        authority_out_queue(users.authority.user),
    ):
        queue = await channel.declare_queue(name, passive=True)
        await queue.purge()
    await channel.close()
    yield
