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
