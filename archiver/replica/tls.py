"""HTTPS for the replica server: a throw-away certificate for the hosts it stands in for.

Real sites are served over https as often as http. A crawler sends an https request through
its proxy as a `CONNECT host:443` tunnel and then speaks TLS to the host, so the replica, to keep
an https site's real URLs, answers the CONNECT and speaks TLS itself, with a self-signed
certificate naming those hosts. Clients that verify certificates (urllib, used by `archiver
probe`) trust it through `SSL_CERT_FILE`; Scrapy does not verify by default. The key and the
certificate are made with `cryptography`, which Scrapy already depends on.
"""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 2


def write_certificate(hosts: Iterable[str], folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `hosts` and its key, as PEM files in `folder`."""
    names = sorted(set(hosts))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "replica-cert.pem", folder / "replica-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """The TLS context the replica speaks inside a CONNECT tunnel."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
