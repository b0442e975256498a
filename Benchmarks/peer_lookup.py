#!/usr/bin/env python3
"""The peer for scripts/bench: a bulk phone lookup written the way the Heymarket
docs suggest, with only the standard library: a fresh HS256 JWT per request,
one request per 100 ids, sequential.

usage: peer_lookup.py BASE_URL PHONES_FILE   (credentials from HEYMARKET_SECRET_ID / _KEY)
Prints the number of contacts found and the wall time.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.request


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(secret_id: str, secret_key: str) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps({"iss": secret_id, "iat": int(time.time())}, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(f"{secret_id}||{secret_key}".encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def main() -> int:
    base_url, path = sys.argv[1], sys.argv[2]
    secret_id, secret_key = os.environ["HEYMARKET_SECRET_ID"], os.environ["HEYMARKET_SECRET_KEY"]
    with open(path) as f:
        phones = [line.strip() for line in f if line.strip()]
    start = time.monotonic()
    found = {}
    for i in range(0, len(phones), 100):
        body = json.dumps({"contact_channels": [{"channel_type": "phone", "channel_ids": phones[i:i + 100]}]}).encode()
        request = urllib.request.Request(
            base_url + "/v2/contacts/search", data=body, method="POST",
            headers={"Authorization": "Bearer " + jwt(secret_id, secret_key), "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            for contact in json.load(response):
                found[contact["id"]] = contact
    elapsed = time.monotonic() - start
    print(f"peer: {len(found)} contacts from {len(phones)} phones in {elapsed:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
