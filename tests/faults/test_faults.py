"""A short run of the fault harness (`make faults` runs the long one): a few hundred visits
through a proxy that breaks exchanges, with the server killed mid-way, none lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.device import Device, Record
from tests.faults.harness import Plan, run
from tests.support.pg import throwaway_postgres

SHORT = Plan(visits=300, fault_rate=0.3, kill_every=3.0, seed=7, deadline=600)


def run_on_the_test_database(workdir: Path, phone: type[Device] = Device):
    if os.environ.get("FIELDVISIT_TEST_DB") != "postgresql":
        return run(workdir, None, SHORT, phone)
    if os.environ.get("FIELDVISIT_TEST_DATABASE_URL"):
        pytest.skip("the harness needs a database of its own; this run shares one")
    with throwaway_postgres() as url:
        return run(workdir, url, SHORT, phone)


def test_no_visit_is_lost_duplicated_or_corrupted_through_faults_and_kills(tmp_path):
    report = run_on_the_test_database(tmp_path)
    assert report.kills >= 1
    assert {"drop-before", "drop-after", "truncate", "html-200"} <= set(report.faults)
    assert report.passed, report.table()


class TrustsAnyOK(Device):
    """A careless phone: any 200 to a batch settles its visits."""

    def _batch(self, records: list[Record]) -> None:
        response = self.http.post(
            f"{self.url}/api/v1/visits/batch", json={"visits": [r.body for r in records]}
        )
        if response.status_code == 200:
            for record in records:
                record.state = "sent"
                record.photos_waiting.clear()


def test_the_harness_catches_a_phone_that_trusts_a_bare_200(tmp_path):
    report = run_on_the_test_database(tmp_path, TrustsAnyOK)
    assert report.lost
    assert not report.passed
