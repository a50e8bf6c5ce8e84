"""Static checks of the deployment files: compose, Dockerfile, k8s manifests, nginx template.

There is no Docker engine or cluster here, so these validate structure and cross-references:
every service present, one image everywhere, commands that the entrypoint knows, health checks,
and environment names that the settings actually read.
"""

from __future__ import annotations

import math
import multiprocessing
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require
from tests.deploy.live import render

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"

# SPEC section 2: the environment names deployment files and outside tests rely on.
CONTRACT_ENV = {
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_REGION_NAME",
    "DUKAAN_CDN_DOMAIN",
    "DUKAAN_READ_YOUR_WRITES_SECONDS",
    "DUKAAN_REPLICA_MAX_LAG_SECONDS",
    "DUKAAN_PUBLIC_URL",
}
# Contract names that only make sense where S3 is not a managed service with its own endpoint.
K8S_OPTIONAL_CONTRACT = {"AWS_S3_ENDPOINT_URL"}


def env_names_read_by_the_code() -> set[str]:
    """Every environment name that settings, gunicorn's config and the deploy scripts read."""
    names: set[str] = set()
    python_sources = [
        ROOT / "dukaan" / "settings.py",
        ROOT / "deploy" / "gunicorn.conf.py",
        ROOT / "deploy" / "nginx" / "render.py",
        ROOT / "deploy" / "healthcheck.py",
    ]
    call = re.compile(
        r"""(?:environ\.get|environ\[|env_bool|env_int|env_list|env_float|_env_int)\(?\s*["']([A-Z0-9_]+)["']"""
    )
    for source in python_sources:
        names |= set(call.findall(source.read_text()))
    names |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "deploy" / "entrypoint.sh").read_text()))
    return names


