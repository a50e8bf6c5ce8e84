# Dukaan app image: one image for the app servers, the cache invalidator and the migrate job.
#   docker build -t dukaan .
#   docker run --env-file .env dukaan            (gunicorn on :8000; see docker-compose.yml)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DUKAAN_DATA_DIR=/app/var

WORKDIR /app

# The system packages the app needs beyond Python's wheels: the fonts invoices are drawn with
# (DejaVu for Latin letters and the rupee sign, Lohit for Devanagari names and addresses).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-lohit-deva \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, in their own layer: rebuilt only when requirements.txt changes, not on
# every code change. psycopg2-binary and pillow ship wheels, so no compiler is needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Unprivileged user; the code stays owned by root, so the app cannot rewrite itself.
RUN groupadd --system --gid 10001 dukaan \
 && useradd --system --uid 10001 --gid dukaan --home-dir /app --no-create-home --shell /usr/sbin/nologin dukaan

COPY . .

# Collected static files (hashed names) are part of the image; nginx serves them. The build
# needs a key to import the settings, not a real one: it is not kept in the image.
RUN DJANGO_SECRET_KEY=collectstatic-only DUKAAN_PAYMENT_WEBHOOK_SECRET=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var \
 && chown dukaan:dukaan /app/var \
 && chmod +x deploy/entrypoint.sh

USER dukaan
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "deploy/healthcheck.py", "/healthz"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
