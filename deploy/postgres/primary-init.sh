#!/bin/sh
# docker-compose only: runs once, when the primary's data folder is first initialised (the
# official image runs /docker-entrypoint-initdb.d/*.sh). Creates the replication user and lets
# it stream WAL to the replica.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v repl_password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'repl_password';
SQL
# "all" in pg_hba.conf does not cover replication connections: allow them explicitly.
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
