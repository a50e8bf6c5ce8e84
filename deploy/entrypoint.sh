#!/bin/sh
# One entry point for every role the Dukaan image plays. The Dockerfile, docker-compose.yml,
# the k8s manifests, deploy/local_stack.py and the live tests all start processes through it,
# so what is tested is what runs.
#
#   entrypoint.sh web [gunicorn args]   gunicorn with deploy/gunicorn.conf.py (GUNICORN_CONFIG to swap)
#   entrypoint.sh migrate               apply migrations once, then exit (compose one-shot / k8s Job)
#   entrypoint.sh release               migrate, then collectstatic when static files live on S3
#                                       (DUKAAN_STATIC_ON_S3=1, the k8s release Job)
#   entrypoint.sh invalidator           the cache invalidator (LISTEN + catch up from the change log)
#   entrypoint.sh worker [celery args]  the background worker: delivers notifications from the order
#                                       outbox and, unless DUKAAN_WORKER_BEAT=0, runs the scheduler
#                                       (beat) for the periodic jobs in the same container
#   entrypoint.sh beat                  the scheduler alone (k8s: one pod, the workers scaled apart)
#   entrypoint.sh assets                publish collected static files to $DUKAAN_STATIC_PUBLISH_DIR and
#                                       render the nginx config to $NGINX_CONF_OUT (compose one-shot)
#   entrypoint.sh <anything else>       run it as is (e.g. python manage.py shell)
set -eu

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
role="${1:-web}"
[ $# -gt 0 ] && shift

case "$role" in
  web)
    exec gunicorn -c "${GUNICORN_CONFIG:-deploy/gunicorn.conf.py}" "$@"
    ;;
  migrate)
    "$PYTHON" manage.py migrate --noinput "$@"
    echo "entrypoint: migrations applied"
    ;;
  release)
    "$PYTHON" manage.py migrate --noinput
    case "${DUKAAN_STATIC_ON_S3:-0}" in
      1|true|yes|on) "$PYTHON" manage.py collectstatic --noinput ;;
    esac
    echo "entrypoint: release steps done"
    ;;
  invalidator)
    exec "$PYTHON" manage.py run_cache_invalidator "$@"
    ;;
  worker)
    # Threads, not forked children: deliveries wait on the provider's network, and a killed
    # worker leaves no orphan behind. Each send has a timeout, so a slow provider holds one thread.
    schedule="${DUKAAN_BEAT_SCHEDULE_FILE:-/tmp/dukaan-celerybeat-schedule}"
    case "${DUKAAN_WORKER_BEAT:-1}" in
      0|false|no|off) set -- "$@" ;;
      *) set -- --beat --schedule "$schedule" "$@" ;;
    esac
    exec "$PYTHON" -m celery -A dukaan.celery worker --pool threads --without-gossip --without-mingle \
      --concurrency "${DUKAAN_WORKER_CONCURRENCY:-8}" --loglevel "${DJANGO_LOG_LEVEL:-INFO}" "$@"
    ;;
  beat)
    exec "$PYTHON" -m celery -A dukaan.celery beat \
      --schedule "${DUKAAN_BEAT_SCHEDULE_FILE:-/tmp/dukaan-celerybeat-schedule}" \
      --loglevel "${DJANGO_LOG_LEVEL:-INFO}" "$@"
    ;;
  assets)
    # Static files were collected into the image at build time (STATIC_ROOT); nginx serves them
    # from a shared volume. Hashed names never collide, so old and new versions coexist during a
    # rolling deploy and nothing is deleted here.
    static_root="$("$PYTHON" -c 'import os; print(os.environ.get("DJANGO_STATIC_ROOT", "staticfiles"))')"
    if [ -n "${DUKAAN_STATIC_PUBLISH_DIR:-}" ]; then
      mkdir -p "$DUKAAN_STATIC_PUBLISH_DIR"
      cp -R "$static_root"/. "$DUKAAN_STATIC_PUBLISH_DIR"/
      echo "entrypoint: static files published to $DUKAAN_STATIC_PUBLISH_DIR"
    fi
    if [ -n "${NGINX_CONF_OUT:-}" ]; then
      "$PYTHON" deploy/nginx/render.py --preset compose -o "$NGINX_CONF_OUT" "$@"
      cp deploy/nginx/maintenance.html "$(dirname "$NGINX_CONF_OUT")/maintenance.html"
      echo "entrypoint: nginx config rendered to $NGINX_CONF_OUT"
    fi
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
