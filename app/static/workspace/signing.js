// Entries signed in the browser exactly as ledger/entry.py signs them, with the party's Ed25519
// key held as a non-extractable WebCrypto key. Also the key id (ledger/keys.py) and the sale
// terms commitment (ledger/terms.py). Nothing here sends a key anywhere.

import { canonicalBytes } from "./canonical.js";

const encoder = new TextEncoder();
export const ENTRY_PREFIX = encoder.encode("gold-ledger/entry/v1\n");
export const KEY_ID_PREFIX = encoder.encode("gold-ledger/key/v1\n");
export const TERMS_PREFIX = encoder.encode("gold-ledger/terms/v1\n");
export const EVIDENCE_PREFIX = encoder.encode("gold-ledger/evidence/v1\n");
const ED25519 = { name: "Ed25519" };

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function b64encode(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function b64decode(textValue) {
  return Uint8Array.from(atob(textValue), (c) => c.charCodeAt(0));
}

const b64url = (bytes) => b64encode(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** `count` random bytes as unpadded base64url (Python's secrets.token_urlsafe(count)). */
export function randomToken(count) {
  return b64url(crypto.getRandomValues(new Uint8Array(count)));
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** The key id: hex of the first 16 bytes of SHA-256("gold-ledger/key/v1\n" || raw public key). */
export async function keyIdOf(rawPublic) {
  return hex((await sha256(concat(KEY_ID_PREFIX, rawPublic))).slice(0, 16));
}

/** The DER bytes of the one PEM block labelled `label` in `pem`. */
export function pemBody(pem, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`not a PEM file with a ${label}`);
  return b64decode(match[1].replace(/\s+/g, ""));
}

/**
 * Import an unencrypted PKCS#8 PEM Ed25519 key. Returns {privateKey, publicKey, keyId}: the
 * signing key is non-extractable; the public half is read once from a transient import.
 */
export async function importPrivateKeyPem(pem) {
  const der = pemBody(pem, "PRIVATE KEY");
  const transient = await crypto.subtle.importKey("pkcs8", der, ED25519, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", transient);
  const publicKey = b64decode(jwk.x.replaceAll("-", "+").replaceAll("_", "/") + "=");
  const privateKey = await crypto.subtle.importKey("pkcs8", der, ED25519, false, ["sign"]);
  return { privateKey, publicKey: b64encode(publicKey), keyId: await keyIdOf(publicKey) };
}

/** The exact bytes a party signs: prefix + canonical JSON of the entry without `signature`. */
export function signingBytes(entry) {
  const unsigned = Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "signature"));
  return concat(ENTRY_PREFIX, canonicalBytes(unsigned));
}

/** "2026-01-31T12:00:00Z": the server's timestamp format, to the second, UTC. */
export function instant(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A new entry ready to sign (a fresh nonce unless one is given). */
export function draftEntry({ type, actor, keyId, body, createdAt, nonce }) {
  return {
    type,
    actor,
    key_id: keyId,
    created_at: createdAt || instant(),
    nonce: nonce || randomToken(18),
    body,
  };
}

/** The entry with its base64 Ed25519 signature by `privateKey`. */
export async function signEntry(privateKey, entry) {
  const signature = await crypto.subtle.sign(ED25519, privateKey, signingBytes(entry));
  return { ...entry, signature: b64encode(new Uint8Array(signature)) };
}

/** Hex SHA-256 commitment to sale terms {price, currency, salt}. */
export async function termsCommitment(terms) {
  return hex(await sha256(concat(TERMS_PREFIX, canonicalBytes(terms))));
}

/** Fresh terms with a salt from crypto.getRandomValues, and their commitment. */
export async function sealTerms(price, currency) {
  const terms = { price, currency, salt: randomToken(24) };
  return { terms, commitment: await termsCommitment(terms) };
}

/** Hex SHA-256 commitment to a premium payment's evidence {evidence, salt}. */
export async function evidenceCommitment(evidence) {
  return hex(await sha256(concat(EVIDENCE_PREFIX, canonicalBytes(evidence))));
}

/** A payment reference with a salt from crypto.getRandomValues, and its commitment. */
export async function sealEvidence(reference) {
  const evidence = { evidence: reference, salt: randomToken(24) };
  return { evidence, commitment: await evidenceCommitment(evidence) };
}
