"""The deployment files stay in step with the settings and commands they name."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from fieldvisit.cli import cli
from fieldvisit.config import default_settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_environment_template_names_only_real_settings():
    names = [
        line.split("=", 1)[0].removeprefix("FIELDVISIT_")
        for line in (DEPLOY / "fieldvisit.env.example").read_text().splitlines()
        if line.startswith("FIELDVISIT_")
    ]
    assert names and not set(names) - set(default_settings())


def test_the_units_run_commands_and_options_that_exist():
    runner = CliRunner()
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text().splitlines():
            found = re.match(r"ExecStart=\S+/fieldvisit (.+)$", line)
            if not found:
                continue
            words = found.group(1).split()
            command = [w for w in words if not w.startswith("-") and not w[0].isdigit()][:1]
            answer = runner.invoke(cli, [*command, "--help"])
            assert answer.exit_code == 0, (unit.name, line)
            for option in (w for w in words if w.startswith("--")):
                assert option in answer.output, (unit.name, option)
