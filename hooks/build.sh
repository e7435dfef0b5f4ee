#!/usr/bin/env sh
# ASK CLI custom build flow: `ask deploy` runs hooks/build.sh "<zip file to create>" <debug> (from a copy of
# code.default.src under .ask/) and ships the zip this writes. It always rebuilds from lambda/*.ts, so `ask deploy`
# never ships a stale or missing bundle, and it installs the build tools itself on a fresh clone.
set -eu
zip_file="$1"
case "$zip_file" in /*) ;; *) zip_file="$PWD/$zip_file" ;; esac  # the CLI runs us from its build folder
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -d node_modules ]; then
  echo "hooks/build.sh: node_modules is missing, running npm ci first" >&2
  npm ci --no-audit --no-fund
fi
# The build writes a reproducible zip (scripts/zip.ts): same code, same bytes, same deploy hash.
npm run --silent build -- --zip "$zip_file"
