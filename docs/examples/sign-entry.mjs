#!/usr/bin/env node
// Sign one gold-ledger entry with Node's built-in crypto (no npm packages), and optionally
// submit it. The specification is docs/signing.md.
//
//   node sign-entry.mjs --key arm.pem --party arm --type reference_price.posted \
//     --body '{"metal":"gold","day":"2026-12-04","currency":"USD","price_per_troy_oz":405000}' \
//     [--url http://127.0.0.1:8000]
//
// Prints the signed entry as JSON; with --url, POSTs it to /api/v1/entries and prints the
// service's answer (exit status 1 on a refusal).
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const ENTRY_PREFIX = "gold-ledger/entry/v1\n";
export const KEY_PREFIX = "gold-ledger/key/v1\n";
export const TERMS_PREFIX = "gold-ledger/terms/v1\n";

// RFC 8785 (JCS) for the JSON an entry may hold: objects, arrays, strings, integers, booleans,
// null. Members sort by UTF-16 code units (JavaScript's default string order); strings and
// integers serialise exactly as JSON.stringify does. Non-integers are refused: entries carry
// no floats.
export function canonicalize(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not an exact integer: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object") {
    const members = Object.keys(value).sort();
    return `{${members.map((k) => `${JSON.stringify(k)}:${canonicalize(value[k])}`).join(",")}}`;
  }
  throw new Error(`cannot canonicalize ${typeof value}`);
}

// The key id: hex of the first 16 bytes of SHA-256(KEY_PREFIX || raw 32-byte public key).
export function keyId(privateKey) {
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  const raw = Buffer.from(jwk.x, "base64url");
  return createHash("sha256").update(KEY_PREFIX).update(raw).digest("hex").slice(0, 32);
}

// A private key from its 32-byte seed (PKCS#8 DER: a fixed prefix, then the seed).
export function keyFromSeed(seedHex) {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(seedHex, "hex")]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

// The salted commitment a sale signs: hex SHA-256(TERMS_PREFIX || canonical terms).
export function termsCommitment(terms) {
  return createHash("sha256").update(TERMS_PREFIX).update(canonicalize(terms), "utf8")
    .digest("hex");
}

export function signEntry(privateKey, { type, actor, body, createdAt, nonce }) {
  const entry = {
    type,
    actor,
    key_id: keyId(privateKey),
    created_at: createdAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    nonce: nonce ?? randomBytes(18).toString("base64url"),
    body,
  };
  const message = Buffer.from(ENTRY_PREFIX + canonicalize(entry), "utf8");
  entry.signature = sign(null, message, privateKey).toString("base64");
  return entry;
}

async function main() {
  const { values } = parseArgs({
    options: {
      key: { type: "string" }, party: { type: "string" }, type: { type: "string" },
      body: { type: "string" }, url: { type: "string" },
      "created-at": { type: "string" }, nonce: { type: "string" },
    },
  });
  for (const required of ["key", "party", "type", "body"]) {
    if (!values[required]) throw new Error(`--${required} is required`);
  }
  const key = createPrivateKey(readFileSync(values.key));
  const entry = signEntry(key, {
    type: values.type, actor: values.party, body: JSON.parse(values.body),
    createdAt: values["created-at"], nonce: values.nonce,
  });
  if (!values.url) {
    console.log(JSON.stringify(entry, null, 2));
    return;
  }
  const answer = await fetch(new URL("/api/v1/entries", values.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(entry),
  });
  console.log(JSON.stringify(await answer.json(), null, 2));
  if (!answer.ok) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => { console.error(error.message); process.exitCode = 2; });
}
