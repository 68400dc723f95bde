#!/usr/bin/env bash
# Writes a .env for docker compose from .env.example with every secret generated: a variable
# left empty in .env.example under a "# generate: COMMAND" comment gets COMMAND's output
# (openssl rand ...); every other line is copied as it is. The file is created 0600 and an
# existing one is never overwritten.
#   docker/generate-env.sh [OUT]     (default: .env next to .env.example)
# The values go from the commands' output straight into the file; none is passed as an
# argument to another command.
set -euo pipefail
umask 077

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example=$root/.env.example
out=${1:-$root/.env}
if [[ -e $out ]]; then
  echo "[generate-env] $out exists; not overwriting it (move it away first)" >&2
  exit 1
fi

generated=()
command=""
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line =~ ^#\ generate:\ (.+)$ ]]; then
    command=${BASH_REMATCH[1]}
  elif [[ -n $command && $line =~ ^([A-Z_][A-Z0-9_]*)=$ ]]; then
    name=${BASH_REMATCH[1]}
    if ! value=$(bash -c "$command") || [[ -z $value ]]; then
      echo "[generate-env] $name: '$command' failed or printed nothing" >&2
      exit 1
    fi
    line="$name=$value"
    generated+=("$name")
    command=""
  elif [[ ! $line =~ ^# ]]; then
    command=""
  fi
  printf '%s\n' "$line" >>"$tmp"
done <"$example"
mv "$tmp" "$out"
trap - EXIT
echo "[generate-env] wrote $out (mode 600) with ${#generated[@]} generated secrets: ${generated[*]}"
