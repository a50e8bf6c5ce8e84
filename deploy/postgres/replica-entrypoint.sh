#!/bin/sh
# docker-compose only: the streaming replica. On first start (empty data folder) it clones the
# primary with pg_basebackup (-R writes standby.signal and primary_conninfo, -C -S creates a
# replication slot so the primary keeps WAL the replica has not received yet); afterwards it
# just starts as a hot standby. Then hands over to the official image's entrypoint.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=db-primary}"
: "${REPLICATION_SLOT:=replica1}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "replica: waiting for the primary at $PRIMARY_HOST"
  until pg_isready -h "$PRIMARY_HOST" -p 5432 -U replicator >/dev/null 2>&1; do sleep 1; done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  echo "replica: cloning the primary with pg_basebackup"
  # A slot left by an earlier replica volume would make -C fail: drop it first (no-op otherwise).
  PGPASSWORD="$POSTGRES_PASSWORD" psql -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -v ON_ERROR_STOP=1 \
    -c "SELECT pg_drop_replication_slot('$REPLICATION_SLOT') FROM pg_replication_slots WHERE slot_name = '$REPLICATION_SLOT'" \
    >/dev/null
  gosu postgres env PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" \
    pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" -R -X stream -c fast -C -S "$REPLICATION_SLOT"
fi

exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
