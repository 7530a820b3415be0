"""Ed25519 keys: generation, key ids, raw/base64/PEM import and export, signing, verifying."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.errors import invalid

KEY_ID_PREFIX = b"gold-ledger/key/v1\n"
VERIFIED_MEMORY = 1024  # signatures remembered as valid (see ``PublicKey.verify``)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (the encoding used for keys and signatures)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, length: int | None = None, what: str = "value") -> bytes:
    """Strict standard base64; raises ``invalid-entry`` on anything else or a wrong length."""
    if not isinstance(text, str):
        raise invalid(f"{what} must be a base64 string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise invalid(f"{what} is not valid base64") from exc
    if length is not None and len(data) != length:
        raise invalid(f"{what} must be {length} bytes, got {len(data)}")
    if b64encode(data) != text:
        raise invalid(f"{what} is not in canonical base64")
    return data


def key_id_of(raw_public: bytes) -> str:
    """The key id: hex of the first 16 bytes of SHA-256(prefix || raw public key)."""
    return hashlib.sha256(KEY_ID_PREFIX + raw_public).hexdigest()[:32]


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key."""

    raw: bytes

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        """Parse base64 of the 32 raw key bytes."""
        return _public_key_of_b64(text)

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        """Parse a SubjectPublicKeyInfo PEM."""
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise invalid("PEM does not hold an Ed25519 public key")
        return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    @property
    def b64(self) -> str:
        return b64encode(self.raw)

    def to_pem(self) -> bytes:
        return Ed25519PublicKey.from_public_bytes(self.raw).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True only if ``signature`` is a valid Ed25519 signature of ``message``.

        The last ``VERIFIED_MEMORY`` valid triples are remembered, so a signature checked
        twice (when a request arrives, and again in the append batch) costs one verification;
        only a successful verification puts a triple there.
        """
        triple = (self.raw, signature, message)
        if triple in _verified:
            return True
        try:
            _loaded(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        with _verified_lock:
            _verified[triple] = None
            while len(_verified) > VERIFIED_MEMORY:
                del _verified[next(iter(_verified))]
        return True


_verified: dict[tuple[bytes, bytes, bytes], None] = {}
_verified_lock = threading.Lock()


@lru_cache(maxsize=4096)
def _loaded(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


@lru_cache(maxsize=4096)
def _public_key_of_b64(text: str) -> PublicKey:
    return PublicKey(b64decode(text, length=32, what="public_key"))


class PrivateKey:
    """An Ed25519 private key. Lives with its party; the server never sees a party's key."""

    def __init__(self, key: Ed25519PrivateKey):
        self._key = key
        self.public = PublicKey(
            key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, seed: bytes) -> PrivateKey:
        """From the 32-byte seed."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pem(cls, pem: bytes) -> PrivateKey:
        """From an unencrypted PKCS#8 PEM."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("PEM does not hold an Ed25519 private key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def raw(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def to_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)
