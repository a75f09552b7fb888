"""The deploy files are not run here (no container engine), so check what can drift: every
setting they pass exists, every command they run is a real CLI command with real options, and
the manifests parse."""

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cunzhi.cli import app
from cunzhi.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _documents() -> list[tuple[str, dict]]:
    docs = [("compose.yaml", yaml.safe_load((DEPLOY / "compose.yaml").read_text()))]
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _walk(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    yield key, node


def _setting_names() -> set[str]:
    names = {"DATABASE_URL"}
    names |= {f"CUNZHI_{name.upper()}" for name, f in Settings.model_fields.items() if name != "database_url"}
    return names


def test_every_setting_in_deploy_files_exists():
    known = _setting_names()
    text = "\n".join(p.read_text() for p in DEPLOY.rglob("*") if p.is_file())
    used = set(re.findall(r"\b(CUNZHI_[A-Z_]+|DATABASE_URL)\b", text))
    assert used, "deploy files pass no settings at all"
    assert used <= known, f"unknown settings: {sorted(used - known)}"


def test_every_setting_is_documented_in_readme():
    readme = (DEPLOY.parent / "README.md").read_text()
    missing = [n for n in _setting_names() if n not in readme]
    assert not missing, f"settings missing from README: {missing}"


def _commands() -> list[list[str]]:
    found = []
    for _, doc in _documents():
        for key, value in _walk(doc):
            if key == "command" and isinstance(value, list) and value and value[0] == "cunzhi":
                found.append(value)
    cmd = re.search(r'^CMD (\[.*\])$', (DEPLOY / "Dockerfile.api").read_text(), re.M)
    assert cmd
    found.append(yaml.safe_load(cmd.group(1)))
    return found


@pytest.mark.parametrize("argv", _commands(), ids=lambda a: " ".join(a))
def test_deploy_commands_are_real(argv):
    # `--help` after the real arguments: typer parses the options first and fails on unknown ones.
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    for option in [a for a in argv[1:] if a.startswith("--")]:
        assert option in result.output


def test_manifests_parse_with_kinds():
    kinds = [d.get("kind") for name, d in _documents() if name != "compose.yaml"]
    assert {"Deployment", "Service", "Job", "Ingress"} <= set(kinds)
    compose = dict(_documents())["compose.yaml"]
    assert {"db", "migrate", "api", "worker", "web"} <= set(compose["services"])


def test_nginx_proxies_the_api_and_falls_back_to_the_spa():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "location /api/" in conf and "proxy_pass http://cunzhi_api" in conf
    assert "try_files $uri $uri/ /index.html" in conf


def test_the_api_trusts_exactly_the_proxies_in_front_of_it():
    import ipaddress

    compose = dict(_documents())["compose.yaml"]
    web_ip = compose["services"]["web"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(web_ip) in ipaddress.ip_network(subnet)
    for service in ("api", "migrate"):
        assert compose["services"][service]["environment"]["CUNZHI_TRUSTED_PROXIES"] == web_ip
    api = next(d for name, d in _documents() if name == "api.yaml" and d["kind"] == "Deployment")
    env = {e["name"]: e["value"] for e in api["spec"]["template"]["spec"]["containers"][0]["env"]}
    Settings(trusted_proxies=env["CUNZHI_TRUSTED_PROXIES"])  # a valid list of networks
    assert "*" not in env["CUNZHI_TRUSTED_PROXIES"]
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
