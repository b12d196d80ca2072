"""Starts the FATE-Flow double as a real process on a free port for each test."""

import http.client
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


class DoubleProcess:
    def __init__(self, state_dir, fate_version, env=None, port=0):
        self.state_dir = state_dir
        port_file = os.path.join(state_dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fateflow_double.py"), "--port", str(port),
             "--port-file", port_file, "--state-dir", state_dir, "--fate-version", fate_version],
            env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("double did not start")
            time.sleep(0.02)
        with open(port_file, encoding="utf-8") as f:
            self.port = int(f.read())

    def request(self, method, path, body=None, headers=None, raw=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                               else None)
        hdrs = {"Content-Type": "application/json"} if raw is None else {}
        hdrs.update(headers or {})
        conn.request(method, path, body=payload, headers=hdrs)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if response.getheader("Content-Type", "").startswith("application/json"):
            return response.status, json.loads(data), response
        return response.status, data, response

    def post(self, path, body=None):
        status, data, _ = self.request("POST", path, body)
        return status, data

    def mode(self, **patch):
        return self.post("/_double/mode", patch)[1]

    def calls(self, endpoint):
        return self.request("GET", "/_double/calls")[1]["calls"].get(endpoint, 0)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def multipart(fields, file_bytes, filename="model.zip"):
    boundary = "----flop" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" %
                      (boundary, name, value)).encode())
    if file_bytes is not None:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n" % (boundary, filename)).encode()
                     + file_bytes + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=%s" % boundary


@pytest.fixture
def double_factory(tmp_path):
    started = []

    def start(fate_version="1.11.1", env=None, state_dir=None, port=0):
        directory = state_dir or str(tmp_path / ("state%d" % len(started)))
        os.makedirs(directory, exist_ok=True)
        proc = DoubleProcess(directory, fate_version, env, port)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            proc.stop()


@pytest.fixture
def double(double_factory):
    return double_factory()
