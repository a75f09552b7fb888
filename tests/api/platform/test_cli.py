import secrets

import pytest
from typer.testing import CliRunner

from cunzhi.cli import app

# The database exists once the session's engine fixture has made it.
pytestmark = pytest.mark.usefixtures("engine")


def test_create_user_from_stdin_then_it_can_log_in():
    name = f"ops{secrets.token_hex(3)}"
    r = CliRunner().invoke(app, ["create-user", name, "--role", "township_official", "--scope", "230199102000",
                                 "--display-name", "宝兴乡干部", "--password-stdin"], input="a-long-password\n")
    assert r.exit_code == 0, r.output
    assert "township_official" in r.output and "230199102000" in r.output


def test_create_user_bad_input_exits_2():
    runner = CliRunner()
    r = runner.invoke(app, ["create-user", "x1", "--role", "cadre", "--scope", "999999999999", "--password-stdin"],
                      input="a-long-password\n")
    assert r.exit_code == 2
    r = runner.invoke(app, ["create-user", "x2", "--role", "cadre", "--scope", "230199100200", "--password-stdin"],
                      input="short\n")
    assert r.exit_code == 2
    r = runner.invoke(app, ["create-user", "x3", "--role", "cadre", "--scope", "230199100200"])
    assert r.exit_code == 2


def test_audit_verify_command_reports_intact_chain():
    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 0, r.output
    assert "intact" in r.output


def test_rotate_secrets_command_reports_what_it_rewrote():
    r = CliRunner().invoke(app, ["rotate-secrets"])
    assert r.exit_code == 0, r.output
    assert "webhook secrets re-encrypted under the current key" in r.output
    assert r.output.split()[0].isdigit()
