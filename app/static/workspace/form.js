// A form for any entry type, derived from the JSON Schema of its body as the registry serves
// it (GET /api/v1/entry-types), so new entry types appear without code. Masses, fineness,
// money and sale terms get fields in the units people use, converted exactly; `lot_head` is
// fetched from the ledger rather than typed. Every field validates as the user types and
// registers the JSON Pointer of its member, so a refusal can be shown where it belongs.

import { sealEvidence, sealTerms } from "./signing.js";
import {
  MASS_UNITS,
  UnitError,
  currencyDigits,
  finenessToParts,
  formatScaled,
  massToMg,
  moneyToMinor,
  unscale,
} from "./units.js";

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

class FieldError extends Error {}

const isMass = (name) => name.endsWith("_mg");
const isMoney = (schema) => /minor units/.test(schema.description || "");
const isParty = (schema) => /party identifier/.test(schema.description || "") || undefined;
let serial = 0;

/** Everything the builder needs from the page: words, locale, lookups. */
export class FormContext {
  constructor({ text, locale, fetchHead }) {
    Object.assign(this, { text, locale, fetchHead });
    this.pointers = new Map(); // JSON Pointer -> field (for refusals)
  }

  label(name) {
    return this.text.fields[name] || name.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
  }

  say(key, values = {}) {
    return (this.text.messages[key] || key).replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  }
}

/** One visible field: a label, a control, a hint and a message slot. */
class Leaf {
  constructor(ctx, pointer, name, schema, required) {
    Object.assign(this, { ctx, pointer, name, schema, required });
    this.id = `f${++serial}`;
    this.message = el("small", { class: "field-message", id: `${this.id}-msg`, role: "status" });
    this.problem = el("small", { class: "field-problem", id: `${this.id}-problem`, role: "alert" });
    ctx.pointers.set(pointer, this);
  }

  frame(...controls) {
    const hint = this.hint() ? el("small", { class: "hint", text: this.hint() }) : null;
    this.node = el(
      "div",
      { class: "field", "data-pointer": this.pointer, "data-name": this.name },
      el("label", { for: this.id, text: this.ctx.label(this.name) + (this.required ? "" : ` (${this.ctx.say("optional")})`) }),
      el("div", { class: "controls" }, ...controls),
      hint,
      this.message,
      this.problem,
    );
    for (const control of controls) {
      control.addEventListener("input", () => this.check());
      control.addEventListener("change", () => this.check());
    }
    return this.node;
  }

  hint() {
    if (this.name === "lot_id" && !this.headed) return ""; // a new lot has no head to fetch
    return this.ctx.text.hints[this.name] || "";
  }

  /** Validate what is typed now; shows and returns the message ("" when fine). */
  check() {
    let message = "";
    try {
      this.read();
    } catch (error) {
      if (!(error instanceof FieldError || error instanceof UnitError)) throw error;
      message = error.message;
    }
    this.message.textContent = message;
    this.problem.textContent = "";
    this.input.setAttribute("aria-invalid", message ? "true" : "false");
    return message;
  }

  refuse(text) {
    this.problem.textContent = text;
    this.input.setAttribute("aria-invalid", "true");
  }

  empty() {
    return this.input.value.trim() === "";
  }

  /** The value in schema units, or undefined for an empty optional field. */
  read() {
    if (this.empty()) {
      if (this.required) throw new FieldError(this.ctx.say("required"));
      return undefined;
    }
    return this.parse();
  }

  /** [label, what people read] for the review. */
  describe(value) {
    return [this.ctx.label(this.name), String(value)];
  }
}

class TextLeaf extends Leaf {
  build() {
    const s = this.schema;
    const listId = isParty(s) ? "party-list" : this.name === "lot_id" ? "lot-list" : undefined;
    const attrs = { id: this.id, name: this.name, type: "text", autocomplete: "off", list: listId };
    if (s.format === "date") attrs.type = "date";
    if (s.format === "date-time") attrs.type = "datetime-local";
    if (s.maxLength) attrs.maxlength = s.maxLength;
    if (s.pattern) attrs.pattern = s.pattern.replace(/^\^|\$$/g, "");
    this.input = el("input", { ...attrs, "aria-describedby": `${this.id}-msg ${this.id}-problem` });
    return this.frame(this.input);
  }

