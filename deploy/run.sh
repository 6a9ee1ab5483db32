#!/usr/bin/env bash
# `make run`: migrate the embedded SQLite database, start breakgate against the local RabbitMQ,
# show a demo submission getting its ticket, then keep serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BG=.venv/bin/breakgate
export BREAKGATE_DATABASE_URL="${BREAKGATE_DATABASE_URL:-sqlite+aiosqlite:///./var/breakgate.db}"
mkdir -p var

if ! .venv/bin/python -c "from service.demo import require_broker; from service.config import Settings; require_broker(Settings().amqp_url)"; then
  exit 1
fi
"$BG" migrate
"$BG" serve 2> >(tee var/serve.log >&2) &
SERVE=$!
trap 'kill -TERM $SERVE 2>/dev/null; wait $SERVE 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 60); do
  grep -q "breakgate serving" var/serve.log 2>/dev/null && break
  kill -0 $SERVE 2>/dev/null || { echo "breakgate serve stopped; see var/serve.log" >&2; exit 1; }
  sleep 0.5
done
"$BG" demo
echo "breakgate is serving (metrics: http://127.0.0.1:${BREAKGATE_HTTP_PORT:-9464}/metrics); Ctrl-C to stop." >&2
wait $SERVE
