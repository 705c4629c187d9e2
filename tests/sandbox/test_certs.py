"""The generated CA and server certificate."""

import ipaddress

from cryptography import x509

from empathy_sandbox.server.certs import ensure_certificates


def test_certificates_are_created_once_and_cover_localhost(tmp_path):
    paths = ensure_certificates(tmp_path)
    first = paths.server_cert.read_bytes()
    assert ensure_certificates(tmp_path).server_cert.read_bytes() == first
    cert = x509.load_pem_x509_certificate(first)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