  parse() {
    const s = this.schema;
    let value = this.input.value.trim();
    if (s.format === "date-time") value = new Date(`${value}Z`).toISOString().replace(/\.\d{3}Z$/, "Z");
    if (s.minLength && value.length < s.minLength) throw new FieldError(this.ctx.say("too-short", { n: s.minLength }));
    if (s.maxLength && value.length > s.maxLength) throw new FieldError(this.ctx.say("too-long", { n: s.maxLength }));
    if (s.pattern && !new RegExp(s.pattern).test(value)) throw new FieldError(this.ctx.say("pattern"));
    return value;
  }

  set(value) {
    this.input.value = value;
  }
}

class ChoiceLeaf extends Leaf {
  build() {
    this.input = el("select", { id: this.id, name: this.name });
    this.input.append(el("option", { value: "", text: "—" }));
    for (const choice of this.schema.enum) {
      this.input.append(el("option", { value: choice, text: this.ctx.text.choices[choice] || choice }));
    }
    return this.frame(this.input);
  }

  parse() {
    return this.input.value;
  }

  set(value) {
    this.input.value = value;
  }

  describe(value) {
    return [this.ctx.label(this.name), this.ctx.text.choices[value] || value];
  }
}

class FlagLeaf extends Leaf {
  build() {
    this.input = el("input", { id: this.id, name: this.name, type: "checkbox" });
    return this.frame(this.input);
  }

  empty() {
    return false;
  }

  parse() {
    return this.input.checked;
  }

  set(value) {
    this.input.checked = value === true || value === "true";
  }

  describe(value) {
    return [this.ctx.label(this.name), this.ctx.say(value ? "yes" : "no")];
  }
}

class IntegerLeaf extends Leaf {
  build() {
    this.input = el("input", { id: this.id, name: this.name, type: "text", inputmode: "numeric" });
    return this.frame(this.input);
  }

  parse() {
    const text = this.input.value.trim();
    if (!/^-?\d+$/.test(text)) throw new FieldError(this.ctx.say("whole-number"));
    return this.bounded(Number(text));
  }

  bounded(value) {
    const s = this.schema;
    if (!Number.isSafeInteger(value)) throw new FieldError(this.ctx.say("too-large"));
    if (s.minimum !== undefined && value < s.minimum) throw new FieldError(this.ctx.say("minimum", { n: this.show(s.minimum) }));
    if (s.maximum !== undefined && value > s.maximum) throw new FieldError(this.ctx.say("maximum", { n: this.show(s.maximum) }));
    return value;
  }

  show(value) {
    return String(value);
  }

  set(value) {
    this.input.value = value;
  }
}

/** Mass typed in g, kg or mg; the entry carries exact integer milligrams. */
class MassLeaf extends IntegerLeaf {
  build() {
    this.input = el("input", { id: this.id, name: this.name, type: "text", inputmode: "decimal", class: "amount" });
    this.unit = el("select", { name: `${this.name}-unit`, "aria-label": this.ctx.say("unit") });
    for (const unit of Object.keys(MASS_UNITS)) this.unit.append(el("option", { value: unit, text: unit }));
    this.unit.value = "g";
    return this.frame(this.input, this.unit);
  }

  parse() {
    try {
      return this.bounded(massToMg(this.input.value, this.unit.value));
    } catch (error) {
      if (error instanceof UnitError) throw new FieldError(this.ctx.say("mass-format", { places: MASS_UNITS[this.unit.value] }));
      throw error;
    }
  }

  show(mg) {
    return `${formatScaled(mg, 3, this.ctx.locale)} g`;
  }

  set(mg) {
    this.unit.value = "g";
    this.input.value = unscale(Number(mg), 3);
  }

  describe(mg) {
    return [this.ctx.label(this.name), `${this.show(mg)} (${formatScaled(mg, 0, this.ctx.locale)} mg)`];
  }
}

/** Fineness typed per mille ("999.9"); the entry carries parts per 10,000 (9999). */
class FinenessLeaf extends IntegerLeaf {
  build() {
    this.input = el("input", { id: this.id, name: this.name, type: "text", inputmode: "decimal", class: "amount" });
    return this.frame(this.input, el("span", { class: "unit", text: "‰" }));
  }

  parse() {
    try {
      return this.bounded(finenessToParts(this.input.value));
    } catch (error) {
      if (error instanceof UnitError) throw new FieldError(this.ctx.say("fineness-format"));
      throw error;
    }
  }

  show(parts) {
    return `${formatScaled(parts, 1, this.ctx.locale)} ‰`;
  }

