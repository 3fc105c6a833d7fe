#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then checks formatting and lints, then
# runs every test. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites need: the Hunspell dictionaries the spelling rule reads, Chromium for the report's
# browser tests (with a font; poppler-utils reads the printed PDF back), dovecot and postfix for the campaign tests (each test starts its own instances on
# loopback ports, tests/mail/servers.sh), postgresql for the store's tests on a team's server (one private cluster,
# below). The crawl tests need none: they serve their fixture shops with cxaudit's own loopback server.
packages=(hunspell-fr hunspell-en-us hunspell-en-gb chromium fonts-dejavu-core poppler-utils dovecot-imapd dovecot-lmtpd postfix openssl postgresql)
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

# A private PostgreSQL cluster on a free loopback port, every file in a temporary folder (tests/postgres/server.sh),
# stopped and removed however the tests end; each test makes a database of its own in it.
pg_port=55432
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
PG_ROOT=$(mktemp -d /tmp/cxaudit-pg.XXXXXX) PG_PORT=$pg_port
export PG_ROOT PG_PORT
trap 'sh tests/postgres/server.sh stop' EXIT
sh tests/postgres/server.sh start
export CXAUDIT_TEST_POSTGRES="postgres://cxaudit:cxaudit-test-secret@127.0.0.1:$pg_port/postgres"

# The browser, mail-server and PostgreSQL tests must run here, not skip.
CXAUDIT_REQUIRE_BROWSER=1 CXAUDIT_REQUIRE_MAIL=1 CXAUDIT_REQUIRE_POSTGRES=1 cargo test
