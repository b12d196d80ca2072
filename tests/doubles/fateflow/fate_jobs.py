"""Job endpoints of the FATE-Flow 1.x double: submit, query, stop, rerun, update, list.

Each handler takes (state, body) and returns (http_status, json_body). A job's state is a function
of the time since it was (re)started and its plan, unless a stop or the side channel pinned it.
"""

import time

from double_state import END_STATES, gen_model_id, version_tuple


def ok(data=None, retmsg="success", **extra):
    body = {"retcode": 0, "retmsg": retmsg}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return 200, body


def fail(retcode, retmsg, data=None, **extra):
    body = {"retcode": retcode, "retmsg": retmsg}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return 200, body


def _party_key(role, party_id):
    return "%s:%s" % (role, party_id)


def current_status(job, now=None):
    """The initiator's job state: pinned, or derived from the plan and the elapsed time."""
    if job.get("pinned_status"):
        return job["pinned_status"]
    now = time.time() if now is None else now
    plan = job["plan"]
    elapsed = now - job["started_at"]
    if elapsed < plan["waiting_seconds"]:
        return "waiting"
    if elapsed < plan["waiting_seconds"] + plan["running_seconds"] or plan["outcome"] == "hang":
        return "running"
    return plan["outcome"]


def _progress(job, status, now):
    if status == "success":
        return 100
    if status != "running":
        return 0 if status == "waiting" else job.get("last_progress", 0)
    plan = job["plan"]
    if plan["outcome"] == "hang" or plan["running_seconds"] <= 0:
        return 50
    into = now - job["started_at"] - plan["waiting_seconds"]
    return max(1, min(99, int(100 * into / plan["running_seconds"])))


def _end_time(job, status):
    if status not in END_STATES:
        return None
    if job.get("pinned_at"):
        return int(job["pinned_at"] * 1000)
    plan = job["plan"]
    return int((job["started_at"] + plan["waiting_seconds"] + plan["running_seconds"]) * 1000)


def job_rows(job, now=None):
    """One row per (role, party_id) this FATE-Flow hosts (the double hosts every party)."""
    now = time.time() if now is None else now
    status = current_status(job, now)
    rows = []
    initiator = job["initiator"]
    for role, parties in job["roles"].items():
        for party_id in parties:
            key = _party_key(role, party_id)
            party_status = job.get("party_status", {}).get(key, status)
            is_initiator = role == initiator.get("role") and str(party_id) == str(
                initiator.get("party_id"))
            end_ms = _end_time(job, party_status)
            start_ms = int((job["started_at"] + job["plan"]["waiting_seconds"]) * 1000)
            rows.append({
                "f_job_id": job["job_id"],
                "f_role": role,
                "f_party_id": str(party_id),
                "f_status": party_status,
                "f_status_code": None,
                "f_progress": _progress(job, party_status, now),
                "f_is_initiator": is_initiator,
                "f_description": job.get("notes", {}).get(key, ""),
                "f_tag": job.get("tag", ""),
                "f_dsl": job["dsl"],
                "f_runtime_conf": job["runtime_conf"],
                "f_runtime_conf_on_party": job["runtime_conf"],
                "f_train_runtime_conf": {},
                "f_roles": job["roles"],
                "f_initiator_role": initiator.get("role"),
                "f_initiator_party_id": str(initiator.get("party_id")),
                "f_cancel_signal": job.get("pinned_status") == "canceled",
                "f_rerun_signal": False,
                "f_create_time": int(job["created_at"] * 1000),
                "f_start_time": start_ms if party_status != "waiting" else None,
                "f_end_time": end_ms,
                "f_elapsed": (end_ms - start_ms) if end_ms else None,
            })
    return rows


def _conf_from_body(state, body):
    old_keys = version_tuple(state.mode["fate_version"]) < (1, 7, 0)
    dsl = body.get("dsl", body.get("job_dsl"))
    conf = body.get("runtime_conf", body.get("job_runtime_conf"))
    if old_keys and ("job_dsl" not in body or "job_runtime_conf" not in body):
        # 1.5/1.6 only know the old keys.
        dsl, conf = body.get("job_dsl"), body.get("job_runtime_conf")
    return dsl, conf


