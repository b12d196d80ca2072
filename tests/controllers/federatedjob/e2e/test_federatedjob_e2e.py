"""FederatedJob e2e on the local control plane with the operator process and the FATE-Flow
double (issue 7 "Tests"). Each test has its own namespace, double and operator."""

import json
import subprocess
import time

import pytest

import fj_harness as h


@pytest.fixture(scope="session", autouse=True)
def crds():
    subprocess.run(["%s/tests/support/install-crds.sh" % h.SOURCE], check=True)


@pytest.fixture
def scenario(request):
    s = h.Scenario("fj-" + request.node.name.replace("_", "-")[5:30].strip("-"))
    yield s
    s.close()


def test_success_with_publish_and_bind(scenario):
    scenario.double.mode(job={"waiting_seconds": 1, "running_seconds": 1, "outcome": "success"})
    scenario.apply(scenario.job_manifest("lr", publish=True))
    scenario.wait_phase("lr", "Queued", timeout=60)
    job = scenario.wait_phase("lr", "Succeeded", timeout=90)
    h.wait_for("Ready", lambda: (scenario.condition("lr", "Ready") or {}).get("status") == "True",
               timeout=60)
    job = scenario.get("lr")
    status = job["status"]
    assert scenario.condition("lr", "Published")["status"] == "True"
    assert status["model"]["modelVersion"] == status["fateJobId"]
    assert status["publish"]["deployedModelVersion"] != status["fateJobId"]
    phases = {(p["role"], p["partyId"]): p["phase"] for p in status["publish"]["parties"]}
    assert phases == {("guest", 9999): "Bound", ("host", 10000): "Loaded"}
    assert scenario.double.calls("/v1/job/submit") == 1
    assert scenario.double.calls("/v1/model/deploy") == 1
    assert scenario.double.calls("/v1/model/bind") == 1
    bindings = scenario.double.call("GET", "/_double/models")["bindings"]
    assert bindings["svc-lr"]["model_version"] == status["publish"]["deployedModelVersion"]
    assert "federatedlearning.dev/fate-job" not in job["metadata"].get("finalizers", [])


def test_partial_publish_is_visible_then_host_retried_alone(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0.5, "outcome": "success"},
                         party_faults={"load": {"host:10000": {
                             "retcode": 123, "retmsg": "model initialization error", "times": 3}}})
    scenario.apply(scenario.job_manifest("partial", publish=True, dsl_version=1))
    h.wait_for("partial publish", lambda: (scenario.condition("partial", "Published") or {}).get(
        "reason") == "PartiallyPublished", timeout=90)
    assert scenario.phase("partial") == "Succeeded"
    assert scenario.condition("partial", "Ready")["status"] == "False"
    assert "retcode 123" in scenario.condition("partial", "Published")["message"]
    h.wait_for("published after retries",
               lambda: (scenario.condition("partial", "Ready") or {}).get("status") == "True",
               timeout=90)
    loads = [json.loads(c["body"])["role"] for c in
             scenario.double.call("GET", "/_double/calls?log=1")["log"]
             if c["endpoint"] == "/v1/model/load"]
    assert loads[0] == {"guest": [9999], "host": [10000]}
    assert len(loads) >= 4
    assert all(roles == {"host": [10000]} for roles in loads[1:])  # the guest kept its result


def test_backoff_limit_two_gives_three_attempts_and_three_job_ids(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0.5},
                         job_outcomes=["failed", "failed", "failed"])
    scenario.apply(scenario.job_manifest("flaky", run_policy={"backoffLimit": 2}))
    job = scenario.wait_phase("flaky", "Failed", timeout=120)
    attempts = job["status"]["attempts"]
    ids = [a["fateJobId"] for a in attempts]
    assert len(attempts) == 3 and len(set(ids)) == 3
    assert [a["state"] for a in attempts] == ["failed", "failed", "failed"]
    assert scenario.double.calls("/v1/job/submit") == 3
    failed = scenario.condition("flaky", "Failed")
    assert failed["status"] == "True" and failed["reason"] == "FateJobFailed"
    assert scenario.condition("flaky", "Stalled")["status"] == "True"


