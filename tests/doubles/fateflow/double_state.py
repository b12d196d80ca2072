"""State of the FATE-Flow 1.x double: jobs, models, fault modes and the call log.

Everything lives in one object guarded by one lock and is written to <state-dir>/state.json after
every change, so the double can be killed and restarted on the same port (a real "FATE-Flow down")
without forgetting what was submitted.
"""

import copy
import datetime
import json
import os
import threading
import time

END_STATES = ("success", "failed", "canceled", "timeout")


def default_mode(fate_version):
    """The fault/scenario knobs; POST /_double/mode merges a JSON object into this."""
    return {
        "fate_version": fate_version,
        # Job schedule: seconds in waiting, then in running, then the outcome.
        # outcome: success | failed | canceled | timeout | hang (stays running forever).
        "job": {"waiting_seconds": 0.5, "running_seconds": 1.0, "outcome": "success"},
        # Outcomes consumed one per submission before falling back to job.outcome.
        "job_outcomes": [],
        # Submission fails (1.7+: retcode 103 + traceback, jobId kept, job tagged submit_failed).
        "submit_fails": 0,
        # Every FATE endpoint answers after this many seconds.
        "delay_seconds": 0.0,
        # "reset": FATE endpoints drop the connection without answering (side channel still works).
        "down": None,
        # Every FATE endpoint answers with this HTTP status and FATE's error body.
        "http_status": None,
        # Endpoint faults: [{"endpoint": "/v1/job/query" | "*", "retcode": 100, "retmsg": "...",
        #                    "http_status": 200, "times": n (omit = forever)}]
        "faults": [],
        # Per-party faults in fan-outs: {"deploy"|"load"|"bind": {"host:10000": {"retcode": 123,
        #   "retmsg": "model initialization error", "times": n (omit = forever)}}}
        "party_faults": {},
        # stop is not confirmed by every party (retcode 103 with per-party data).
        "stop_unconfirmed": False,
        # Servings configured; false reproduces "Please configure servings address".
        "servings_configured": True,
        # FATE-Flow client authentication: {"app_key": K, "app_secret": S} or None (client_auth.py).
        "client_auth": None,
    }


def version_tuple(version):
    parts = []
    for piece in str(version).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])


def gen_model_id(roles):
    """FATE's model id: sorted roles, each `role-<sorted unique party ids joined by _>`, + #model."""
    keys = []
    for role in sorted(roles):
        parties = sorted({str(p) for p in roles[role]}, key=lambda p: (len(p), p))
        keys.append("%s-%s" % (role, "_".join(parties)))
    return "#".join(keys + ["model"])


class State:
    def __init__(self, state_dir, fate_version):
        self.lock = threading.RLock()
        self.state_dir = state_dir
        os.makedirs(os.path.join(state_dir, "models"), exist_ok=True)
        self.mode = default_mode(fate_version)
        self.jobs = {}  # job_id -> job record
        self.models = {}  # "model_id|model_version" -> model record (imported or deployed)
        self.bindings = {}  # service_id -> {"model_id", "model_version"}
        self.calls = {}  # endpoint path -> count
        self.call_log = []  # [{"endpoint", "body"}], newest last, bounded
        self.last_id = ""
        self._load()

    # ---- persistence -------------------------------------------------------------------------
    def _path(self):
        return os.path.join(self.state_dir, "state.json")

    def _load(self):
        try:
            with open(self._path(), encoding="utf-8") as f:
                saved = json.load(f)
        except FileNotFoundError:
            return
        self.mode.update(saved.get("mode", {}))
        self.jobs = saved.get("jobs", {})
        self.models = saved.get("models", {})
        self.bindings = saved.get("bindings", {})
        self.calls = saved.get("calls", {})
        self.call_log = saved.get("call_log", [])
        self.last_id = saved.get("last_id", "")

    def save(self):
        with self.lock:
            data = {
                "mode": self.mode,
                "jobs": self.jobs,
                "models": self.models,
                "bindings": self.bindings,
                "calls": self.calls,
                "call_log": self.call_log,
                "last_id": self.last_id,
            }
            tmp = self._path() + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self._path())

    def reset(self):
        with self.lock:
            version = self.mode["fate_version"]
            self.mode = default_mode(version)
            self.jobs, self.models, self.bindings = {}, {}, {}
            self.calls, self.call_log = {}, []
            self.save()

    # ---- ids, modes, calls ---------------------------------------------------------------------
    def new_id(self):
        """FATE-style id: a timestamp with microseconds plus one digit, unique in this double."""
        with self.lock:
            candidate = datetime.datetime.now().strftime("%Y%m%d%H%M%S%f") + "0"
            if candidate <= self.last_id:
                candidate = str(int(self.last_id) + 1)
            self.last_id = candidate
            return candidate

    def fate_version(self):
        return version_tuple(self.mode["fate_version"])

    def merge_mode(self, patch):
        with self.lock:
            for key, value in patch.items():
                if isinstance(value, dict) and isinstance(self.mode.get(key), dict):
                    self.mode[key].update(value)
                else:
                    self.mode[key] = value
            self.save()
            return copy.deepcopy(self.mode)

    def record_call(self, endpoint, body_preview):
        with self.lock:
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
            self.call_log.append({"endpoint": endpoint, "body": body_preview, "at": time.time()})
            del self.call_log[:-500]

    def take_endpoint_fault(self, endpoint):
        """The first configured fault matching `endpoint`, consuming one of its `times`."""
        with self.lock:
            for fault in self.mode["faults"]:
                if fault.get("endpoint") not in ("*", endpoint):
                    continue
                if "times" in fault:
                    if fault["times"] <= 0:
                        continue
                    fault["times"] -= 1
                return dict(fault)
            return None

    def take_party_fault(self, operation, role, party_id):
        with self.lock:
            faults = self.mode["party_faults"].get(operation, {})
            fault = faults.get("%s:%s" % (role, party_id))
            if fault is None:
                return None
            if "times" in fault:
                if fault["times"] <= 0:
                    return None
                fault["times"] -= 1
            return {"retcode": fault.get("retcode", 100), "retmsg": fault.get("retmsg", "failed")}