  set(parts) {
    this.input.value = unscale(Number(parts), 1);
  }

  describe(parts) {
    return [this.ctx.label(this.name), this.show(parts)];
  }
}

/** Money typed in major units of the currency named beside it; carried in minor units. */
class MoneyLeaf extends IntegerLeaf {
  constructor(ctx, pointer, name, schema, required, currency) {
    super(ctx, pointer, name, schema, required);
    this.currency = currency; // () -> the currency code in force
  }

  build() {
    this.input = el("input", { id: this.id, name: this.name, type: "text", inputmode: "decimal", class: "amount" });
    this.code = el("span", { class: "unit" });
    return this.frame(this.input, this.code);
  }

  currencyCode() {
    const code = this.currency();
    this.code.textContent = code || "";
    if (!/^[A-Z]{3}$/.test(code || "")) throw new FieldError(this.ctx.say("currency-first"));
    return code;
  }

  parse() {
    const code = this.currencyCode();
    try {
      return this.bounded(moneyToMinor(this.input.value, code));
    } catch (error) {
      if (error instanceof UnitError) throw new FieldError(this.ctx.say("money-format", { places: currencyDigits(code) }));
      throw error;
    }
  }

  show(minor) {
    const code = this.currency();
    const digits = currencyDigits(code);
    return `${code} ${formatScaled(minor, digits, this.ctx.locale)}`;
  }

  set(minor) {
    this.pending = Number(minor);
    this.fill();
  }

  fill() {
    const code = this.currency();
    if (this.pending !== undefined && /^[A-Z]{3}$/.test(code || "")) {
      this.input.value = unscale(this.pending, currencyDigits(code));
      this.pending = undefined;
    }
  }

  describe(minor) {
    return [this.ctx.label(this.name), this.show(minor)];
  }
}

/** The lot head is not typed: it is fetched from the ledger for the lot named beside it. */
class HeadLeaf {
  constructor(ctx, pointer, lotField) {
    Object.assign(this, { ctx, pointer, lotField });
    ctx.pointers.set(pointer, lotField); // a stale head is shown at the lot's field
  }

  build() {
    return null;
  }

  check() {
    return "";
  }

  async value() {
    const lot = this.lotField.read();
    return this.ctx.fetchHead(lot, this.lotField);
  }

  describe(head) {
    return [this.ctx.say("lot-head"), head];
  }
}

/** A sale's private terms: price and currency, sealed behind a salted commitment. */
class TermsLeaf {
  constructor(ctx, pointer) {
    this.ctx = ctx;
    this.pointer = pointer;
    this.currencyField = new TextLeaf(ctx, `${pointer}/currency`, "currency", { type: "string", pattern: "^[A-Z]{3}$", minLength: 3, maxLength: 3 }, true);
    this.priceField = new MoneyLeaf(ctx, `${pointer}/price`, "price", { type: "integer", minimum: 1, maximum: 10 ** 15, description: "amount in integer minor units" }, true, () => this.currencyField.input.value.trim());
    ctx.pointers.set(pointer, this.priceField);
    ctx.pointers.set("/private", this.priceField);
  }

  build() {
    const box = el(
      "fieldset",
      { class: "terms" },
      el("legend", { text: this.ctx.say("private-terms") }),
      el("p", { class: "hint", text: this.ctx.say("private-terms-hint") }),
      this.currencyField.build(),
      this.priceField.build(),
    );
    this.currencyField.input.value = "USD";
    this.currencyField.input.addEventListener("input", () => this.priceField.fill());
    return box;
  }

  check() {
    return this.currencyField.check() || this.priceField.check();
  }

  async value() {
    const price = this.priceField.read();
    const sealed = await sealTerms(price, this.currencyField.read());
    this.sealed = sealed;
    return sealed.commitment;
  }

  describe() {
    return [this.ctx.say("private-terms"), `${this.priceField.show(this.sealed.terms.price)} (${this.ctx.say("kept-private")})`];
  }
}

/** A premium payment's evidence (a bank reference), sealed behind a salted commitment. */
class EvidenceLeaf {
  constructor(ctx, pointer) {
    this.ctx = ctx;
    this.referenceField = new TextLeaf(ctx, `${pointer}/evidence`, "evidence", { type: "string", minLength: 1, maxLength: 1000 }, true);
    ctx.pointers.set(pointer, this.referenceField);
    ctx.pointers.set("/private", this.referenceField);
  }

