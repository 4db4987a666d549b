"""Schemathesis against the running server's own OpenAPI document (`/api/schema/`): every
operation, as a patient and as a receptionist, with generated valid and invalid input. No answer
may be a 5xx, and every answer must be one the schema promises (status, content type, body,
headers).

Bounded and repeatable: a fixed number of examples an operation and a fixed seed, one worker,
so a failure here reproduces with the command the failure message prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_AN_OPERATION = 20
SEED = 20261202
RUN_SECONDS = 900
# What the issue asks: no server error and no answer outside the contract. The checks that
# judge whether generated data *should* have been accepted are left out: the schema cannot say
# that a well-formed booking for a doctor id that does not exist is refused.
CONTRACT = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def fuzz(server: Server, user: rows.User, scratch: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.url}/api/schema/",
        *(f"--header={name}: {value}" for name, value in bearer(user).items()),
        f"--checks={','.join(CONTRACT)}",
        f"--max-examples={EXAMPLES_AN_OPERATION}",
        f"--seed={SEED}",
        "--workers=1",
        "--phases=examples,coverage,fuzzing",
        "--suppress-health-check=all",
        "--request-timeout=30",
    ]
    # In a scratch directory: schemathesis keeps a cache of its finds where it runs.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_SECONDS, check=False, cwd=scratch
    )


@pytest.fixture
def booked(clinic: rows.Clinic, doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    """Something real among the noise: the patient's visit, on the receptionist's clinic."""
    return factories.appointment(doctor, patient, factories.slot_start(clinic, hour=10))


# Bounded by RUN_SECONDS, not by the suite's per-test timeout: 20 examples of each of the ~80
# operations took 114 s a role on a quiet machine and over 300 s on a loaded one.
@pytest.mark.timeout(RUN_SECONDS + 60)
def test_as_a_patient(
    server: Server, patient: rows.Patient, booked: rows.Appointment, tmp_path: Path
) -> None:
    run = fuzz(server, patient.user, tmp_path)

    assert run.returncode == 0, run.stdout[-20000:]


@pytest.mark.timeout(RUN_SECONDS + 60)
def test_as_a_receptionist(
    server: Server, receptionist: rows.Receptionist, booked: rows.Appointment, tmp_path: Path
) -> None:
    run = fuzz(server, receptionist.user, tmp_path)

    assert run.returncode == 0, run.stdout[-20000:]


def test_a_body_twisted_cannot_parse_is_still_djangos_json_400(
    server: Server, receptionist: rows.Receptionist
) -> None:
    # Found by the fuzzer: daphne's Twisted answered this with a bare 400 and no body.
    request = urllib.request.Request(
        f"{server.url}/api/patients/",
        data=b"--abc--\r\n",
        method="POST",
        headers={
            "Content-Type": "multipart/form-data; boundary=abc",
            **bearer(receptionist.user),
        },
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)

    assert refused.value.code == 400
    assert refused.value.headers["Content-Type"] == "application/json"
    assert "first_name" in json.loads(refused.value.read())


def bearer(user: rows.User) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
