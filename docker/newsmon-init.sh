#!/usr/bin/env bash
# One-shot set-up run by the `newsmon-init` service once Elasticsearch and Kibana are healthy:
# index templates + indices, then the Kibana saved objects (data views, searches, dashboard).
# Both steps are idempotent, so `docker compose up` may run it any number of times.
set -euo pipefail
echo "[newsmon-init] creating index templates on ${ELASTICSEARCH_URL}"
python -m pipeline init
echo "[newsmon-init] importing Kibana saved objects into ${KIBANA_URL}"
python -m pipeline kibana import --url "${KIBANA_URL}"
echo "[newsmon-init] done"
