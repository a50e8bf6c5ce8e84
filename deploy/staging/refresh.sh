#!/usr/bin/env bash
# Refresh staging from production (book ch. 6). A thin wrapper: the steps, their checks and their
# clean-up live in `manage.py refresh_staging` (ops/refresh.py), where they are tested.
#
#   PROD_DATABASE_URL=postgres://readonly@prod-replica/dukaan \
#   STAGING_DATABASE_URL=postgres://postgres@staging-db/dukaan_staging \
#   deploy/staging/refresh.sh
#
# Run it with the staging app's environment (DATABASE_URL=staging, REDIS_URL, DJANGO_SECRET_KEY,
# DJANGO_ALLOWED_HOSTS, DUKAAN_PAYMENT_WEBHOOK_SECRET): manage.py refuses to start without them when
# DEBUG is off, and staging's cache is emptied only when DATABASE_URL is the target.
# What it does, in order (nothing is written before the first step has passed):
#   1. refuses, changing nothing, if DUKAAN_ENVIRONMENT=production, if the target is marked
#      production (database comment, ops_environmentmarker row), or if source and target are the
#      same database (same server system identifier and database name, however the URLs are spelt);
#   2. pg_dump of the source (a replica, so the long read does not compete with sellers);
#   3. restore into a scratch database in a throwaway local PostgreSQL cluster (or SCRATCH_SERVER_URL),
#      migrate and sanitize it there, leak-check it, dump it; scratch and dumps are always removed;
#   4. loads only that sanitized dump into staging, in one transaction; marks it staging, resets the
#      cache invalidator's position, empties staging's cache;
#   5. the leak check on staging: exits non-zero if any production value is found.
set -euo pipefail
: "${PROD_DATABASE_URL:?set PROD_DATABASE_URL (read-only, ideally a replica)}"
: "${STAGING_DATABASE_URL:?set STAGING_DATABASE_URL}"
cd "$(dirname "$0")/../.."
exec "${PYTHON:-python}" manage.py refresh_staging --source "$PROD_DATABASE_URL" --target "$STAGING_DATABASE_URL" \
  ${SCRATCH_SERVER_URL:+--scratch-server "$SCRATCH_SERVER_URL"}
