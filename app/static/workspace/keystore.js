// The party's signing key in the browser: imported from its PKCS#8 PEM file as a
// non-extractable CryptoKey, checked against the party's active keys in the ledger, and, if
// the user asks, kept in IndexedDB (a CryptoKey is stored as the key object itself, still
// non-extractable). The key never leaves the browser.

import { importPrivateKeyPem } from "./signing.js";

const DB = "gold-ledger-workspace";
const STORE = "keys";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The key kept for `party`, or undefined. */
export const keptKey = (party) => run("readonly", (store) => store.get(party));
export const keepKey = (party, key) => run("readwrite", (store) => store.put(key, party));
export const forgetKey = (party) => run("readwrite", (store) => store.delete(party));

/** The ids of `party`'s keys that are not revoked, from the public party directory. */
export async function activeKeyIds(party) {
  const response = await fetch(`/api/v1/parties/${encodeURIComponent(party)}`);
  if (!response.ok) throw new Error(`the ledger does not know party ${party}`);
  const found = await response.json();
  return found.keys.filter((k) => k.revoked_at === null).map((k) => k.id);
}

/** Import `pem` for `party`; refuses a key that is not one of the party's active keys. */
export async function loadKey(party, pem) {
  const key = await importPrivateKeyPem(pem);
  const active = await activeKeyIds(party);
  if (!active.includes(key.keyId)) {
    const error = new Error("not-party-key");
    error.keyId = key.keyId;
    throw error;
  }
  return { party, ...key };
}
