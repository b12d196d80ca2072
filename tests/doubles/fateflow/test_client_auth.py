"""The double's FATE-Flow client authentication (client_auth.py)."""

import json
import time
import uuid

import client_auth
from conftest import multipart

KEY, SECRET = "app", "s3cret"


def test_signature_matches_the_known_answer_the_cpp_signer_is_tested_with():
    # Same inputs and answer as tests/api/fate_auth_test.cpp: two implementations, one result.
    assert client_auth.signature(SECRET, "1634890066095", "782d733e-330f-11ec-8be9-a0369fa972af",
                                 KEY, "/v1/job/submit", b'{"job_id": "x"}', {}) == \
        "Ak0wenRBnTMWMnofximcC2vWES4="
    assert client_auth.signature(SECRET, "1634890066095", "782d733e-330f-11ec-8be9-a0369fa972af",
                                 KEY, "/v1/job/submit?", b"{}", {}) == \
        "TuNHo6Xf8QXlODT7NxcsM6IEXzs="


def signed(path, raw=b"", form=None, secret=SECRET, timestamp=None):
    ts = str(int((timestamp or time.time()) * 1000))
    nonce = str(uuid.uuid4())
    return {"TIMESTAMP": ts, "NONCE": nonce, "APP_KEY": KEY,
            "SIGNATURE": client_auth.signature(secret, ts, nonce, KEY, path, raw, form or {})}


def test_unsigned_wrong_and_stale_requests_are_refused_with_retcode_109(double):
    double.mode(client_auth={"app_key": KEY, "app_secret": SECRET})
    body = json.dumps({"module": "FATE"}).encode()
    _, unsigned, _ = double.request("POST", "/v1/version/get", raw=body,
                                    headers={"Content-Type": "application/json"})
    assert unsigned["retcode"] == 109 and "requirement headers" in unsigned["retmsg"]
    _, wrong, _ = double.request("POST", "/v1/version/get", raw=body, headers=dict(
        signed("/v1/version/get", body, secret="other"), **{"Content-Type": "application/json"}))
    assert (wrong["retcode"], wrong["retmsg"]) == (109, "signature authentication failed")
    _, stale, _ = double.request("POST", "/v1/version/get", raw=body, headers=dict(
        signed("/v1/version/get", body, timestamp=time.time() - 120),
        **{"Content-Type": "application/json"}))
    assert stale["retcode"] == 109 and "seconds away" in stale["retmsg"]
    _, good, _ = double.request("POST", "/v1/version/get", raw=body, headers=dict(
        signed("/v1/version/get", body), **{"Content-Type": "application/json"}))
    assert good["retcode"] == 0 and good["data"]["FATE"]


def test_multipart_requests_sign_their_form_fields(double):
    double.mode(client_auth={"app_key": KEY, "app_secret": SECRET})
    fields = {"role": "guest", "party_id": "99", "model_id": "arbiter-100#guest-99#host-100#model",
              "model_version": "1"}
    raw, content_type = multipart(fields, None)
    _, tampered, _ = double.request("POST", "/v1/model/import", raw=raw, headers=dict(
        signed("/v1/model/import", form=dict(fields, party_id="100")),
        **{"Content-Type": content_type}))
    assert tampered["retmsg"] == "signature authentication failed"
    _, passed, _ = double.request("POST", "/v1/model/import", raw=raw, headers=dict(
        signed("/v1/model/import", form=fields), **{"Content-Type": content_type}))
    # Authenticated: the import itself now fails on its own terms (no file in this request).
    assert passed["retcode"] != 109 and "file" in passed["retmsg"].lower()
