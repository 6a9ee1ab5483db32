"""SQLAlchemy implementations of the repository ports, bound to one `AsyncConnection`."""

from service.db.repositories._sql import Clock, utc_now
from service.db.repositories.messaging import (
    SqlInboxRepository,
    SqlOutboxRepository,
    SqlTicketCounter,
)
from service.db.repositories.registry import (
    SqlEmployerRepository,
    SqlMandateRepository,
    SqlPersonnelRepository,
)
from service.db.repositories.requests import SqlRequestRepository
from service.db.repositories.workflow import SqlAttachmentRepository, SqlNotificationRepository

__all__ = [
    "Clock",
    "SqlAttachmentRepository",
    "SqlEmployerRepository",
    "SqlInboxRepository",
    "SqlMandateRepository",
    "SqlNotificationRepository",
    "SqlOutboxRepository",
    "SqlPersonnelRepository",
    "SqlRequestRepository",
    "SqlTicketCounter",
    "utc_now",
]
