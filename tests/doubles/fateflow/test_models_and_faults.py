"""The double's model endpoints (fate-flow-api.md §4-§7) and its fault modes."""

import hashlib
import http.client
import os
import stat
import time

import pytest

from conftest import multipart
from test_jobs import CONF, submit, wait_for_status

MODEL_ID = "arbiter-10000#guest-9999#host-10000#model"


def trained_model(double, dsl_version=2):
    double.mode(job={"waiting_seconds": 0, "running_seconds": 0, "outcome": "success"})
    job_id = submit(double, dict(CONF, dsl_version=dsl_version))["jobId"]
    wait_for_status(double, job_id, "success")
    return job_id


def load_body(version):
    return {"initiator": {"role": "guest", "party_id": 9999},
            "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
            "job_parameters": {"model_id": MODEL_ID, "model_version": version}}


def test_deploy_load_bind_success_path(double):
    parent = trained_model(double)
    _, deployed = double.post("/v1/model/deploy", {"model_id": MODEL_ID, "model_version": parent})
    assert deployed["retcode"] == 0
    child = deployed["data"]["model_version"]
    assert child != parent
    assert deployed["data"]["detail"]["arbiter"]["10000"]["retcode"] == 0
    assert deployed["data"]["guest"] == {"9999": 0}

    _, loaded = double.post("/v1/model/load", load_body(child))
    assert loaded["retcode"] == 0 and loaded["retmsg"] == "success" and loaded["jobId"]
    assert set(loaded["data"]["detail"]) == {"guest", "host"}  # never the arbiter

    body = dict(load_body(child), service_id="svc-1")
    assert double.post("/v1/model/bind", body)[1] == {"retcode": 0,
                                                       "retmsg": "service id is svc-1"}
    models = double.request("GET", "/_double/models")[1]
    assert models["bindings"]["svc-1"] == {"model_id": MODEL_ID, "model_version": child}


def test_load_with_training_version_of_dsl_v2_model_is_refused_everywhere(double):
    parent = trained_model(double)
    _, loaded = double.post("/v1/model/load", load_body(parent))
    assert loaded["retcode"] == 101
    for role in ("guest", "host"):
        result = next(iter(loaded["data"]["detail"][role].values()))
        assert result["retcode"] == 100 and "Please deploy model before loading" in result["retmsg"]


def test_dsl_v1_model_loads_without_deploy(double):
    parent = trained_model(double, dsl_version=1)
    assert double.post("/v1/model/load", {"job_id": parent})[1]["retcode"] == 0


def test_partial_load_guest_ok_host_fails_then_host_retried_alone(double):
    parent = trained_model(double, dsl_version=1)
    double.mode(party_faults={"load": {"host:10000": {"retcode": 123, "times": 1,
                                                      "retmsg": "model initialization error"}}})
    _, loaded = double.post("/v1/model/load", load_body(parent))
    assert loaded["retcode"] == 101 and loaded["retmsg"] == "failed"
    assert loaded["data"]["guest"] == {"9999": 0}
    assert loaded["data"]["detail"]["host"]["10000"] == {"retcode": 123,
                                                         "retmsg": "model initialization error"}
    retry = dict(load_body(parent), role={"host": [10000]})
    _, again = double.post("/v1/model/load", retry)
    assert again["retcode"] == 0 and set(again["data"]["detail"]) == {"host"}


def test_bind_needs_service_id_and_a_loaded_model(double):
    parent = trained_model(double, dsl_version=1)
    assert double.post("/v1/model/bind", load_body(parent))[1] == {"retcode": 101,
                                                                     "retmsg": "no service id"}
    unloaded = double.post("/v1/model/bind", {"job_id": parent, "service_id": "s"})[1]
    assert unloaded["retcode"] != 0


def test_deploy_of_unknown_model_is_http_404(double):
    status, body = double.post("/v1/model/deploy", {"model_id": MODEL_ID, "model_version": "1"})
    assert status == 404 and body["retcode"] == 404


def test_no_servings_configured(double):
    parent = trained_model(double, dsl_version=1)
    double.mode(servings_configured=False)
    _, loaded = double.post("/v1/model/load", {"job_id": parent})
    assert loaded["data"]["detail"]["guest"]["9999"]["retmsg"] == \
        "Please configure servings address"


def do_import(double, fields, data):
    raw, content_type = multipart(fields, data)
    status, body, _ = double.request("POST", "/v1/model/import", raw=raw,
                                     headers={"Content-Type": content_type})
    return status, body


IMPORT_FIELDS = {"role": "guest", "party_id": "99", "model_id": "arbiter-100#guest-99#host-100#model",
                 "model_version": "20200901_0001", "force_update": "0"}