  build() {
    return el(
      "fieldset",
      { class: "terms" },
      el("legend", { text: this.ctx.say("private-evidence") }),
      el("p", { class: "hint", text: this.ctx.say("private-evidence-hint") }),
      this.referenceField.build(),
    );
  }

  check() {
    return this.referenceField.check();
  }

  async value() {
    this.sealed = await sealEvidence(this.referenceField.read());
    this.sealed.terms = this.sealed.evidence;
    return this.sealed.commitment;
  }

  describe() {
    return [this.ctx.say("private-evidence"), `${this.sealed.evidence.evidence} (${this.ctx.say("kept-private")})`];
  }
}

/** An object: its members in schema order, required ones first as the schema lists them. */
class Group {
  constructor(ctx, pointer, name, schema, required) {
    Object.assign(this, { ctx, pointer, name, schema, required });
    const need = new Set(schema.required || []);
    this.members = [];
    const properties = schema.properties || {};
    // Members in the schema's order of requirement (its `required` list is in declaration
    // order; JSON object members may arrive sorted), then the optional ones.
    const order = [...(schema.required || []), ...Object.keys(properties).filter((m) => !need.has(m))];
    let lotField = null;
    for (const member of order) {
      const sub = properties[member];
      const at = `${pointer}/${member}`;
      let field;
      if (member === "lot_head" && lotField) {
        field = new HeadLeaf(ctx, at, lotField);
        lotField.headed = true;
      }
      else if (member === "terms_commitment") field = new TermsLeaf(ctx, at);
      else if (member === "evidence_commitment") field = new EvidenceLeaf(ctx, at);
      else if (member === "currency" && sub.type === "string") {
        field = new TextLeaf(ctx, at, member, sub, need.has(member));
        this.currencyField = field;
      } else field = make(ctx, at, member, sub, need.has(member), () => this.currencyField && this.currencyField.input.value.trim());
      if (member === "lot_id") lotField = field;
      this.members.push([member, field]);
    }
    this.terms = this.members.map(([, f]) => f).find((f) => f instanceof TermsLeaf || f instanceof EvidenceLeaf);
  }

  build(legend = true) {
    const nodes = this.members.map(([, f]) => f.build());
    if (this.currencyField) {
      for (const [, f] of this.members) {
        if (f instanceof MoneyLeaf) this.currencyField.input.addEventListener("input", () => { f.fill(); f.check(); });
      }
    }
    if (!legend) return el("div", { class: "group" }, ...nodes);
    return el("fieldset", { class: "group" }, el("legend", { text: this.ctx.label(this.name) }), ...nodes);
  }

  check() {
    return this.members.map(([, f]) => f.check()).find(Boolean) || "";
  }

  /** The object's value and its review lines; HeadLeaf and TermsLeaf are resolved here. */
  async collect(lines) {
    const out = {};
    for (const [member, field] of this.members) {
      let value;
      if (field instanceof Group || field instanceof Repeat) value = await field.collect(lines);
      else if (field instanceof HeadLeaf || field instanceof TermsLeaf || field instanceof EvidenceLeaf) value = await field.value();
      else value = field.read();
      if (value === undefined) continue;
      out[member] = value;
      if (!(field instanceof Group || field instanceof Repeat)) lines.push(field.describe(value));
    }
    return out;
  }

  prefill(params) {
    for (const [member, field] of this.members) {
      if (params.has(member) && field.set) field.set(params.get(member));
    }
    for (const [, field] of this.members) if (field instanceof MoneyLeaf) field.fill();
  }
}

/** An array: of choices (checkboxes), or of objects (rows with add and remove). */
class Repeat {
  constructor(ctx, pointer, name, schema, required) {
    Object.assign(this, { ctx, pointer, name, schema, required });
    this.rows = [];
    this.id = `f${++serial}`;
    ctx.pointers.set(pointer, this);
  }

  build() {
    this.message = el("small", { class: "field-problem", role: "alert" });
    this.list = el("div", { class: "rows" });
    this.node = el("fieldset", { class: "repeat", "data-pointer": this.pointer, "data-name": this.name }, el("legend", { text: this.ctx.label(this.name) }), this.list, this.message);
    const items = this.schema.items;
    if (items.enum) {
      this.boxes = items.enum.map((choice) => {
        const box = el("input", { type: "checkbox", value: choice, name: this.name });
        this.list.append(el("label", { class: "choice" }, box, ` ${this.ctx.text.choices[choice] || choice}`));
        return box;
      });
    } else {
      const add = el("button", { type: "button", class: "add", text: this.ctx.say("add-row", { what: this.ctx.label(this.name) }) });
      add.addEventListener("click", () => this.addRow());
      this.node.append(add);
      for (let i = 0; i < Math.max(this.schema.minItems || 0, 1); i++) this.addRow();
    }
    return this.node;
  }

