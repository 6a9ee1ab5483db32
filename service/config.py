"""The one typed Settings object (prefix BREAKGATE_), read only in entry points."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BREAKGATE_", env_file=None, extra="ignore")

    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    database_url: str = "sqlite+aiosqlite:///./var/breakgate.db"
    management_url: str = Field(
        default="http://localhost:15672/",
        description="RabbitMQ management API, used by `breakgate sender add` when enabled",
    )

    max_message_bytes: int = 8 * MIB
    max_bulk_bytes: int = 64 * MIB
    max_xml_depth: int = 64

    prefetch: int = 512
    max_batch: int = 256
    bulk_prefetch: int = 2
    bulk_batch: int = 256  # items per bulk-worker transaction at most
    bulk_batch_budget_ms: float = 40.0  # ... and about this long (interactive fairness)
    bulk_preload: bool = True  # batch look-ups per chunk of items (Transaction.preload)
    bulk_progress_seconds: float = 2.0  # a BulkProgress per file at most this often; 0: none
    delivery_limit: int = 5
    max_attempts: int = 5

    # Longer than a publish may take (confirm timeout, then the gathered 'sent' mark): a reply
    # still on its way must not be sent a second time by the relay (measured: a 5 s grace gave
    # 99 redundant replies out of 1,000 while the machine was loaded).
    relay_grace_seconds: float = 15.0
    relay_interval_seconds: float = 1.0
    publish_confirm_timeout_seconds: float = 10.0
    transient_backoff_initial_seconds: float = 0.5
    transient_backoff_max_seconds: float = 15.0
    shutdown_grace_seconds: float = 8.0

    http_port: int = 9464
    log_level: str = "INFO"
    log_json: bool = False
    authority_user: str = "authority"
    dead_letter_audit_path: str = Field(
        default="./var/dead-letters.jsonl",
        description="JSONL record of every `breakgate dead retry|discard` action",
    )