def test_import_stores_the_file_and_export_returns_it(double):
    data = b"PK\x03\x04 not really a zip but bytes are bytes"
    status, body = do_import(double, dict(IMPORT_FIELDS, hash=hashlib.sha256(data).hexdigest()),
                             data)
    assert status == 200 and body["retcode"] == 0
    assert body["data"]["party_id"] == "99" and body["data"]["model_version"] == "20200901_0001"
    stored = os.path.join(double.state_dir, "models",
                          "guest#99#arbiter-100#guest-99#host-100#model", "20200901_0001.zip")
    with open(stored, "rb") as f:
        assert f.read() == data

    status, exported, response = double.request("POST", "/v1/model/export", {
        k: IMPORT_FIELDS[k] for k in ("role", "party_id", "model_id", "model_version")})
    assert status == 200 and exported == data
    assert response.getheader("Content-Disposition").endswith(
        "guest#99#arbiter-100#guest-99#host-100#model_20200901_0001.zip")

    assert do_import(double, IMPORT_FIELDS, data)[0] == 409
    assert do_import(double, dict(IMPORT_FIELDS, force_update="1"), data)[0] == 200
    _, packaged = double.post("/v1/model/archive/packaging", {
        "party_model_id": "guest#99#arbiter-100#guest-99#host-100#model",
        "model_version": "20200901_0001"})
    assert packaged["data"]["hash"] == hashlib.sha256(data).hexdigest()


def test_import_errors_use_http_status_on_1_9_and_retcode_on_1_8(double_factory):
    new, old = double_factory("1.11.1"), double_factory("1.8.0")
    assert do_import(new, IMPORT_FIELDS, None)[0] == 400
    assert do_import(new, dict(IMPORT_FIELDS, hash="0" * 64), b"x")[0] == 400
    status, body = do_import(old, IMPORT_FIELDS, None)
    assert status == 200 and body["retcode"] == 100
    status, body = do_import(old, IMPORT_FIELDS, b"x")
    assert body == {"retcode": 0, "retmsg": "success"}
    assert do_import(new, {"role": "guest"}, b"x")[1]["retcode"] == 101


@pytest.fixture
def fake_fl_model(tmp_path):
    """A stand-in fl-model that accepts archives containing GOOD and rejects others."""
    script = tmp_path / "fl-model"
    script.write_text("#!/bin/sh\n[ \"$1\" = verify ] || exit 2\n"
                      "grep -q GOOD \"$2\" && exit 0\necho 'define_meta.yaml missing' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_import_runs_fl_model_verify_and_rejects_bad_archives(double_factory, fake_fl_model):
    double = double_factory(env={"FLOP_FL_MODEL": fake_fl_model})
    status, body = do_import(double, IMPORT_FIELDS, b"BAD")
    assert status == 500 and body["retcode"] == 500 and "define_meta.yaml missing" in body["retmsg"]
    assert double.request("GET", "/_double/models")[1]["models"] == []
    status, body = do_import(double, IMPORT_FIELDS, b"GOOD")
    assert status == 200 and body["retcode"] == 0


def test_endpoint_fault_with_times(double):
    double.mode(faults=[{"endpoint": "/v1/job/submit", "retcode": 103, "retmsg": "boom",
                         "times": 1}])
    assert double.post("/v1/job/submit", {"dsl": {}, "runtime_conf": CONF})[1] == {
        "retcode": 103, "retmsg": "boom"}
    assert submit(double)["retcode"] == 0


def test_http_status_mode(double):
    double.mode(http_status=503)
    assert double.post("/v1/job/query", {})[0] == 503
    double.mode(http_status=None)
    assert double.post("/v1/job/query", {})[0] == 200


def test_slow_mode_delays_answers(double):
    double.mode(delay_seconds=0.5)
    started = time.time()
    double.post("/v1/version/get", {})
    assert time.time() - started >= 0.5


def test_reset_mode_drops_connections_but_side_channel_answers(double):
    double.mode(down="reset")
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        double.post("/v1/job/query", {})
    assert double.calls("/v1/job/query") == 1
    double.mode(down=None)
    assert double.post("/v1/job/query", {})[0] == 200


def test_down_refuses_connections_then_comes_back_on_the_same_port(double):
    double.post("/_double/down", {"seconds": 1.0})
    time.sleep(0.3)
    with pytest.raises(ConnectionRefusedError):
        double.post("/v1/version/get", {})
    deadline = time.time() + 5
    while True:
        try:
            assert double.post("/v1/version/get", {})[0] == 200
            break
        except ConnectionRefusedError:
            assert time.time() < deadline
            time.sleep(0.1)


def test_down_also_drops_kept_alive_connections(double):
    conn = http.client.HTTPConnection("127.0.0.1", double.port, timeout=5)
    conn.request("POST", "/v1/version/get", body=b"{}", headers={"Content-Type": "application/json"})
    assert conn.getresponse().read()
    double.post("/_double/down", {"seconds": 2.0})
    time.sleep(0.5)
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        conn.request("POST", "/v1/version/get", body=b"{}",
                     headers={"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()
