"""The double's version and job endpoints against the shapes in fate-flow-api.md §2-§3."""

import time

CONF = {
    "dsl_version": 2,
    "initiator": {"role": "guest", "party_id": 9999},
    "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
    "job_parameters": {"common": {"work_mode": 1}},
}
DSL = {"components": {"reader_0": {"module": "Reader"}}}


def submit(double, conf=CONF):
    status, body = double.post("/v1/job/submit", {"dsl": DSL, "runtime_conf": conf})
    assert status == 200
    return body


def initiator_row(double, job_id):
    _, body = double.post("/v1/job/query", {"job_id": job_id, "role": "guest", "party_id": 9999})
    assert body["retcode"] == 0
    (row,) = body["data"]
    assert row["f_is_initiator"] is True
    return row


def wait_for_status(double, job_id, wanted, timeout=10):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        status = initiator_row(double, job_id)["f_status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == wanted:
            return seen
        time.sleep(0.05)
    raise AssertionError("job %s never reached %s; saw %s" % (job_id, wanted, seen))


def test_version_1_11_reports_fate_and_api(double):
    status, body = double.post("/v1/version/get")
    assert status == 200
    assert body == {"retcode": 0, "retmsg": "success", "data": {"FATE": "1.11.1", "API": "v1"}}
    status, body = double.post("/v1/info/version", {"module": "Nope"})
    assert status == 404 and body["retmsg"] == "unknown module Nope"


def test_version_1_5_needs_a_json_body_and_has_no_api_key(double_factory):
    old = double_factory("1.5.0")
    assert old.post("/v1/version/get")[1]["retcode"] == 100
    assert old.post("/v1/version/get", {"module": "FATE"})[1]["data"] == {"FATE": "1.5.0"}
    assert old.post("/v1/info/version", {"module": "FATE"})[0] == 404


def test_version_is_switchable_through_the_side_channel(double):
    double.mode(fate_version="1.5.1")
    assert double.post("/v1/version/get", {"module": "FATE"})[1]["data"]["FATE"] == "1.5.1"


def test_submit_answers_with_job_id_and_model_info(double):
    body = submit(double)
    assert body["retcode"] == 0
    assert body["jobId"] == body["data"]["job_id"]
    assert len(body["jobId"]) == 21 and body["jobId"].isdigit()
    assert body["data"]["model_info"] == {
        "model_id": "arbiter-10000#guest-9999#host-10000#model",
        "model_version": body["jobId"],
    }
    assert "board_url" in body["data"]


def test_job_goes_waiting_running_success(double):
    double.mode(job={"waiting_seconds": 0.3, "running_seconds": 0.3, "outcome": "success"})
    job_id = submit(double)["jobId"]
    assert wait_for_status(double, job_id, "success") == ["waiting", "running", "success"]
    row = initiator_row(double, job_id)
    assert row["f_progress"] == 100 and row["f_end_time"] >= row["f_start_time"]


def test_query_returns_one_row_per_hosted_party(double):
    job_id = submit(double)["jobId"]
    _, body = double.post("/v1/job/query", {"job_id": job_id})
    parties = sorted((row["f_role"], row["f_party_id"]) for row in body["data"])
    assert parties == [("arbiter", "10000"), ("guest", "9999"), ("host", "10000")]
    assert [row["f_is_initiator"] for row in body["data"]].count(True) == 1


def test_query_of_unknown_job_is_not_an_error_code(double):
    assert double.post("/v1/job/query", {"job_id": "1"})[1] == {
        "retcode": 0, "retmsg": "no job could be found", "data": []}


def test_outcomes_are_consumed_per_submission(double):
    double.mode(job={"waiting_seconds": 0, "running_seconds": 0.1},
                job_outcomes=["failed", "timeout"])
    first, second, third = (submit(double)["jobId"] for _ in range(3))
    wait_for_status(double, first, "failed")
    wait_for_status(double, second, "timeout")
    wait_for_status(double, third, "success")


def test_stop_cancels_a_running_job_and_unknown_job_is_102(double):
    double.mode(job={"waiting_seconds": 0, "running_seconds": 0, "outcome": "hang"})
    job_id = submit(double)["jobId"]
    _, body = double.post("/v1/job/stop", {"job_id": job_id})
    assert body["retcode"] == 0 and "all party success" in body["retmsg"]
    assert initiator_row(double, job_id)["f_status"] == "canceled"
    assert double.post("/v1/job/stop", {"job_id": "404"})[1]["retcode"] == 102


def test_stop_not_confirmed_by_every_party(double):
    job_id = submit(double)["jobId"]
    double.mode(stop_unconfirmed=True)
    _, body = double.post("/v1/job/stop", {"job_id": job_id, "stop_status": "failed"})
    assert body["retcode"] == 103 and body["data"]["host"]["10000"]["retcode"] != 0


def test_rerun_moves_an_ended_job_back_to_waiting(double):
    double.mode(job={"waiting_seconds": 0.2, "running_seconds": 0, "outcome": "failed"})
    job_id = submit(double)["jobId"]
    wait_for_status(double, job_id, "failed")
    assert double.post("/v1/job/rerun", {"job_id": job_id})[1]["retcode"] == 0
    assert initiator_row(double, job_id)["f_status"] == "waiting"


def test_notes_make_a_job_findable_by_description(double):
    job_id = submit(double)["jobId"]
    submit(double)  # another job, not tagged
    _, body = double.post("/v1/job/update", {"job_id": job_id, "role": "guest",
                                             "party_id": 9999, "notes": "uid-1234"})
    assert body["retcode"] == 0
    _, body = double.post("/v1/job/list/job", {"description": "uid-1234"})
    assert body["data"]["count"] == 1
    assert body["data"]["jobs"][0]["f_job_id"] == job_id
    assert body["data"]["jobs"][0]["f_description"] == "uid-1234"
    assert double.post("/v1/job/update", {"job_id": "nope", "role": "guest", "party_id": 9999,
                                          "notes": "x"})[1] == {"retcode": 101,
                                                                "retmsg": "find job failed"}


def test_list_rejects_invalid_status_with_http_400(double):
    assert double.post("/v1/job/list/job", {"status": ["bogus"]})[0] == 400


def test_failed_submission_keeps_job_id_and_is_excluded_from_list(double):
    double.mode(submit_fails=1)
    body = submit(double)
    assert body["retcode"] == 103 and body["jobId"] and "Traceback" in body["retmsg"]
    assert "data" not in body
    assert double.post("/v1/job/list/job", {})[1]["data"]["count"] == 0
    assert submit(double)["retcode"] == 0


def test_fate_1_5_wants_old_keys_and_work_mode(double_factory):
    old = double_factory("1.5.1")
    conf = dict(CONF, job_parameters={})
    assert old.post("/v1/job/submit", {"job_dsl": DSL, "job_runtime_conf": conf})[1][
        "retcode"] == 100
    conf = dict(CONF, job_parameters={"work_mode": 1})
    assert old.post("/v1/job/submit", {"job_dsl": DSL, "job_runtime_conf": conf})[1][
        "retcode"] == 0
    assert old.post("/v1/job/list/job", {"limit": 5})[1]["retcode"] == 0


def test_side_channel_pins_party_states(double):
    job_id = submit(double)["jobId"]
    double.post("/_double/job", {"job_id": job_id, "role": "host", "party_id": 10000,
                                 "status": "failed"})
    double.post("/_double/job", {"job_id": job_id, "status": "running"})
    _, body = double.post("/v1/job/query", {"job_id": job_id})
    states = {row["f_role"]: row["f_status"] for row in body["data"]}
    assert states == {"guest": "running", "host": "failed", "arbiter": "running"}


def test_calls_are_counted_per_endpoint(double):
    submit(double)
    submit(double)
    double.post("/v1/job/query", {})
    assert double.calls("/v1/job/submit") == 2
    assert double.calls("/v1/job/query") == 1


def test_state_survives_a_restart_on_the_same_port(double_factory):
    first = double_factory()
    job_id = submit(first)["jobId"]
    port, state_dir = first.port, first.state_dir
    first.stop()
    second = double_factory(state_dir=state_dir, port=port)
    assert second.port == port
    assert initiator_row(second, job_id)["f_job_id"] == job_id
    assert second.calls("/v1/job/submit") == 1