def compose_config(
    *args: str, env_file: str | None = ".env.example", quiet: bool = False
) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    require(binary is not None, "docker-compose (v1, Debian package) is not installed")
    cmd = [binary]
    if env_file:
        cmd += ["--env-file", str(ROOT / env_file)]
    cmd += ["-f", str(ROOT / "docker-compose.yml"), *args, "config"] + (["-q"] if quiet else [])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def compose() -> dict:
    result = compose_config("--profile", "pgbouncer")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_file_is_valid_for_docker_compose():
    result = compose_config(quiet=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_compose_refuses_to_start_without_the_secrets_from_env():
    result = compose_config(env_file=None, quiet=True)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_has_every_service_of_the_stack(compose):
    assert set(compose["services"]) == {
        "nginx",
        "app1",
        "app2",
        "invalidator",
        "worker",
        "migrate",
        "assets",
        "db-primary",
        "db-replica",
        "pgbouncer",
        "redis",
        "minio",
        "minio-init",
    }
    assert compose["services"]["pgbouncer"]["profiles"] == ["pgbouncer"]
    assert set(compose["volumes"]) >= {
        "pg-primary",
        "pg-replica",
        "minio",
        "static",
        "nginx-conf",
        "maintenance",
    }


def test_app_servers_invalidator_and_jobs_run_the_same_image_with_known_roles(compose):
    services = compose["services"]
    app_like = ["app1", "app2", "invalidator", "worker", "migrate", "assets"]
    assert len({services[name]["image"] for name in app_like}) == 1
    roles = {name: services[name].get("command", ["web"]) for name in app_like}
    assert roles == {
        "app1": ["web"],
        "app2": ["web"],
        "invalidator": ["invalidator"],
        "worker": ["worker"],
        "migrate": ["migrate"],
        "assets": ["assets"],
    }
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    for role in {"web", "invalidator", "worker", "beat", "migrate", "assets", "release"}:
        assert re.search(rf"^\s+{role}\)$", entrypoint, re.M), f"entrypoint.sh has no {role} role"


def test_app_servers_wait_for_migrations_and_healthy_services(compose):
    services = compose["services"]
    for name in ("app1", "app2", "invalidator", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["minio-init"]["condition"] == "service_completed_successfully"
        for backing in ("db-primary", "db-replica", "redis"):
            assert depends[backing]["condition"] == "service_healthy"
    nginx = services["nginx"]["depends_on"]
    assert nginx["assets"]["condition"] == "service_completed_successfully"
    assert nginx["app1"]["condition"] == nginx["app2"]["condition"] == "service_healthy"
    assert services["db-replica"]["depends_on"]["db-primary"]["condition"] == "service_healthy"


def test_long_running_services_have_health_checks_and_one_shots_do_not(compose):
    services = compose["services"]
    for name in ("nginx", "app1", "app2", "db-primary", "db-replica", "pgbouncer", "redis", "minio"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in services["app1"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8081/nginx-health" in " ".join(services["nginx"]["healthcheck"]["test"])
    # The image's HTTP health check would mark a process without a web server unhealthy.
    for name in ("invalidator", "worker", "migrate", "assets"):
        assert services[name]["healthcheck"] in ({"disable": True}, {"test": ["NONE"]}), name
    for name in ("migrate", "assets", "minio-init"):
        assert services[name]["restart"] == "no"


def test_app_servers_get_every_contract_setting_and_only_names_the_code_reads(compose):
    known = env_names_read_by_the_code()
    for name in ("app1", "app2", "invalidator", "worker", "migrate"):
        env = compose["services"][name]["environment"]
        assert set(env) >= CONTRACT_ENV, CONTRACT_ENV - set(env)
        assert set(env) <= known, f"{name}: nothing reads {set(env) - known}"
    assert compose["services"]["app1"]["environment"]["DUKAAN_SERVER_NAME"] == "app1"
    assert compose["services"]["app2"]["environment"]["DUKAAN_SERVER_NAME"] == "app2"


def test_worker_runs_with_its_scheduler_on_the_redis_broker_and_straight_to_the_primary(compose):
    worker = compose["services"]["worker"]
    env = worker["environment"]
    # The entrypoint's worker role starts beat too unless told not to; compose leaves it on.
    assert "DUKAAN_WORKER_BEAT" not in env
    assert env["DUKAAN_BROKER_URL"].startswith("redis://redis:6379/")
    assert env["DUKAAN_BROKER_URL"] != env["REDIS_URL"], "the broker has its own Redis database"
    assert "@db-primary:5432/" in env["DATABASE_URL"], "job locks are session locks: no PgBouncer"
    for name in ("app1", "app2"):
        # The app servers publish to the same broker, or notifications wait for the sweep.
        assert compose["services"][name]["environment"]["DUKAAN_BROKER_URL"] == env["DUKAAN_BROKER_URL"]
    assert env["DUKAAN_NOTIFY_BACKEND"] == "http"
    assert {"DUKAAN_NOTIFY_HTTP_URL", "DUKAAN_NOTIFY_HTTP_TOKEN"} <= set(env)
    assert "ports" not in worker
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    worker_role = entrypoint.split("\n  worker)", 1)[1].split("\n  beat)", 1)[0]
    assert "celery -A dukaan.celery worker" in worker_role and "--beat" in worker_role
    assert "DUKAAN_WORKER_BEAT" in worker_role


def test_only_nginx_is_trusted_as_a_proxy(compose):
    nginx_ip = compose["services"]["nginx"]["networks"]["backend"]["ipv4_address"]
    for name in ("app1", "app2"):
        env = compose["services"][name]["environment"]
        assert env["DUKAAN_TRUSTED_PROXY_IPS"] == env["FORWARDED_ALLOW_IPS"] == nginx_ip
        assert "ports" not in compose["services"][name], "app servers are reachable only through nginx"


def test_nginx_upstreams_are_exactly_the_app_services(compose):
    upstreams = compose["services"]["assets"]["environment"]["DUKAAN_UPSTREAMS"].split(",")
    image = compose["services"]["app1"]["image"]
    app_services = sorted(
        name
        for name, service in compose["services"].items()
        if service.get("image") == image and service.get("command", ["web"]) == ["web"]
    )
    assert sorted(u.split(":")[0] for u in upstreams) == app_services == ["app1", "app2"]
    assert compose["services"]["nginx"]["ports"][0]["target"] == 80


def test_replica_is_cloned_with_pg_basebackup_by_the_replication_user(compose):
    replica = compose["services"]["db-replica"]
    script = (ROOT / "deploy" / "postgres" / "replica-entrypoint.sh").read_text()
    init = (ROOT / "deploy" / "postgres" / "primary-init.sh").read_text()
    assert replica["entrypoint"] == ["/usr/local/bin/replica-entrypoint.sh"]
    assert "pg_basebackup" in script and "-U replicator" in script and " -R " in script
    assert "REPLICATION" in init and "host replication replicator" in init
    primary_cmd = " ".join(compose["services"]["db-primary"]["command"])
    assert "wal_level=replica" in primary_cmd and "max_wal_senders" in primary_cmd


def test_env_example_names_are_all_used():
    names = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if re.match(r"^#?\s?[A-Z][A-Z0-9_]+=", line)
    }
    compose_text = (ROOT / "docker-compose.yml").read_text()
    unused = {name for name in names if "${" + name not in compose_text}
    assert unused == set()


# --- Dockerfile ------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_dockerfile_is_slim_cached_non_root_with_collectstatic_and_healthcheck():
    rows = dockerfile_instructions()
    keywords = [k for k, _ in rows]
    args = dict(rows)
    assert re.match(r"python:3\.11-slim", args["FROM"])
    copy_rows = [i for i, (k, v) in enumerate(rows) if k == "COPY"]
    pip_row = next(
        i for i, (k, v) in enumerate(rows) if k == "RUN" and "pip install -r requirements.txt" in v
    )
    # requirements.txt alone first, the dependency layer, then the code.
    assert rows[copy_rows[0]][1].startswith("requirements.txt")
    assert copy_rows[0] < pip_row < copy_rows[1] and rows[copy_rows[1]][1] == ". ."
    assert any(k == "RUN" and "collectstatic --noinput" in v for k, v in rows)
    user = args["USER"]
    assert user not in {"root", "0"} and keywords.index("USER") < keywords.index("CMD")
    assert "/healthz" in args["HEALTHCHECK"] and "deploy/healthcheck.py" in args["HEALTHCHECK"]
    assert args["ENTRYPOINT"] == '["/app/deploy/entrypoint.sh"]' and args["CMD"] == '["web"]'
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert 'exec gunicorn -c "${GUNICORN_CONFIG:-deploy/gunicorn.conf.py}"' in entrypoint


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "var/", "staticfiles/"} <= ignored


def test_gunicorn_config_sizes_workers_from_cpus_and_disables_the_control_socket():
    namespace = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))

    assert namespace["workers"] == multiprocessing.cpu_count()
    assert namespace["threads"] == 2
    assert namespace["control_socket_disable"] is True
    assert namespace["graceful_timeout"] > 0 and namespace["timeout"] > 0
    assert namespace["forwarded_allow_ips"] == "127.0.0.1,::1"
    # gunicorn's keep-alive outlives nginx's upstream keepalive_timeout (60 s): nginx closes first.
    assert namespace["keepalive"] > 60


