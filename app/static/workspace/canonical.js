// RFC 8785 (JSON Canonicalization Scheme) for the values ledger entries contain: objects,
// arrays, strings, integers within ±(2**53 - 1), booleans and null. Anything else (fractions,
// NaN, undefined, lone surrogates, nesting deeper than the server allows) is refused, exactly
// as ledger/canonical.py refuses it, so the browser never signs what the server would reject.

export const MAX_DEPTH = 32;

/** A refusal naming the JSON Pointer of the offending member. */
export class CanonicalError extends Error {
  constructor(message, pointer) {
    super(`${pointer || "/"}: ${message}`);
    this.pointer = pointer || "/";
  }
}

const escapePointer = (key) => key.replaceAll("~", "~0").replaceAll("/", "~1");

function text(value, pointer) {
  if (!value.isWellFormed()) {
    throw new CanonicalError("text is not valid Unicode (a lone surrogate)", pointer);
  }
  // ECMAScript's JSON string serialisation is the one RFC 8785 prescribes.
  return JSON.stringify(value);
}

function write(value, pointer, depth) {
  if (depth > MAX_DEPTH) throw new CanonicalError("nesting is too deep", pointer);
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return text(value, pointer);
    case "number":
      if (!Number.isInteger(value)) {
        throw new CanonicalError("only integers are allowed in signed data; use integer units", pointer);
      }
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalError("integers must lie within ±(2**53 - 1)", pointer);
      }
      return Object.is(value, -0) ? "0" : String(value);
    case "object":
      break;
    default:
      throw new CanonicalError(`a ${typeof value} cannot be canonicalised`, pointer);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => write(item, `${pointer}/${index}`, depth + 1)).join(",")}]`;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    throw new CanonicalError("only plain objects can be canonicalised", pointer);
  }
  // Keys sorted by UTF-16 code units: the default order of Array.prototype.sort on strings.
  const keys = Object.keys(value).sort();
  const members = keys.map((key) => {
    const at = `${pointer}/${escapePointer(key)}`;
    return `${text(key, at)}:${write(value[key], at, depth + 1)}`;
  });
  return `{${members.join(",")}}`;
}

/** The RFC 8785 canonical JSON text of `value`. */
export function canonicalText(value) {
  return write(value, "", 0);
}

/** The UTF-8 bytes of the canonical JSON of `value`. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalText(value));
}
