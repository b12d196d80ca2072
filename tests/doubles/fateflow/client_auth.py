"""FATE-Flow's client authentication (1.7+, when http_app_key/http_secret_key are configured), as
the double enforces it when its mode has "client_auth": {"app_key": ..., "app_secret": ...}.

Every FATE endpoint then needs the headers TIMESTAMP (Unix ms, within 60 s of the server clock),
NONCE, APP_KEY and SIGNATURE; a request without them or with a wrong signature gets HTTP 200 with
retcode 109 (AUTHENTICATION_ERROR) and FATE's message.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

AUTHENTICATION_ERROR = 109
MAX_TIMESTAMP_INTERVAL = 60
REQUIRED = ["TIMESTAMP", "NONCE", "APP_KEY", "SIGNATURE"]


def _truthy_json(raw):
    try:
        return bool(json.loads(raw)) if raw.strip() else False
    except ValueError:
        return False


def signature(secret, timestamp, nonce, app_key, full_path, raw_json, form):
    """What FATE-Flow recomputes: path with query ('?' stripped), the raw body if it is a non-empty
    JSON value, and the form fields sorted and quoted with '-._~' kept."""
    encoded_form = urllib.parse.urlencode(sorted(form.items()), quote_via=urllib.parse.quote,
                                          safe="-._~") if form else ""
    message = b"\n".join([timestamp.encode(), nonce.encode(), app_key.encode(),
                          full_path.rstrip("?").encode(),
                          raw_json if _truthy_json(raw_json) else b"",
                          encoded_form.encode()])
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha1).digest()).decode()


def check(config, headers, path, query, raw_json, form):
    """None when the request may pass, else FATE's (retcode, retmsg)."""
    if not config:
        return None
    values = {name: headers.get(name) for name in REQUIRED}
    if not all(values.values()):
        return AUTHENTICATION_ERROR, "requirement headers parameters: %s" % REQUIRED
    try:
        timestamp = int(values["TIMESTAMP"]) / 1000
    except ValueError:
        return AUTHENTICATION_ERROR, "Invalid TIMESTAMP"
    now = time.time()
    if not now - MAX_TIMESTAMP_INTERVAL < timestamp < now + MAX_TIMESTAMP_INTERVAL:
        return (AUTHENTICATION_ERROR,
                "TIMESTAMP is more than %d seconds away from the server time" %
                MAX_TIMESTAMP_INTERVAL)
    if values["APP_KEY"] != config["app_key"]:
        return AUTHENTICATION_ERROR, "Unknown APP_KEY"
    full_path = urllib.parse.unquote(path) + "?" + query
    expected = signature(config["app_secret"], values["TIMESTAMP"], values["NONCE"],
                         values["APP_KEY"], full_path, raw_json, form)
    if not hmac.compare_digest(expected, values["SIGNATURE"]):
        return AUTHENTICATION_ERROR, "signature authentication failed"
    return None
