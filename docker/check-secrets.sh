#!/usr/bin/env bash
# One-shot, run by the `secrets-check` service before Elasticsearch and Postgres start (both keep
# their first password for good): every secret from .env must be set, be no placeholder, be long
# enough, and differ from the others. Prints one line per problem, naming the variable and the
# rule (never the value), and exits 1 if there is any; prints "ok" and exits 0 otherwise.
#   check-secrets.sh [NAME...]     (default: every secret docker-compose.yml uses)
# Rules (docker/generate-env.sh makes values that pass):
#   *_PASSWORD              16+ characters, only A-Z a-z 0-9 - _ (they are embedded in JSON
#                           connection strings and a database URL)
#   AIRFLOW_JWT_SECRET      64+ bytes (an HMAC-SHA512 key), no whitespace
#   AIRFLOW_FERNET_KEY      a Fernet key: 32 bytes in URL-safe base64 (43 characters and "=")
#   KIBANA_ENCRYPTION_KEY   32+ characters, no whitespace
#   SMTP_PASSWORD           optional (your mail server's); when set, no " \ or control character
#   all                     no "change-me"-style placeholder
# Only bash builtins look at the values, so nothing secret reaches a command line.
set -uo pipefail
export LC_ALL=C # ${#value} counts bytes

SECRETS=(ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD KIBANA_ENCRYPTION_KEY NEWSMON_ES_PASSWORD
  NEWSMON_KIBANA_PASSWORD POSTGRES_PASSWORD AIRFLOW_ADMIN_PASSWORD AIRFLOW_FERNET_KEY
  AIRFLOW_JWT_SECRET SMTP_PASSWORD)
OPTIONAL=" SMTP_PASSWORD "
PLACEHOLDER='change[-_. ]?me|changeit|placeholder'
JSON_UNSAFE='["\\[:cntrl:]]'
(($# > 0)) && SECRETS=("$@")

problems=0
seen_names=()
seen_values=()
fail() {
  echo "[secrets-check] $1: $2" >&2
  problems=$((problems + 1))
}

for name in "${SECRETS[@]}"; do
  if [[ ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    fail "$name" "not a variable name"
    continue
  fi
  value=${!name-}
  if [[ -z $value ]]; then
    [[ $OPTIONAL == *" $name "* ]] || fail "$name" "not set (see .env.example)"
    continue
  fi
  lower=${value,,}
  if [[ $lower =~ $PLACEHOLDER ]]; then
    fail "$name" "is a placeholder; generate a value (docker/generate-env.sh)"
    continue
  fi
  case $name in
    AIRFLOW_JWT_SECRET)
      ((${#value} >= 64)) || fail "$name" "${#value} bytes; HMAC-SHA512 needs 64+ (openssl rand -hex 64)"
      [[ $value =~ [[:space:]] ]] && fail "$name" "contains whitespace"
      ;;
    AIRFLOW_FERNET_KEY)
      [[ $value =~ ^[A-Za-z0-9_-]{43}=$ ]] ||
        fail "$name" "not a Fernet key (32 bytes, URL-safe base64; see .env.example)"
      ;;
    KIBANA_ENCRYPTION_KEY)
      ((${#value} >= 32)) || fail "$name" "${#value} characters; Kibana needs 32+"
      [[ $value =~ [[:space:]] ]] && fail "$name" "contains whitespace"
      ;;
    SMTP_PASSWORD)
      [[ $value =~ $JSON_UNSAFE ]] && fail "$name" 'contains " or \ or a control character'
      ;;
    *_PASSWORD)
      if ((${#value} < 16)); then
        fail "$name" "${#value} characters; use 16+ (openssl rand -hex 24)"
      elif [[ ! $value =~ ^[A-Za-z0-9_-]+$ ]]; then
        fail "$name" "use only letters, digits, - and _"
      fi
      ;;
  esac
  for i in "${!seen_values[@]}"; do
    [[ ${seen_values[i]} == "$value" ]] && fail "$name" "same value as ${seen_names[i]}; every secret must differ"
  done
  seen_names+=("$name")
  seen_values+=("$value")
done

if ((problems > 0)); then
  echo "[secrets-check] $problems problem(s): fix .env, then docker compose up again" >&2
  exit 1
fi
echo "[secrets-check] ok"