def test_suspend_stops_and_resume_starts_a_new_attempt(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0, "outcome": "hang"})
    scenario.apply(scenario.job_manifest("pause"))
    first = scenario.wait_phase("pause", "Running", timeout=60)["status"]["fateJobId"]
    scenario.patch("pause", {"spec": {"runPolicy": {"suspend": True}}})
    scenario.wait_phase("pause", "Suspended", timeout=60)
    assert scenario.double.calls("/v1/job/stop") == 1
    assert {j["job_id"]: j["status"] for j in scenario.double.jobs()}[first] == "canceled"
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 1, "outcome": "success"})
    scenario.patch("pause", {"spec": {"runPolicy": {"suspend": False}}})
    job = scenario.wait_phase("pause", "Succeeded", timeout=90)
    attempts = job["status"]["attempts"]
    assert len(attempts) == 2 and attempts[1]["fateJobId"] != first
    assert scenario.double.calls("/v1/job/submit") == 2


def test_deletion_while_running_stops_the_job_and_releases_the_finalizer(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0, "outcome": "hang"})
    scenario.apply(scenario.job_manifest("doomed"))
    job_id = scenario.wait_phase("doomed", "Running", timeout=60)["status"]["fateJobId"]
    h.kubectl("delete", "federatedjob", "doomed", "-n", scenario.namespace, "--wait=false")
    h.wait_for("object gone", lambda: scenario.get("doomed") is None, timeout=60)
    assert scenario.double.calls("/v1/job/stop") == 1
    assert {j["job_id"]: j["status"] for j in scenario.double.jobs()}[job_id] == "canceled"


def test_operator_killed_right_after_submit_never_submits_twice(scenario):
    scenario.double.mode(job={"waiting_seconds": 2, "running_seconds": 2, "outcome": "success"})
    scenario.apply(scenario.job_manifest("crash"))
    # SIGKILL as soon as FATE-Flow has the job (and its tag), racing the status write.
    h.wait_for("submission", lambda: scenario.double.calls("/v1/job/update") >= 1, timeout=60,
               interval=0.01)
    scenario.operator.kill()
    time.sleep(1)
    scenario.operator.start()
    job = scenario.wait_phase("crash", "Succeeded", timeout=90)
    assert scenario.double.calls("/v1/job/submit") == 1
    assert len(job["status"]["attempts"]) == 1
    assert job["status"]["fateJobId"] == scenario.double.jobs()[0]["job_id"]


def test_fate_flow_down_is_a_reason_and_the_job_recovers(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 12, "outcome": "success"})
    scenario.apply(scenario.job_manifest("outage"))
    scenario.wait_phase("outage", "Running", timeout=60)
    scenario.double.call("POST", "/_double/down", {"seconds": 6})
    h.wait_for("unavailable reason", lambda: (scenario.condition("outage", "Reconciling") or {}).get(
        "reason") == "FateFlowUnavailable", timeout=30)
    assert scenario.condition("outage", "Ready")["reason"] == "FateFlowUnavailable"
    job = scenario.wait_phase("outage", "Succeeded", timeout=90)
    assert len(job["status"]["attempts"]) == 1
    assert scenario.double.calls("/v1/job/submit") == 1


def test_ttl_after_finished_deletes_the_object(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0.5, "outcome": "success"})
    scenario.apply(scenario.job_manifest("shortlived", run_policy={"ttlSecondsAfterFinished": 3}))
    scenario.wait_phase("shortlived", "Succeeded", timeout=60)
    finished = time.monotonic()
    h.wait_for("object deleted by TTL", lambda: scenario.get("shortlived") is None, timeout=30)
    assert time.monotonic() - finished >= 2  # not before the TTL (1 s of polling slack)


def test_fate_flow_auth_signs_requests_and_a_wrong_secret_is_reported(scenario):
    scenario.double.mode(job={"waiting_seconds": 0, "running_seconds": 0.5, "outcome": "success"},
                         client_auth={"app_key": "operator", "app_secret": "s3cret"})

    def auth_secret(app_secret):
        scenario.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "fate-auth"},
                        "stringData": {"appKey": "operator", "appSecret": app_secret}})

    auth_secret("s3cret")
    scenario.apply({
        "apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
        "metadata": {"name": "party-9999"},
        "spec": {"partyId": 9999, "fate": {"version": "1.11.1", "flow": {
            "url": scenario.double.url, "authSecretRef": {"name": "fate-auth"}}}},
    })
    scenario.apply(scenario.job_manifest("signed"))
    scenario.wait_phase("signed", "Succeeded", timeout=90)
    assert scenario.double.calls("/v1/job/submit") == 1

    auth_secret("wrong")
    scenario.apply(scenario.job_manifest("wrong-secret"))

    def rejected():
        conditions = (scenario.get("wrong-secret") or {}).get("status", {}).get("conditions", [])
        return [c for c in conditions if "retcode 109" in c.get("message", "")]

    found = h.wait_for("retcode 109 in a condition", rejected, timeout=60)
    assert "authentication failed" in found[0]["message"]
