#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (PostgreSQL 15 server
# binaries; the tests start their own throwaway servers on loopback ports), then every test project.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

need_pg() { [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -f /usr/lib/postgresql/15/lib/pg_stat_statements.so ]; }
if need_pg; then
  echo "test.sh: installing PostgreSQL 15 (server binaries and contrib) for the tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "test.sh: run as root or install postgresql-15 postgresql-contrib-15 first" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 postgresql-contrib-15 >/dev/null
  # The packaged cluster is not used: the tests run their own servers.
  $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

rm -rf TestResults
set +e
dotnet test Sre.sln --logger "trx;LogFilePrefix=sre" --results-directory TestResults "$@"
status=$?
set -e
./.ci/test-totals TestResults
exit $status
