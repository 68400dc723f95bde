#!/usr/bin/env bash
# One-shot: give Kibana's built-in `kibana_system` user the password from .env
# (Kibana may not log in as the `elastic` superuser). Retries until Elasticsearch accepts it.
set -euo pipefail
: "${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD in .env}"
: "${KIBANA_SYSTEM_PASSWORD:?set KIBANA_SYSTEM_PASSWORD in .env}"
body=$(printf '{"password":"%s"}' "$KIBANA_SYSTEM_PASSWORD")
for attempt in $(seq 1 60); do
  if curl -fsS -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' \
      -X POST http://elasticsearch:9200/_security/user/kibana_system/_password \
      -d "$body" >/dev/null; then
    echo "[es-setup] kibana_system password set"
    exit 0
  fi
  echo "[es-setup] Elasticsearch not ready (attempt $attempt); retrying in 5s"
  sleep 5
done
echo "[es-setup] giving up: could not set the kibana_system password" >&2
exit 1
