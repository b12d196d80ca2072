"""Model endpoints of the FATE-Flow 1.x double: deploy, load, bind, import, export, query, packaging.

A model is either trained (a job that reached success; a *parent* model whose version is the job
id), deployed (a child version created by deploy) or imported (a multipart upload stored under
<state-dir>/models and, when FLOP_FL_MODEL names the fl-model binary, verified with it).
"""

import hashlib
import os
import subprocess

from double_state import version_tuple
from fate_jobs import current_status, fail, ok

DEPLOY_FIRST = ("Only deployed models could be used to execute process of loading. "
                "Please deploy model before loading.")


def _key(model_id, model_version):
    return "%s|%s" % (model_id, model_version)


def find_model(state, model_id, model_version):
    """The model record for (model_id, model_version); model_id None matches any id."""
    with state.lock:
        for record in state.models.values():
            if record["model_version"] == str(model_version) and model_id in (None,
                                                                              record["model_id"]):
                return record
        job = state.jobs.get(str(model_version))
        if job is None or current_status(job) != "success":
            return None
        if model_id not in (None, job["model_info"]["model_id"]):
            return None
        record = {
            "model_id": job["model_info"]["model_id"],
            "model_version": job["job_id"],
            "roles": job["roles"],
            "initiator": job["initiator"],
            "dsl_version": job["dsl_version"],
            "parent": True,
            "fate_version": state.mode["fate_version"],
            "source": "trained",
            "loaded": {},
            "files": {},
        }
        state.models[_key(record["model_id"], record["model_version"])] = record
        return record


def _missing(body, *names):
    missing = [name for name in names if body.get(name) in (None, "")]
    return fail(101, "required argument are missing: %s" % ",".join(missing)) if missing else None


def _fan_out(state, operation, parties, check):
    """Calls `check(role, party)` for each party unless a party fault is configured; builds FATE's
    {detail: {role: {party: {retcode, retmsg}}}, role: {party: retcode}} shape."""
    detail, codes, all_ok = {}, {}, True
    for role, party_id in parties:
        result = state.take_party_fault(operation, role, party_id) or check(role, party_id)
        detail.setdefault(role, {})[str(party_id)] = result
        codes.setdefault(role, {})[str(party_id)] = result["retcode"]
        all_ok = all_ok and result["retcode"] == 0
    data = dict(codes)
    data["detail"] = detail
    return all_ok, data


def _parties(roles, include_arbiter):
    return [(role, party) for role in ("guest", "host", "arbiter") for party in roles.get(role, [])
            if include_arbiter or role != "arbiter"]


def deploy(state, body):
    problem = _missing(body, "model_id", "model_version")
    if problem:
        return problem
    with state.lock:
        parent = find_model(state, body["model_id"], body["model_version"])
        if parent is None or version_tuple(parent["fate_version"]) < (1, 5, 0):
            return 404, {"retcode": 404,
                         "retmsg": "Deploy model failed. Model %s %s not found or fate version "
                                   "below 1.5.0" % (body["model_id"], body["model_version"])}
        child_version = state.new_id()
        all_ok, data = _fan_out(state, "deploy", _parties(parent["roles"], True),
                                lambda role, party: {"retcode": 0, "retmsg": "deploy success"})
        child = dict(parent, model_version=child_version, parent=False,
                     parent_version=parent["model_version"], source="deployed", loaded={})
        state.models[_key(child["model_id"], child_version)] = child
        state.save()
    data.update({"model_id": parent["model_id"], "model_version": child_version})
    return (200, {"retcode": 0 if all_ok else 101, "retmsg": "success" if all_ok else "failed",
                  "data": data})


def _model_from_publish_body(state, body):
    """Load and bind accept {job_id} or {initiator, role, job_parameters{model_id, version}}."""
    if body.get("job_id"):
        return find_model(state, None, body["job_id"]), None
    params = body.get("job_parameters") or {}
    if not body.get("initiator") or not body.get("role") or not params.get("model_id") or \
            not params.get("model_version"):
        return None, fail(101, "required argument are missing: initiator, role, "
                               "job_parameters.model_id, job_parameters.model_version")
    return find_model(state, params["model_id"], params["model_version"]), None


