"""A self-signed certificate for trying the phone app on a real phone over the LAN.

Service workers need https (or localhost), so `fieldvisit serve --https` makes a key and a
certificate for this machine's names and LAN address under instance/tls/, reuses them while
they cover the address and are valid, and serves TLS with them. Production runs behind a
TLS reverse proxy instead (FIELDVISIT_PROXY_COUNT).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Browsers refuse server certificates valid for more than 398 days.
VALID_DAYS = 397
# Where a phone downloads the certificate to trust it (it holds no secret).
CERTIFICATE_PATH = "/fieldvisit-certificate.crt"


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path
    fingerprint: str  # SHA-256, colon-separated hex, as phones and browsers show it


def lan_address() -> str:
    """Return this machine's address on the LAN (the one its default route leaves from),
    or 127.0.0.1 when it has none. No packet is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _names(host: str) -> tuple[set[str], set[str]]:
    dns = {"localhost", socket.gethostname()}
    ips = {"127.0.0.1", "::1"}
    try:
        ips.add(str(ipaddress.ip_address(host)))
    except ValueError:
        dns.add(host)
    return dns, ips


def fingerprint(cert: x509.Certificate) -> str:
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def _covers(cert: x509.Certificate, dns: set[str], ips: set[str]) -> bool:
    if cert.not_valid_after_utc < datetime.now(UTC) + timedelta(days=1):
        return False
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    have_dns = set(names.get_values_for_type(x509.DNSName))
    have_ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    return dns <= have_dns and ips <= have_ips


def ensure_certificate(instance: Path, host: str) -> Certificate:
    """Return the certificate under instance/tls/, made anew unless the one there covers
    `host` and stays valid another day."""
    folder = instance / "tls"
    cert_file, key_file = folder / "certificate.pem", folder / "key.pem"
    dns, ips = _names(host)
    if cert_file.exists() and key_file.exists():
        existing = x509.load_pem_x509_certificate(cert_file.read_bytes())
        if _covers(existing, dns, ips):
            return Certificate(cert_file, key_file, fingerprint(existing))
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"fieldvisit on {host}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(d) for d in sorted(dns)]
                + [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
            ),
            critical=False,
        )
        # A CA of itself, so that Android and iOS let it be installed as trusted.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_file.touch(mode=0o600)
    key_file.chmod(0o600)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Certificate(cert_file, key_file, fingerprint(cert))


def ssl_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate.cert_file, certificate.key_file)
    return context


class OfferCertificate:
    """WSGI middleware: answer CERTIFICATE_PATH with the certificate (DER), for a phone to
    download and trust; everything else goes to the app."""

    def __init__(self, app: Any, certificate: Certificate) -> None:
        self.app = app
        pem = certificate.cert_file.read_bytes()
        self.der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == CERTIFICATE_PATH:
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/x-x509-ca-cert"),
                    ("Content-Length", str(len(self.der))),
                    ("Content-Disposition", 'attachment; filename="fieldvisit.crt"'),
                ],
            )
            return [self.der]
        return self.app(environ, start_response)