def test_entrypoint_runs_any_other_command_as_is():
    result = subprocess.run(
        [str(ROOT / "deploy" / "entrypoint.sh"), "echo", "hello"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == "hello"


# --- deploy/k8s ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict]:
    documents = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                documents[(doc["kind"], doc["metadata"]["name"])] = doc
    return documents


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["images"][0]["name"] == "dukaan"


def test_k8s_has_the_workloads_service_ingress_autoscaler_config_and_secret(manifests):
    kinds = {kind for kind, _ in manifests}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "ConfigMap",
        "Secret",
        "Job",
        "PodDisruptionBudget",
    } <= kinds
    assert ("Deployment", "dukaan-app") in manifests and ("Deployment", "dukaan-invalidator") in manifests
    assert ("Deployment", "dukaan-worker") in manifests and ("Deployment", "dukaan-scheduler") in manifests


def test_k8s_scales_workers_apart_from_one_scheduler(manifests):
    worker = manifests[("Deployment", "dukaan-worker")]
    scheduler = manifests[("Deployment", "dukaan-scheduler")]
    (worker_container,) = pod_containers(worker)
    (scheduler_container,) = pod_containers(scheduler)
    assert worker_container["args"] == ["worker"] and scheduler_container["args"] == ["beat"]
    worker_env = {e["name"]: e.get("value") for e in worker_container.get("env", [])}
    assert worker_env["DUKAAN_WORKER_BEAT"] == "0", "beat runs once, in the scheduler pod"
    assert worker["spec"]["replicas"] >= 2
    assert scheduler["spec"]["replicas"] == 1 and scheduler["spec"]["strategy"]["type"] == "Recreate"
    app_service = manifests[("Service", "dukaan-app")]["spec"]["selector"]
    for doc in (worker, scheduler):
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert not app_service.items() <= labels.items(), "no traffic to a worker"
        # beat's schedule file and Celery's temporary files go to the writable /tmp.
        mounts = {m["mountPath"] for m in pod_containers(doc)[0]["volumeMounts"]}
        assert "/tmp" in mounts
    secret = manifests[("Secret", "dukaan-secrets")]["stringData"]
    assert {"DUKAAN_BROKER_URL", "DUKAAN_NOTIFY_HTTP_URL", "DUKAAN_NOTIFY_HTTP_TOKEN"} <= set(secret)
    assert manifests[("ConfigMap", "dukaan-config")]["data"]["DUKAAN_NOTIFY_BACKEND"] == "http"


def pod_containers(doc: dict) -> list[dict]:
    return doc["spec"]["template"]["spec"]["containers"]


def test_every_workload_runs_the_one_image_as_non_root_with_resources_and_a_known_role(manifests):
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    for (kind, name), doc in manifests.items():
        if kind not in {"Deployment", "Job"}:
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod_containers(doc):
            assert container["image"] == "dukaan", name
            role = container["args"][0]
            assert re.search(rf"^\s+{role}\)$", entrypoint, re.M), f"{name}: unknown role {role}"
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            refs = {next(iter(source.values()))["name"] for source in container["envFrom"]}
            assert refs == {"dukaan-config", "dukaan-secrets"}, name


def test_selectors_services_ingress_and_autoscaler_point_at_each_other(manifests):
    app = manifests[("Deployment", "dukaan-app")]
    labels = app["spec"]["template"]["metadata"]["labels"]
    assert app["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = manifests[("Service", "dukaan-app")]
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {p["name"] for p in pod_containers(app)[0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    for (kind, _), doc in manifests.items():
        if kind == "Ingress":
            for rule in doc["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    assert backend["name"] == "dukaan-app"
                    assert backend["port"]["name"] == service["spec"]["ports"][0]["name"]
    hpa = manifests[("HorizontalPodAutoscaler", "dukaan-app")]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "dukaan-app",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    pdb = manifests[("PodDisruptionBudget", "dukaan-app")]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    invalidator = manifests[("Deployment", "dukaan-invalidator")]
    assert not (
        service["spec"]["selector"].items() <= invalidator["spec"]["template"]["metadata"]["labels"].items()
    )


def test_ingress_serves_the_storefront_and_the_api(manifests):
    routes = {
        (rule["host"], path["path"])
        for (kind, _), doc in manifests.items()
        if kind == "Ingress"
        for rule in doc["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert ("mydukaan.io", "/") in routes and ("api.mydukaan.io", "/api/") in routes
    assert ("api.mydukaan.io", "/api/v1/auth/otp/") in routes


def test_app_probes_use_readyz_and_healthz_with_an_allowed_host(manifests):
    config = manifests[("ConfigMap", "dukaan-config")]["data"]
    allowed = config["DJANGO_ALLOWED_HOSTS"].split(",")
    container = pod_containers(manifests[("Deployment", "dukaan-app")])[0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert headers["Host"] in allowed, probe
    grace = manifests[("Deployment", "dukaan-app")]["spec"]["template"]["spec"][
        "terminationGracePeriodSeconds"
    ]
    assert grace > 30, "longer than gunicorn's graceful_timeout"


def test_k8s_config_and_secret_carry_the_contract_names_the_code_reads(manifests):
    config = manifests[("ConfigMap", "dukaan-config")]["data"]
    secret = manifests[("Secret", "dukaan-secrets")]["stringData"]
    names = set(config) | set(secret)
    assert names >= CONTRACT_ENV - K8S_OPTIONAL_CONTRACT, (CONTRACT_ENV - K8S_OPTIONAL_CONTRACT) - names
    assert names <= env_names_read_by_the_code(), names - env_names_read_by_the_code()
    assert not set(config) & {"DJANGO_SECRET_KEY", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY"}, (
        "secrets in ConfigMap"
    )
    assert config["DJANGO_DEBUG"] == "0"


# --- nginx template --------------------------------------------------------------------------


def test_compose_render_has_the_load_balancing_directives():
    conf = render.render(render.compose_options())
    assert "{{" not in conf
    assert "least_conn;" in conf and "zone dukaan_app" in conf
    assert "server app1:8000 max_fails=3 fail_timeout=10s;" in conf
    assert "server app2:8000 max_fails=3 fail_timeout=10s;" in conf
    assert (
        "keepalive 32;" in conf
        and "proxy_http_version 1.1;" in conf
        and 'proxy_set_header Connection "";' in conf
    )
    assert re.search(r"proxy_next_upstream error timeout", conf) and "proxy_next_upstream_tries 3;" in conf
    assert "non_idempotent" not in conf.split("proxy_next_upstream error", 1)[1].split(";", 1)[0]
    assert "limit_req zone=otp" in conf and "gzip on;" in conf
    for header in ("Host $http_host", "X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for"):
        assert f"proxy_set_header {header};" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    assert "add_header X-Upstream $upstream_addr always;" in conf
    assert "user nginx;" in conf and "listen 80 default_server;" in conf
    # nginx's own health answers on a private port, outside the maintenance switch.
    assert "listen 127.0.0.1:8081;" in conf and "location = /nginx-status { stub_status; }" in conf
    # The strangler route ships commented out.
    assert "# location /store/" in conf and '#     "true"  storefront_service;' in conf


def test_nginx_body_limit_follows_the_app_upload_limit(monkeypatch):
    monkeypatch.setenv("DUKAAN_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))
    assert render.default_body_limit() == "26m"
    monkeypatch.delenv("DUKAAN_MAX_UPLOAD_BYTES")
    from django.conf import settings

    assert render.default_body_limit() == f"{math.ceil(settings.DUKAAN_MAX_UPLOAD_BYTES / 1024 / 1024) + 1}m"


def test_renderer_refuses_bad_upstreams_and_unknown_placeholders():
    with pytest.raises(ValueError):
        render.NginxOptions(upstreams=[])
    with pytest.raises(ValueError):
        render.NginxOptions(upstreams=["app1:8000; evil"])
    with pytest.raises(KeyError):
        render.render(render.compose_options(), template="listen {{ nope }};")


def test_loopback_render_passes_nginx_config_test(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    require(Path(nginx).exists(), "nginx is not installed")
    (tmp_path / "static").mkdir()
    conf = render.write_loopback(
        tmp_path, upstreams=["127.0.0.1:1", "127.0.0.1:2 backup"], media_root=str(tmp_path)
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "location /media/" in conf.read_text()