def _work_mode_present(conf):
    params = conf.get("job_parameters", {})
    return "work_mode" in params or "work_mode" in params.get("common", {})


def submit(state, body):
    dsl, conf = _conf_from_body(state, body)
    old_flow = state.fate_version() < (1, 7, 0)
    with state.lock:
        job_id = state.new_id()
        problem = None
        if not isinstance(conf, dict):
            problem = "runtime_conf is required"
        elif not isinstance(conf.get("role"), dict) or not isinstance(conf.get("initiator"), dict):
            problem = "runtime conf needs role and initiator"
        elif old_flow and not _work_mode_present(conf):
            problem = "job_parameters.work_mode is required"
        elif state.mode["submit_fails"] > 0:
            state.mode["submit_fails"] -= 1
            problem = "submit failure injected by the double"
        if problem:
            traceback = ("Traceback (most recent call last):\n  File \"job_app.py\", in submit_job\n"
                         "Exception: %s" % problem)
            if old_flow:
                state.save()
                return fail(100, "Exception('%s')" % problem)
            if isinstance(conf, dict) and isinstance(conf.get("role"), dict):
                _store_job(state, job_id, dsl, conf, tag="submit_failed")
            state.save()
            return fail(103, traceback, jobId=job_id)
        job = _store_job(state, job_id, dsl, conf, tag="")
        state.save()
    model_info = job["model_info"]
    initiator = conf["initiator"]
    data = {
        "job_id": job_id,
        "code": 0,
        "message": "success",
        "model_info": model_info,
        "board_url": "http://fateboard:8080/index.html#/dashboard?job_id=%s&role=%s&party_id=%s" %
                     (job_id, initiator.get("role"), initiator.get("party_id")),
        "logs_directory": "/data/projects/fate/fateflow/logs/%s" % job_id,
        "dsl_path": "/data/projects/fate/fateflow/jobs/%s/job_dsl.json" % job_id,
        "runtime_conf_path": "/data/projects/fate/fateflow/jobs/%s/job_runtime_conf.json" % job_id,
        "runtime_conf_on_party_path":
            "/data/projects/fate/fateflow/jobs/%s/%s/%s/job_runtime_on_party_conf.json" %
            (job_id, initiator.get("role"), initiator.get("party_id")),
        "train_runtime_conf_path": "/data/projects/fate/fateflow/jobs/%s/train_runtime_conf.json" %
                                   job_id,
        "pipeline_dsl_path": "/data/projects/fate/fateflow/jobs/%s/pipeline_dsl.json" % job_id,
    }
    return ok(data, jobId=job_id)


def _store_job(state, job_id, dsl, conf, tag):
    now = time.time()
    plan = dict(state.mode["job"])
    if tag != "submit_failed" and state.mode["job_outcomes"]:
        plan["outcome"] = state.mode["job_outcomes"].pop(0)
    roles = {role: list(parties) for role, parties in conf["role"].items()}
    job = {
        "job_id": job_id,
        "dsl": dsl or {},
        "runtime_conf": conf,
        "roles": roles,
        "initiator": conf["initiator"],
        "dsl_version": int(conf.get("dsl_version", 1) or 1),
        "plan": plan,
        "created_at": now,
        "started_at": now,
        "pinned_status": "failed" if tag == "submit_failed" else None,
        "pinned_at": now if tag == "submit_failed" else None,
        "tag": tag,
        "notes": {},
        "party_status": {},
        "stop_calls": 0,
        "model_info": {"model_id": gen_model_id(roles), "model_version": job_id},
    }
    state.jobs[job_id] = job
    return job


def _matches(row, filters):
    for key, wanted in filters.items():
        if key not in row:
            continue
        value = row[key]
        if isinstance(value, bool) or isinstance(wanted, bool):
            if bool(value) != bool(wanted):
                return False
        elif str(value) != str(wanted):
            return False
    return True