  addRow() {
    const index = this.rows.length;
    const items = this.schema.items;
    const at = `${this.pointer}/${index}`;
    // Rows of objects are groups of fields; rows of plain values are one field each.
    const group = items.type === "object" ? new Group(this.ctx, at, this.name, items, true) : make(this.ctx, at, this.name, items, true);
    const row = el("div", { class: "row", "data-index": index }, group instanceof Group ? group.build(false) : group.build());
    const remove = el("button", { type: "button", class: "remove", text: this.ctx.say("remove-row") });
    remove.addEventListener("click", () => {
      if (this.rows.length <= (this.schema.minItems || 1)) return;
      this.rows.splice(this.rows.indexOf(entry), 1);
      row.remove();
    });
    row.append(remove);
    const entry = { group, row };
    this.rows.push(entry);
    this.list.append(row);
    return group;
  }

  check() {
    this.message.textContent = "";
    if (this.boxes) return "";
    return this.rows.map((r) => r.group.check()).find(Boolean) || "";
  }

  refuse(text) {
    this.message.textContent = text;
  }

  async collect(lines) {
    if (this.boxes) {
      const chosen = this.boxes.filter((b) => b.checked).map((b) => b.value);
      if (chosen.length < (this.schema.minItems || 0)) throw new FieldError(this.ctx.say("choose-one"));
      if (chosen.length === 0 && !this.required) return undefined;
      lines.push([this.ctx.label(this.name), chosen.map((c) => this.ctx.text.choices[c] || c).join(", ")]);
      return chosen;
    }
    const values = [];
    for (const [index, { group }] of this.rows.entries()) {
      const sub = [];
      if (group instanceof Group) values.push(await group.collect(sub));
      else {
        const value = group.read();
        values.push(value);
        sub.push(group.describe(value));
      }
      for (const [label, shown] of sub) lines.push([`${this.ctx.label(this.name)} ${index + 1} · ${label}`, shown]);
    }
    return values;
  }
}

function make(ctx, pointer, name, schema, required, currency) {
  if (schema.type === "object") return new Group(ctx, pointer, name, schema, required);
  if (schema.type === "array") return new Repeat(ctx, pointer, name, schema, required);
  if (schema.type === "boolean") return new FlagLeaf(ctx, pointer, name, schema, required);
  if (schema.enum) return new ChoiceLeaf(ctx, pointer, name, schema, required);
  if (schema.type === "integer") {
    if (isMass(name)) return new MassLeaf(ctx, pointer, name, schema, required);
    if (name === "fineness") return new FinenessLeaf(ctx, pointer, name, schema, required);
    if (isMoney(schema)) return new MoneyLeaf(ctx, pointer, name, schema, required, currency);
    return new IntegerLeaf(ctx, pointer, name, schema, required);
  }
  return new TextLeaf(ctx, pointer, name, schema, required);
}

/** The form of an entry body: build it into `container`, then `collect()` when submitting. */
export class EntryForm {
  constructor(ctx, schema) {
    this.ctx = ctx;
    this.root = new Group(ctx, "/body", "body", schema, true);
  }

  build(container) {
    container.replaceChildren(this.root.build(false));
  }

  prefill(params) {
    this.root.prefill(params);
  }

  /** {body, private, lines} or throws after marking every field in error. */
  async collect() {
    const first = this.root.check();
    if (first) throw new FieldError(this.ctx.say("fix-fields"));
    const lines = [];
    const body = await this.root.collect(lines);
    const terms = this.root.terms ? this.root.terms.sealed.terms : undefined;
    return { body, private: terms, lines };
  }

  /** The field a problem's pointer names (the closest registered member above it). */
  fieldFor(pointer) {
    let at = pointer || "";
    while (at) {
      if (this.ctx.pointers.has(at)) return this.ctx.pointers.get(at);
      at = at.slice(0, at.lastIndexOf("/"));
    }
    return null;
  }
}

export { FieldError };
