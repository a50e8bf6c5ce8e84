#!/usr/bin/env bash
# Refresh staging from production (book ch. 6): dump -> restore -> sanitize.
#
#   PROD_DATABASE_URL=postgres://readonly@prod-replica/dukaan \
#   STAGING_DATABASE_URL=postgres://postgres@staging-db/dukaan_staging \
#   deploy/staging/refresh.sh
#
# Dump from a replica, not the primary, so the dump's long read does not compete with sellers.
# Run it with the staging app's environment (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
# DUKAAN_PAYMENT_WEBHOOK_SECRET): manage.py refuses to start without them when DEBUG is off.
# The restored copy is sanitized before anyone can log in to staging; the app refuses to
# sanitize a database marked production (DUKAAN_ENVIRONMENT=production or a database comment).
set -euo pipefail
: "${PROD_DATABASE_URL:?set PROD_DATABASE_URL (read-only, ideally a replica)}"
: "${STAGING_DATABASE_URL:?set STAGING_DATABASE_URL}"
if [ "$PROD_DATABASE_URL" = "$STAGING_DATABASE_URL" ]; then
  echo "PROD_DATABASE_URL and STAGING_DATABASE_URL are the same database: refusing." >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
dump="$(mktemp -d)/dukaan.dump"
trap 'rm -rf "$(dirname "$dump")"' EXIT

echo "==> pg_dump (custom format, no owners) from production"
pg_dump --format=custom --no-owner --no-privileges --dbname="$PROD_DATABASE_URL" --file="$dump"
echo "==> restore into staging (replacing what is there)"
pg_restore --clean --if-exists --no-owner --no-privileges --jobs=4 --dbname="$STAGING_DATABASE_URL" "$dump"
echo "==> migrate (staging code may be ahead of production)"
DATABASE_URL="$STAGING_DATABASE_URL" DUKAAN_ENVIRONMENT=staging python manage.py migrate --noinput
echo "==> sanitize"
DATABASE_URL="$STAGING_DATABASE_URL" DUKAAN_ENVIRONMENT=staging python manage.py sanitize_staging --yes
echo "==> staging refreshed"
