#!/usr/bin/env bash
# One-shot set-up run by the `newsmon-init` service once Elasticsearch is healthy and es-setup
# has created the `newsmon` user: index templates and the non-monthly indices, as `newsmon`.
# Idempotent, so `docker compose up` may run it any number of times. It never waits for Kibana:
# the saved objects are the `kibana-import` service's job, which nothing else waits for.
set -euo pipefail
echo "[newsmon-init] creating index templates on ${ELASTICSEARCH_URL} as ${ELASTICSEARCH_USERNAME:-?}"
python -m pipeline init
echo "[newsmon-init] done"
