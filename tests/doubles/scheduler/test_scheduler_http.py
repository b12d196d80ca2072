"""Holds the scheduler double's HTTP surface to shared/reference/mindspore-fl-scheduler.md §2-§3, §12."""

import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
import time

import pytest

import scheduler_http
import scheduler_model as m

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def double_factory():
    started = []

    def start(server_num=2, tls=None, **options):
        sched = m.Scheduler(m.Options(server_num=server_num, **options), clock=m.FakeClock())
        double = scheduler_http.SchedulerDouble(sched, port=0, tls_cert=tls and tls[0],
                                                tls_key=tls and tls[1])
        double.serve_in_background()
        started.append(double)
        return double

    yield start
    for double in started:
        double.shutdown()


def call(double, path, body=None, method="POST", context=None, timeout=10):
    if context is not None:
        conn = http.client.HTTPSConnection("127.0.0.1", double.port, context=context, timeout=timeout)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", double.port, timeout=timeout)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, body=data)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp, raw


def jcall(double, path, body=None, method="POST"):
    resp, raw = call(double, path, body, method)
    return resp.status, json.loads(raw)


def form(double, count):
    for i in range(count):
        assert jcall(double, "/_double/register", {"node_id": f"srv-{i}"})[0] == 200


def test_state_in_1_5_uses_the_misspelt_starting_and_no_code(double_factory):
    double = double_factory()
    resp, raw = call(double, "/state", method="GET")
    assert resp.status == 200 and resp.reason == "Client"
    assert resp.getheader("Content-Type") == "application/json"
    assert json.loads(raw) == {"message": "Get cluster state successful.",
                               "cluster_state": "ClUSTER_STARTING"}


def test_state_in_1_6_carries_code_as_a_string(double_factory):
    double = double_factory(flavour="1.6")
    form(double, 2)
    assert jcall(double, "/state") == (200, {"message": "Get cluster state successful.",
                                             "cluster_state": "CLUSTER_READY", "code": "0"})


def test_errors_are_400_with_error_message_and_no_json_content_type(double_factory):
    double = double_factory()
    resp, raw = call(double, "/scaleout", {"worker_num": 0, "server_num": 1})
    assert resp.status == 400 and resp.reason == "Client"
    assert resp.getheader("Content-Type") is None
    assert json.loads(raw) == {"error_message": "The cluster is not ready."}
    double16 = double_factory(flavour="1.6")
    assert jcall(double16, "/scaleout", {"worker_num": 0, "server_num": 1}) == (
        400, {"error_message": "The cluster is not ready.", "code": "1"})


@pytest.mark.parametrize("body,message", [
    (None, "The post message size is invalid."),
    ({"server_num": 1}, "The json is not contain the key:worker_num"),
    ({"worker_num": -1, "server_num": 1}, "The value should not be less than 0."),
    ({"worker_num": 1, "server_num": 1}, "The Worker does not currently support scale out."),
    ({"worker_num": 0}, "The json is not contain the key:server_num"),
    ({"worker_num": 0, "server_num": -2}, "The value should not be less than 0."),
])
def test_scaleout_checks_in_reference_order(double_factory, body, message):
    double = double_factory()  # not READY: body checks come first
    assert jcall(double, "/scaleout", body) == (400, {"error_message": message})


def test_bad_json_and_ignored_method(double_factory):
    double = double_factory()
    status, body = jcall(double, "/scaleout", b"{nope")
    assert status == 400 and body["error_message"].startswith("Illegal JSON format:")
    # GET /scaleout has no body, so it fails body parsing: the method is ignored.
    assert jcall(double, "/scaleout", method="GET") == (
        400, {"error_message": "The post message size is invalid."})


def test_unknown_path_is_404_and_rollback_absent_in_1_5(double_factory):
    double = double_factory()
    assert call(double, "/metrics")[0].status == 404
    assert call(double, "/scaleoutRollback")[0].status == 404


def test_wrong_json_types_drop_the_connection(double_factory):
    double = double_factory()
    form(double, 2)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        call(double, "/scaleout", {"worker_num": 0, "server_num": "2"})
    assert jcall(double, "/state")[1]["cluster_state"] == "CLUSTER_READY"


def test_scale_out_then_in_over_http_1_5(double_factory):
    double = double_factory(2)
    form(double, 2)
    assert jcall(double, "/scaleout", {"worker_num": 0, "server_num": 2}) == (
        200, {"message": "Cluster begin to scale out."})
    assert jcall(double, "/state")[1]["cluster_state"] == "CLUSTER_SCALE_OUT"
    jcall(double, "/_double/register", {"node_id": "srv-2"})
    jcall(double, "/_double/register", {"node_id": "srv-3"})
    assert jcall(double, "/state")[1]["cluster_state"] == "CLUSTER_READY"
    status, nodes = jcall(double, "/nodes", method="GET")
    assert status == 200 and nodes["message"] == "Get nodes info successful."
    assert nodes["node_ids"][3] == {"node_id": "srv-3", "rank_id": "3", "role": "SERVER"}
    assert jcall(double, "/scalein", {"node_ids": ["srv-3", "srv-2"]}) == (
        200, {"message": "Cluster begin to scale in."})
    assert jcall(double, "/_double/status")[1]["server_num"] == 2
    calls = jcall(double, "/_double/calls")[1]["calls"]
    assert [c["path"] for c in calls] == ["/scaleout", "/state", "/state", "/nodes", "/scalein"]
    assert json.loads(calls[-1]["body"]) == {"node_ids": ["srv-3", "srv-2"]}