def load(state, body):
    with state.lock:
        model, problem = _model_from_publish_body(state, body)
        if problem:
            return problem
        if model is None:
            return fail(101, "can not found model")
        roles = body.get("role") or model["roles"]
        needs_deploy = (model["parent"] and model["dsl_version"] != 1
                        and version_tuple(model["fate_version"]) > (1, 5, 0))

        def load_party(role, party):
            if not state.mode["servings_configured"]:
                return {"retcode": 100, "retmsg": "Please configure servings address"}
            if needs_deploy:
                return {"retcode": 100, "retmsg": DEPLOY_FIRST}
            key = "%s:%s" % (role, party)
            model["loaded"][key] = model["loaded"].get(key, 0) + 1
            return {"retcode": 0, "retmsg": "success"}

        all_ok, data = _fan_out(state, "load", _parties(roles, False), load_party)
        load_job_id = state.new_id()
        state.save()
    return (200, {"retcode": 0 if all_ok else 101, "retmsg": "success" if all_ok else "failed",
                  "jobId": load_job_id, "data": data})


def bind(state, body):
    if not body.get("service_id"):
        return fail(101, "no service id")
    with state.lock:
        model, problem = _model_from_publish_body(state, body)
        if problem:
            return problem
        if model is None:
            return fail(101, "can not found model")
        initiator = body.get("initiator") or model["initiator"]
        guest = initiator.get("party_id") if initiator.get("role") == "guest" else \
            (model["roles"].get("guest") or [None])[0]
        fault = state.take_party_fault("bind", "guest", guest)
        if fault:
            return fail(fault["retcode"], fault["retmsg"])
        if not model["loaded"].get("guest:%s" % guest):
            # FATE-Serving refuses to bind a model it does not hold; the double says so plainly.
            return fail(100, "model %s %s is not loaded on guest %s's serving" %
                        (model["model_id"], model["model_version"], guest))
        state.bindings[body["service_id"]] = {"model_id": model["model_id"],
                                              "model_version": model["model_version"]}
        state.save()
    return fail(0, "service id is %s" % body["service_id"])


def _new_flow(state):
    return state.fate_version() >= (1, 9, 0)


def _import_error(state, http_status, retmsg):
    """1.9+ answers with HTTP status = code; 1.5-1.8 turn the exception into retcode 100."""
    if _new_flow(state):
        return http_status, {"retcode": http_status, "retmsg": retmsg}
    return fail(100, retmsg)


def _verify_with_fl_model(path):
    binary = os.environ.get("FLOP_FL_MODEL")
    if not binary:
        return None
    result = subprocess.run([binary, "verify", path], capture_output=True, text=True, timeout=120,
                            check=False)
    if result.returncode == 0:
        return None
    return (result.stderr or result.stdout or "fl-model verify failed").strip()


