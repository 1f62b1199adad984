#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume
# (/docker-entrypoint-initdb.d). Mirrors what docker/local/services does on a bare machine:
# ledger_owner owns the databases and runs migrations; ledger_app is what the services log in
# as, and gets only the table rights the migrations grant it.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$LEDGER_OWNER_PASSWORD" -v app_pw="$LEDGER_APP_PASSWORD" <<'SQL'
CREATE ROLE ledger_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE ledger_app LOGIN PASSWORD :'app_pw';
ALTER DATABASE ledger OWNER TO ledger_owner;
SQL
