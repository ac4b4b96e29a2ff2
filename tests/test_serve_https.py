"""`fieldvisit serve --https`: TLS with a self-signed certificate made in the instance
folder, its https URL and SHA-256 fingerprint printed, Secure cookies and HSTS working."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography import x509

from fieldvisit.core import tls
from tests.support.live_server import ROOT, csrf_token, free_port, server_env


def test_the_certificate_is_made_once_for_the_address_and_remade_for_another(tmp_path):
    first = tls.ensure_certificate(tmp_path, "192.168.1.20")
    assert oct(first.key_file.stat().st_mode & 0o777) == "0o600"
    again = tls.ensure_certificate(tmp_path, "192.168.1.20")
    assert again.fingerprint == first.fingerprint
    cert = x509.load_pem_x509_certificate(first.cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.168.1.20" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 398
    moved = tls.ensure_certificate(tmp_path, "10.0.0.7")
    assert moved.fingerprint != first.fingerprint


def test_serve_https_prints_its_url_and_fingerprint_and_serves_tls(tmp_path: Path):
    port = free_port()
    env = server_env(tmp_path, port)
    env["FIELDVISIT_SESSION_COOKIE_SECURE"] = "true"
    run = [sys.executable, "-m", "fieldvisit"]
    subprocess.run([*run, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*run, "serve", "--https", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"https://127.0.0.1:{port}"
        cert_file = tmp_path / "instance" / "tls" / "certificate.pem"
        deadline = time.monotonic() + 60
        while "fingerprint" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        printed = log.read_text()
        assert f"{url}/" in printed
        fingerprint = re.search(r"SHA-256 fingerprint: ([0-9A-F:]{95})", printed).group(1)
        served = ssl.get_server_certificate(("127.0.0.1", port))
        assert tls.fingerprint(x509.load_pem_x509_certificate(served.encode())) == fingerprint

        http = requests.Session()
        http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate trusted here
        http.verify = str(cert_file)  # trusted as a phone would, once installed
        health = http.get(f"{url}/healthz", timeout=30)
        assert health.status_code == 200
        assert health.headers["Strict-Transport-Security"].startswith("max-age=")
        page = http.get(f"{url}/login", timeout=30)
        assert "needs https" not in page.text
        assert any(cookie.secure for cookie in http.cookies)
        # the Secure session cookie comes back, so the form is judged, not refused for CSRF
        answer = http.post(
            f"{url}/login",
            data={
                "email": "nobody@example.org",
                "password": "x" * 12,
                "csrf_token": csrf_token(page.text),
            },
            timeout=30,
        )
        assert answer.status_code == 400
        assert "expired" not in answer.text and "Sign in to fieldvisit" in answer.text
        offered = http.get(f"{url}{tls.CERTIFICATE_PATH}", timeout=30)
        assert x509.load_der_x509_certificate(offered.content) == x509.load_pem_x509_certificate(
            cert_file.read_bytes()
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
