"""RabbitMQ users and permissions for senders and the authority (CONTRACT.md sections 1 and 6).

Two backends behind one set of functions: `rabbitmqctl` (when it is on PATH and reaches the
node; needs the Erlang cookie, so usually root on the broker machine) or the management HTTP
API (`settings.management_url`, credentials from that URL or else from `settings.amqp_url`).
Whichever answers first is used; when neither does, `ProvisioningUnavailable` names both.

Permissions (regexes over resource names):
  sender:    configure `^$`, write `^breakgate\\.in\\.<user>$`,
             read `^breakgate\\.replies\\.<user>$`
  authority: configure `^$`, write `^breakgate\\.authority$`,
             read `^breakgate\\.authority\\.out\\.<user>$`
The exchanges and queues themselves are declared by the service (consumers.topology).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from service.config import Settings

USER_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CTL_TIMEOUT: Final = 60.0
_HTTP_TIMEOUT: Final = 15.0

Backend = Literal["rabbitmqctl", "management-api"]


class ProvisioningError(Exception):
    """The broker refused a provisioning step (unknown vhost, bad name, ...)."""


class ProvisioningUnavailable(ProvisioningError):
    """Neither rabbitmqctl nor the management API could be used."""


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str


@dataclass(frozen=True)
class Provisioned:
    user: str
    password: str
    vhost: str
    authority: bool
    permissions: Permissions
    backend: Backend


def sender_permissions(user: str) -> Permissions:
    u = re.escape(_check_user(user))
    return Permissions(
        configure="^$", write=rf"^breakgate\.in\.{u}$", read=rf"^breakgate\.replies\.{u}$"
    )


def authority_permissions(user: str) -> Permissions:
    u = re.escape(_check_user(user))
    return Permissions(
        configure="^$", write=r"^breakgate\.authority$", read=rf"^breakgate\.authority\.out\.{u}$"
    )


def _check_user(user: str) -> str:
    # No dot: `breakgate.replies.<user>.<suffix>` is an accepted reply_to (CONTRACT.md), so a
    # user "a" must never be able to name the queue of a user "a.b".
    if not USER_PATTERN.match(user):
        raise ValueError(f"user name must match {USER_PATTERN.pattern}: {user!r}")
    return user


# ---- backends ---------------------------------------------------------------------------------


class _Backend(Protocol):
    name: Backend

    def put_user(self, user: str, password: str) -> None: ...
    def set_permissions(self, vhost: str, user: str, perms: Permissions) -> None: ...
    def delete_user(self, user: str) -> None: ...
    def add_vhost(self, vhost: str) -> None: ...
    def delete_vhost(self, vhost: str) -> None: ...


class _Ctl:
    name: Backend = "rabbitmqctl"

    def __init__(self, executable: str) -> None:
        self._exe = executable

    def _run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self._exe, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_CTL_TIMEOUT,
            check=False,
        )

    def _ok(self, *args: str, stdin: str | None = None, tolerate: str | None = None) -> None:
        done = self._run(*args, stdin=stdin)
        if done.returncode == 0:
            return
        out = f"{done.stdout}\n{done.stderr}"
        if tolerate is not None and tolerate in out:
            return
        raise ProvisioningError(f"rabbitmqctl {args[0]} failed ({done.returncode}): {out.strip()}")

    def works(self) -> bool:
        try:
            return self._run("-q", "list_vhosts").returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    def put_user(self, user: str, password: str) -> None:
        # The password goes through stdin, never argv (visible in `ps`).
        done = self._run("add_user", user, stdin=password)
        if done.returncode == 0:
            return
        if "already exists" in f"{done.stdout}{done.stderr}":
            self._ok("change_password", user, stdin=password)
            return
        detail = (done.stdout + done.stderr).strip()
        raise ProvisioningError(f"rabbitmqctl add_user failed: {detail}")

    def set_permissions(self, vhost: str, user: str, perms: Permissions) -> None:
        self._ok("set_permissions", "-p", vhost, user, perms.configure, perms.write, perms.read)

    def delete_user(self, user: str) -> None:
        self._ok("delete_user", user, tolerate="does not exist")

    def add_vhost(self, vhost: str) -> None:
        self._ok("add_vhost", vhost, tolerate="already exists")

    def delete_vhost(self, vhost: str) -> None:
        self._ok("delete_vhost", vhost, tolerate="does not exist")


class _Http:
    name: Backend = "management-api"

    def __init__(self, management_url: str, amqp_url: str) -> None:
        parts = urllib.parse.urlsplit(management_url)
        creds = urllib.parse.urlsplit(amqp_url)
        user = parts.username or creds.username or "guest"
        password = parts.password or creds.password or "guest"
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        path = parts.path.rstrip("/")
        self._base = f"{parts.scheme or 'http'}://{host}{port}{path}/api"
        token = base64.b64encode(
            f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
        )
        self._auth = f"Basic {token.decode()}"

    def _call(self, method: str, path: str, body: object | None = None) -> int:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self._base + path,
            data=data,
            method=method,
            headers={"Authorization": self._auth, "content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            if method == "DELETE" and err.code == 404:
                return 404
            detail = err.read().decode(errors="replace")
            raise ProvisioningError(f"management API {method} {path}: {err.code} {detail}") from err

    def works(self) -> bool:
        try:
            return self._call("GET", "/whoami") == 200
        except (ProvisioningError, OSError, ValueError):
            return False

    @staticmethod
    def _q(name: str) -> str:
        return urllib.parse.quote(name, safe="")

    def put_user(self, user: str, password: str) -> None:
        self._call("PUT", f"/users/{self._q(user)}", {"password": password, "tags": ""})

    def set_permissions(self, vhost: str, user: str, perms: Permissions) -> None:
        self._call(
            "PUT",
            f"/permissions/{self._q(vhost)}/{self._q(user)}",
            {"configure": perms.configure, "write": perms.write, "read": perms.read},
        )

    def delete_user(self, user: str) -> None:
        self._call("DELETE", f"/users/{self._q(user)}")

    def add_vhost(self, vhost: str) -> None:
        self._call("PUT", f"/vhosts/{self._q(vhost)}")

    def delete_vhost(self, vhost: str) -> None:
        self._call("DELETE", f"/vhosts/{self._q(vhost)}")


_chosen: dict[tuple[str, str], _Backend] = {}


def _backend(settings: Settings | None) -> _Backend:
    """The first backend that works; remembered per (management_url, amqp_url) once it has
    answered, since each rabbitmqctl probe starts an Erlang VM (about a second)."""
    settings = settings if settings is not None else Settings()
    key = (settings.management_url, settings.amqp_url)
    if key in _chosen:
        return _chosen[key]
    chosen = _probe(settings)
    _chosen[key] = chosen
    return chosen


def _probe(settings: Settings) -> _Backend:
    exe = shutil.which("rabbitmqctl")
    ctl_reason = "not on PATH"
    if exe is not None:
        ctl = _Ctl(exe)
        if ctl.works():
            return ctl
        ctl_reason = f"{exe} could not reach the node (Erlang cookie? node down?)"
    http = _Http(settings.management_url, settings.amqp_url)
    if http.works():
        return http
    raise ProvisioningUnavailable(
        "cannot provision RabbitMQ users: rabbitmqctl "
        f"{ctl_reason}; management API at {settings.management_url} unreachable or refused "
        "(is the rabbitmq_management plugin enabled and are the credentials an administrator's?)"
    )


# ---- public API -------------------------------------------------------------------------------


def provision_sender(
    user: str,
    password: str | None = None,
    *,
    vhost: str = "/",
    authority: bool = False,
    settings: Settings | None = None,
) -> Provisioned:
    """Create (or update) the RabbitMQ user and its permissions. Idempotent; a given password
    replaces the old one, else a new one is generated (`secrets.token_urlsafe(18)`)."""
    perms = authority_permissions(user) if authority else sender_permissions(user)
    secret = password if password else secrets.token_urlsafe(18)
    backend = _backend(settings)
    backend.put_user(user, secret)
    backend.set_permissions(vhost, user, perms)
    return Provisioned(user, secret, vhost, authority, perms, backend.name)


def delete_sender(user: str, *, settings: Settings | None = None) -> None:
    _backend(settings).delete_user(_check_user(user))


def create_vhost(vhost: str, *, grant: str | None = None, settings: Settings | None = None) -> None:
    """Create a vhost; with `grant`, give that (admin) user full permissions on it."""
    backend = _backend(settings)
    backend.add_vhost(vhost)
    if grant is not None:
        backend.set_permissions(vhost, grant, Permissions(".*", ".*", ".*"))


def delete_vhost(vhost: str, *, settings: Settings | None = None) -> None:
    _backend(settings).delete_vhost(vhost)
