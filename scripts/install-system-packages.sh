#!/usr/bin/env bash
# System packages the tests need from Debian: chromium, driven by playwright-core in the web UI
# test (no browser is ever downloaded by Playwright). Idempotent and quiet when all is present.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "==> Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