def import_model(state, fields, file_bytes):
    problem = _missing(fields, "role", "party_id", "model_id", "model_version")
    if problem:
        return problem
    if file_bytes is None:
        return _import_error(state, 400, "No file was uploaded")
    role, party, model_id, version = (str(fields[k]) for k in ("role", "party_id", "model_id",
                                                                "model_version"))
    force = str(fields.get("force_update", "0")).lower() in ("1", "true")
    sha256 = hashlib.sha256(file_bytes).hexdigest()
    if fields.get("hash") and _new_flow(state) and str(fields["hash"]) != sha256:
        return _import_error(state, 400, "hash mismatch: file sha256 %s" % sha256)
    directory = os.path.join(state.state_dir, "models", "%s#%s#%s" % (role, party, model_id))
    path = os.path.join(directory, "%s.zip" % version)
    with state.lock:
        record = state.models.get(_key(model_id, version))
        party_key = "%s#%s" % (role, party)
        if record and party_key in record["files"] and not force and _new_flow(state):
            return _import_error(state, 409, "Model %s %s already exists on %s %s" %
                                 (model_id, version, role, party))
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".uploading"
    with open(tmp, "wb") as f:
        f.write(file_bytes)
    rejection = _verify_with_fl_model(tmp)
    if rejection:
        os.remove(tmp)
        return _import_error(state, 500, "import model failed: %s" % rejection)
    os.replace(tmp, path)
    with state.lock:
        record = state.models.setdefault(_key(model_id, version), {
            "model_id": model_id, "model_version": version, "roles": {}, "initiator": {},
            "dsl_version": 1, "parent": True, "fate_version": state.mode["fate_version"],
            "source": "imported", "loaded": {}, "files": {}})
        parties = record["roles"].setdefault(role, [])
        if party not in [str(p) for p in parties]:
            parties.append(int(party) if party.isdigit() else party)
        if role == "guest" and not record["initiator"]:
            record["initiator"] = {"role": "guest", "party_id": party}
        record["files"][party_key] = {"path": path, "sha256": sha256, "bytes": len(file_bytes)}
        import_job_id = state.new_id()
        state.save()
    if not _new_flow(state):
        return ok()
    return ok({"job_id": import_job_id, "role": role, "party_id": party, "model_id": model_id,
               "model_version": version})


def _stored_file(state, role, party, model_id, version):
    with state.lock:
        record = state.models.get(_key(model_id, version))
        return record and record["files"].get("%s#%s" % (role, party))


def export(state, body):
    """Returns (status, body, headers): the stored zip, or FATE's JSON error."""
    problem = _missing(body, "role", "party_id", "model_id", "model_version")
    if problem:
        return problem
    role, party, model_id, version = (str(body[k]) for k in ("role", "party_id", "model_id",
                                                              "model_version"))
    stored = _stored_file(state, role, party, model_id, version)
    if not stored:
        message = "Can not found %s %s model local cache" % (model_id, version)
        status = 404 if _new_flow(state) else 210
        return status, {"retcode": status, "retmsg": message}
    with open(stored["path"], "rb") as f:
        content = f.read()
    filename = "%s#%s#%s_%s.zip" % (role, party, model_id, version)
    return 200, content, {"Content-Type": "application/zip",
                          "Content-Disposition": "attachment; filename=%s" % filename}


def query(state, body):
    rows = []
    with state.lock:
        for record in list(state.models.values()):
            if body.get("model_id") and body["model_id"] != record["model_id"]:
                continue
            if body.get("model_version") and str(body["model_version"]) != record["model_version"]:
                continue
            for role, parties in record["roles"].items():
                for party in parties:
                    if body.get("role") and body["role"] != role:
                        continue
                    if body.get("party_id") and str(body["party_id"]) != str(party):
                        continue
                    rows.append({
                        "f_model_id": record["model_id"],
                        "f_model_version": record["model_version"],
                        "f_role": role,
                        "f_party_id": str(party),
                        "f_job_id": record["model_version"],
                        "f_parent": record["parent"],
                        "f_parent_info": {"parent_version": record.get("parent_version")},
                        "f_fate_version": record["fate_version"],
                        "f_imported": 1 if record["source"] == "imported" else 0,
                        "f_loaded_times": record["loaded"].get("%s:%s" % (role, party), 0),
                    })
    if not rows:
        return fail(100, "Query model failed, no model could be found")
    return ok(rows)


def archive_packaging(state, body):
    problem = _missing(body, "party_model_id", "model_version")
    if problem:
        return problem
    role, party, model_id = (str(body["party_model_id"]).split("#", 2) + ["", ""])[:3]
    stored = _stored_file(state, role, party, model_id, str(body["model_version"]))
    if not stored:
        return 404, {"retcode": 404, "retmsg": "model %s %s not found" %
                     (body["party_model_id"], body["model_version"])}
    return ok({"party_model_id": body["party_model_id"], "model_version": body["model_version"],
               "path": stored["path"], "hash": stored["sha256"]})


def not_in_double(state, body):
    return fail(100, "this endpoint is not implemented by the FATE-Flow double "
                     "(the operator migrates with fl-model and imports the result)")