def test_nodes_1_6_is_the_live_table_plus_scheduler(double_factory):
    double = double_factory(2, flavour="1.6")
    form(double, 2)
    jcall(double, "/_double/unregister", {"node_id": "srv-1"})  # not yet timed out
    assert jcall(double, "/scaleout", {"worker_num": 0, "server_num": 1})[0] == 200
    # srv-1's connection is gone, so it did not re-register after the reset: the list is partial.
    body = jcall(double, "/nodes")[1]
    assert body["code"] == "0"
    assert body["nodeIds"] == [
        {"alive": "true", "nodeId": "srv-0", "rankId": "0", "role": "SERVER"},
        {"alive": "true", "nodeId": "scheduler-0000", "rankId": "0", "role": "SCHEDULER"}]


def test_transient_states_read_as_empty_string_in_1_5(double_factory):
    double = double_factory(1)
    form(double, 1)
    jcall(double, "/_double/mode", {"fan_out_delay": 30})
    results = {}
    thread = threading.Thread(target=lambda: results.update(r=jcall(double, "/disableFLS")))
    thread.start()
    assert scheduler_http.wait_until(lambda: double.scheduler.state == m.DISABLE_FLS)
    # Over HTTP /state waits behind the fan-out (one handler thread); render it directly.
    assert double._dispatch("/state", b"")["cluster_state"] == ""
    jcall(double, "/_double/release")
    thread.join(5)
    assert results["r"] == (200, {"message": "start disabling FL-Server successful.",
                                  "result": ["success"]})
    assert jcall(double, "/state")[1]["cluster_state"] == "CLUSTER_READY"


def test_slow_scaleout_blocks_state(double_factory):
    double = double_factory(1)
    form(double, 1)
    jcall(double, "/_double/mode", {"scaleout_delay": 30})
    done = threading.Event()
    thread = threading.Thread(target=lambda: (jcall(double, "/scaleout",
                                                    {"worker_num": 0, "server_num": 1}), done.set()))
    thread.start()
    assert scheduler_http.wait_until(lambda: double.scheduler.state == m.SCALE_OUT)
    with pytest.raises(TimeoutError):
        call(double, "/state", timeout=0.5)
    assert not done.is_set()
    jcall(double, "/_double/release")
    assert done.wait(5)
    assert jcall(double, "/state")[1]["cluster_state"] == "CLUSTER_SCALE_OUT"


def test_connection_check_message_over_http(double_factory):
    double = double_factory(3, connection_check=True, flavour="1.6")
    form(double, 3)
    assert jcall(double, "/scalein", {"node_ids": ["srv-2"]})[0] == 200
    status, body = jcall(double, "/scaleout", {"worker_num": 0, "server_num": 1})
    assert status == 400 and body["error_message"] == m.CONNECTIONS_MISMATCH
    jcall(double, "/_double/unregister", {"node_id": "srv-2"})
    assert jcall(double, "/scaleout", {"worker_num": 0, "server_num": 1})[0] == 200


def test_advance_drives_node_timeout(double_factory):
    double = double_factory(2)
    form(double, 2)
    jcall(double, "/_double/unregister", {"node_id": "srv-1"})
    assert jcall(double, "/_double/advance", {"seconds": 31})[1]["state"] == m.NODE_TIMEOUT
    assert jcall(double, "/state")[1]["cluster_state"] == "NODE_TIMEOUT"


def test_drop_next_closes_without_reply(double_factory):
    double = double_factory(1)
    jcall(double, "/_double/mode", {"drop_next": 1})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        call(double, "/state")
    assert jcall(double, "/state")[0] == 200


def test_https_with_self_signed_certificate(double_factory, tmp_path):
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    double = double_factory(1, tls=(str(cert), str(key)))
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    resp, raw = call(double, "/state", context=insecure)
    assert resp.status == 200 and json.loads(raw)["cluster_state"] == "ClUSTER_STARTING"


def test_cli_exits_with_code_1_on_cluster_exit(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "ms_scheduler_double.py"),
                             "--port", "0", "--port-file", str(port_file), "--server-num", "1"])
    try:
        assert scheduler_http.wait_until(port_file.exists, 10)
        port = int(port_file.read_text())

        def post(path, body):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", path, body=json.dumps(body))
            resp = conn.getresponse()
            resp.read()
            return resp.status

        assert post("/_double/register", {"node_id": "srv-0"}) == 200
        assert post("/_double/unregister", {"node_id": "srv-0"}) == 200
        assert post("/_double/advance", {"seconds": 31}) == 200
        assert proc.wait(10) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            time.sleep(0.1)


def test_log_orders_calls_and_registrations(double_factory):
    double = double_factory(1)
    form(double, 1)
    jcall(double, "/scaleout", {"worker_num": 0, "server_num": 1})
    jcall(double, "/_double/register", {"node_id": "srv-1"})
    jcall(double, "/_double/unregister", {"node_id": "srv-1"})
    log = jcall(double, "/_double/log")[1]["log"]
    assert [(e["event"], e.get("node_id") or e.get("path")) for e in log] == [
        ("register", "srv-0"), ("call", "/scaleout"), ("register", "srv-1"), ("unregister", "srv-1")]
    assert [e["seq"] for e in log] == [0, 1, 2, 3]
    assert log[2]["state"] == "CLUSTER_READY" and log[1]["state"] == "CLUSTER_SCALE_OUT"
