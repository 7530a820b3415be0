// The workspace page: the party's key (loaded from its PEM file, kept non-extractable), the
// entry form, the review of what will be signed in plain words, signing and submission.
// Signed entries need no token: the signature is the authority. Refusals come back as
// problem+json and are shown next to the field their `pointer` names.

import { canonicalText } from "./canonical.js";
import { EntryForm, FieldError, FormContext } from "./form.js";
import { forgetKey, keepKey, keptKey, loadKey } from "./keystore.js";
import { draftEntry, signEntry } from "./signing.js";

const page = JSON.parse(document.getElementById("workspace-data").textContent);
const $ = (id) => document.getElementById(id);
const say = (key, values = {}) =>
  (page.text.messages[key] || key).replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");

let key = null;

function showKey() {
  const status = $("key-status");
  if (!status) return;
  status.textContent = key ? say("key-ready", { id: key.keyId }) : say("key-missing");
  status.dataset.keyId = key ? key.keyId : "";
  document.body.classList.toggle("has-key", Boolean(key));
  for (const button of document.querySelectorAll("[data-needs-key]")) button.disabled = !key;
}

async function setUpKey() {
  const input = $("key-file");
  if (!input) return;
  try {
    key = (await keptKey(page.party)) || null;
  } catch {
    key = null; // storage refused (private window): the key is loaded per page
  }
  showKey();
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const problem = $("key-problem");
    problem.textContent = "";
    try {
      key = await loadKey(page.party, await file.text());
      if ($("key-remember").checked) await keepKey(page.party, key);
    } catch (error) {
      key = null;
      problem.textContent =
        error.message === "not-party-key"
          ? say("key-not-party", { id: error.keyId, party: page.party })
          : say("key-unreadable");
    } finally {
      input.value = "";
      showKey();
    }
  });
  $("key-forget").addEventListener("click", async () => {
    await forgetKey(page.party);
    key = null;
    showKey();
  });
}

async function fetchHead(lotId, field) {
  const response = await fetch(`/api/v1/lots/${encodeURIComponent(lotId)}`, {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    field.refuse(`${problem.title || response.status}: ${problem.detail || say("lot-unreadable")}`);
    throw new FieldError(say("fix-fields"));
  }
  return (await response.json()).lot.head;
}

function showProblem(form, problem) {
  const where = form.fieldFor(problem.pointer);
  const text = `${problem.title}: ${problem.detail}`;
  if (where && where.refuse) {
    where.refuse(text);
    where.node?.scrollIntoView({ block: "center" });
  }
  const banner = $("form-problem");
  banner.textContent = where ? `${problem.title} (${problem.code})` : `${text} (${problem.code})`;
  banner.dataset.code = problem.code || "";
}

async function setUpForm() {
  const container = $("entry-fields");
  if (!container) return;
  const types = await (await fetch("/api/v1/entry-types")).json();
  const type = types.find((t) => t.name === page.type);
  const ctx = new FormContext({
    text: page.text,
    locale: page.locale,
    fetchHead,
  });
  const form = new EntryForm(ctx, type.body);
  form.build(container);
  form.prefill(new URLSearchParams(location.search));
  let pending = null;

  $("review").addEventListener("click", async () => {
    $("form-problem").textContent = "";
    $("review-panel").hidden = true;
    pending = null;
    try {
      const { body, private: terms, lines } = await form.collect();
      const entry = draftEntry({ type: page.type, actor: page.party, keyId: key.keyId, body });
      pending = { entry, terms };
      const list = $("review-lines");
      list.replaceChildren();
      for (const [label, shown] of lines) {
        const row = document.createElement("div");
        const dt = document.createElement("dt");
        const dd = document.createElement("dd");
        dt.textContent = label;
        dd.textContent = shown;
        row.append(dt, dd);
        list.append(row);
      }
      $("review-sentence").textContent = say("review-sentence", {
        party: page.partyName,
        what: page.typeTitle,
        key: key.keyId,
      });
      $("review-bytes").textContent = `gold-ledger/entry/v1\n${canonicalText(entry)}`;
      $("review-panel").hidden = false;
      $("sign").focus();
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      $("form-problem").textContent = error.message;
    }
  });

  $("sign").addEventListener("click", async () => {
    if (!pending) return;
    const { entry, terms } = pending;
    pending = null;
    $("sign").disabled = true;
    const signed = await signEntry(key.privateKey, entry);
    const submission = terms ? { ...signed, private: terms } : signed;
    const response = await fetch("/api/v1/entries", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(submission),
      credentials: "omit", // a signed entry is its own authority
    });
    const answer = await response.json().catch(() => ({}));
    $("review-panel").hidden = true;
    $("sign").disabled = false;
    const result = $("result");
    if (response.ok) {
      result.hidden = false;
      result.dataset.seq = answer.seq;
      result.dataset.entryHash = answer.entry_hash;
      $("result-text").textContent = say("appended", { seq: answer.seq, hash: answer.entry_hash });
      $("result-flags").textContent = (answer.flags || []).length
        ? say("flagged", { flags: answer.flags.join(", ") })
        : "";
    } else {
      showProblem(form, answer);
    }
  });
}

await setUpKey();
await setUpForm();
document.body.dataset.ready = "true";