def query(state, body):
    filters = {"f_" + key: value for key, value in (body or {}).items()}
    with state.lock:
        rows = [row for job in state.jobs.values() for row in job_rows(job) if _matches(row, filters)]
    if not rows:
        return ok([], retmsg="no job could be found")
    return ok(rows)


def stop(state, body):
    job_id = body.get("job_id")
    stop_status = body.get("stop_status", "canceled")
    if not job_id:
        return fail(101, "required argument are missing: job_id")
    with state.lock:
        job = state.jobs.get(job_id)
        if job is None:
            return fail(102, "can not found job")
        job["stop_calls"] = job.get("stop_calls", 0) + 1
        if state.mode["stop_unconfirmed"]:
            state.save()
            detail = {role: {str(p): {"retcode": 0 if role == job["initiator"]["role"] else 104,
                                      "retmsg": "stop status"} for p in parties}
                      for role, parties in job["roles"].items()}
            return fail(103, "stop job on this party success; stop job on all party failed",
                        data=detail)
        if current_status(job) not in END_STATES:
            job["pinned_status"] = stop_status if stop_status in ("canceled", "failed") else "canceled"
            job["pinned_at"] = time.time()
        state.save()
    return ok(retmsg="stop job on this party success; stop job on all party success")


def rerun(state, body):
    with state.lock:
        job = state.jobs.get(body.get("job_id"))
        if job is None:
            return fail(102, "can not found job")
        if current_status(job) in END_STATES:
            job["started_at"] = time.time()
            job["pinned_status"] = None
            job["pinned_at"] = None
            job["plan"] = dict(state.mode["job"])
        state.save()
    return ok(retmsg="success")


def update(state, body):
    required = [key for key in ("job_id", "role", "party_id", "notes") if key not in body]
    if required:
        return fail(101, "required argument are missing: %s" % ",".join(required))
    with state.lock:
        job = state.jobs.get(body["job_id"])
        hosted = job and str(body["party_id"]) in {str(p) for p in job["roles"].get(body["role"], [])}
        if not hosted:
            return fail(101, "find job failed")
        job["notes"][_party_key(body["role"], body["party_id"])] = str(body["notes"])
        state.save()
    return ok(retmsg="success")


ROLES = ("guest", "host", "arbiter", "local")


def list_jobs(state, body):
    body = body or {}
    if state.fate_version() < (1, 7, 0):
        limit = int(body.get("limit", 0) or 0)
        with state.lock:
            rows = [row for job in state.jobs.values() for row in job_rows(job)
                    if row["f_is_initiator"]]
        rows.sort(key=lambda r: r["f_create_time"], reverse=True)
        if limit > 0:
            rows = rows[:limit]
        if not rows:
            return fail(101, "No job found")
        return ok(rows)
    roles = body.get("role") or []
    statuses = body.get("status") or []
    if any(r not in ROLES for r in roles) or any(s not in END_STATES + ("waiting", "running", "ready")
                                                 for s in statuses):
        return 400, {"retcode": 400, "retmsg": "invalid role or status"}
    with state.lock:
        rows = []
        for job in state.jobs.values():
            if job.get("tag") == "submit_failed":
                continue
            for row in job_rows(job):
                if body.get("job_id") and str(body["job_id"]) not in row["f_job_id"]:
                    continue
                if body.get("description") and str(body["description"]) not in row["f_description"]:
                    continue
                if body.get("party_id") and str(body["party_id"]) != row["f_party_id"]:
                    continue
                if roles and row["f_role"] not in roles:
                    continue
                if statuses and row["f_status"] not in statuses:
                    continue
                row["partners"] = {r: ps for r, ps in job["roles"].items()}
                rows.append(row)
    order_by = "f_" + str(body.get("order_by", "create_time"))
    rows.sort(key=lambda r: r.get(order_by) or 0, reverse=body.get("order", "desc") == "desc")
    count = len(rows)
    limit, page = int(body.get("limit", 0) or 0), int(body.get("page", 1) or 1)
    if limit > 0:
        rows = rows[(page - 1) * limit:page * limit]
    return ok({"jobs": rows, "count": count})
