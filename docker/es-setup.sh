#!/usr/bin/env bash
# One-shot, run by the `es-setup` service as `elastic` once Elasticsearch is healthy. Idempotent
# (every request is a create-or-replace POST), so `docker compose up` may run it again and again:
#   1. `kibana_system` (Kibana's own user) gets KIBANA_SYSTEM_PASSWORD;
#   2. role `newsmon_app`: cluster `monitor` (health) and `manage_index_templates`, and on the
#      indices and aliases `<NEWSMON_INDEX_PREFIX>-*` only: read, write, create_index,
#      delete_index (retention), view_index_metadata (exists, validate), maintenance (refresh);
#   3. user `newsmon` (NEWSMON_ES_PASSWORD) with that role: what newsmon and Airflow log in as;
#   4. user `newsmon_kibana` (NEWSMON_KIBANA_PASSWORD) with `kibana_admin`: only the
#      `kibana-import` job uses it, to import the saved objects.
# No password reaches a command line (`ps` shows every argument): curl reads the credentials
# and the request body from a config on its stdin (`-K -`), written by bash builtins.
# Each request is retried (ES_SETUP_ATTEMPTS times, ES_SETUP_DELAY seconds apart) while
# Elasticsearch is still starting; a request that keeps failing ends the job with exit 1.
set -euo pipefail

ES_URL=${ES_URL:-http://elasticsearch:9200}
ATTEMPTS=${ES_SETUP_ATTEMPTS:-60}
DELAY=${ES_SETUP_DELAY:-5}
ROLE=newsmon_app

for name in ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD NEWSMON_ES_PASSWORD NEWSMON_KIBANA_PASSWORD \
  NEWSMON_INDEX_PREFIX; do
  if [[ -z ${!name-} ]]; then
    echo "[es-setup] $name is not set (see .env.example)" >&2
    exit 1
  fi
done
prefix=$NEWSMON_INDEX_PREFIX
# Elasticsearch index names: lower case, no wildcard, no leading - _ +
if [[ ! $prefix =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then
  echo "[es-setup] NEWSMON_INDEX_PREFIX must be lower-case letters, digits, - and _" >&2
  exit 1
fi

quote() { # $1 in double quotes with \ and " escaped: a JSON string, and a curl config value
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

request() { # request DESCRIPTION METHOD PATH BODY: retried until Elasticsearch accepts it
  local what=$1 method=$2 path=$3 body=$4 attempt
  for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
    if {
      printf 'user = %s\n' "$(quote "elastic:${ELASTIC_PASSWORD}")"
      printf 'data = %s\n' "$(quote "$body")"
    } | curl -fsS -K - -X "$method" -H 'Content-Type: application/json' -o /dev/null \
      "${ES_URL}${path}"; then
      echo "[es-setup] $what"
      return 0
    fi
    if ((attempt < ATTEMPTS)); then
      echo "[es-setup] $what: not accepted yet (attempt $attempt of $ATTEMPTS); retrying in ${DELAY}s"
      sleep "$DELAY"
    fi
  done
  echo "[es-setup] giving up: $what failed $ATTEMPTS times" >&2
  exit 1
}

request "kibana_system password set" POST /_security/user/kibana_system/_password \
  "{\"password\":$(quote "$KIBANA_SYSTEM_PASSWORD")}"

request "role $ROLE limited to $prefix-*" POST "/_security/role/$ROLE" "$(
  printf '{"description":%s,' "$(quote "newsmon pipeline and Airflow DAGs: $prefix-* only")"
  printf '"cluster":["monitor","manage_index_templates"],'
  printf '"indices":[{"names":[%s],' "$(quote "$prefix-*")"
  printf '"privileges":["read","write","create_index","delete_index","view_index_metadata","maintenance"]}]}'
)"

request "user newsmon (role $ROLE)" POST /_security/user/newsmon \
  "{\"password\":$(quote "$NEWSMON_ES_PASSWORD"),\"roles\":[\"$ROLE\"],\"full_name\":\"newsmon\"}"

request "user newsmon_kibana (role kibana_admin)" POST /_security/user/newsmon_kibana \
  "{\"password\":$(quote "$NEWSMON_KIBANA_PASSWORD"),\"roles\":[\"kibana_admin\"],\"full_name\":\"newsmon Kibana import\"}"

echo "[es-setup] done"
