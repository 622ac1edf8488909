"""A throwaway Vonage application key pair for the local stack, benchmarks and tests: the private
key the app signs its REST calls with and the public key the simulator checks them against.
Imports cryptography only (a dev dependency; never shipped to Lambda)."""

from __future__ import annotations


def application_key_pair() -> tuple[str, str]:
    """A fresh RSA key pair as PEM text: (private PKCS#8, public SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public
