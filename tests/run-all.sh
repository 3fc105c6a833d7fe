#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then checks formatting and lints, then
# runs every test. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites need: the Hunspell dictionaries the spelling rule reads, Chromium for the report's
# browser tests (with a font; poppler-utils reads the printed PDF back), dovecot and postfix for the campaign tests (each test starts its own instances on
# loopback ports, tests/mail/servers.sh). The crawl tests need none: they serve their fixture shops with cxaudit's
# own loopback server.
packages=(hunspell-fr hunspell-en-us hunspell-en-gb chromium fonts-dejavu-core poppler-utils dovecot-imapd dovecot-lmtpd postfix openssl)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  # postfix asks how to configure the system's mail: not at all, the tests bring their own configuration.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# The browser and mail-server tests must run here, not skip.
CXAUDIT_REQUIRE_BROWSER=1 CXAUDIT_REQUIRE_MAIL=1 cargo test
