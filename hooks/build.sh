#!/usr/bin/env sh
# ASK CLI custom build flow: `ask deploy` runs hooks/build.sh "<zip file to create>" <debug> instead of zipping
# code.default.src as it finds it. Rebuilding here means `ask deploy` can never ship a stale or missing bundle,
# even when someone forgets `npm run build`.
set -eu
zip_file="$1"
case "$zip_file" in /*) ;; *) zip_file="$PWD/$zip_file" ;; esac  # the CLI runs us from its build folder
command -v zip >/dev/null || { echo "hooks/build.sh needs the 'zip' command" >&2; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$root" && npm run --silent build)
rm -f "$zip_file"
(cd "$root/dist/lambda" && zip -qrX "$zip_file" .)
