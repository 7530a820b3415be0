// Exact conversions from what people type to the integer units entries carry: masses in
// milligrams, fineness in parts per 10,000, money in minor units. Decimal text is scaled as
// text, never through floating point, and more decimals than the unit holds are refused.

export const MASS_UNITS = { mg: 0, g: 3, kg: 6 }; // decimal places from the unit down to mg

/** A plain decimal number as text ("1,099.5" and "1099,5" are not accepted; "1099.5" is). */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export class UnitError extends Error {}

/** `text` × 10**places as an exact safe integer; refuses a fraction finer than that. */
export function scaleDecimal(text, places) {
  const match = DECIMAL.exec(String(text).trim());
  if (!match) throw new UnitError("enter a number like 1099.736");
  const [, whole, written = ""] = match;
  const fraction = written.replace(/0+$/, ""); // "5.000" mg is exactly 5 mg
  if (fraction.length > places) {
    throw new UnitError(places === 0 ? "whole numbers only" : `at most ${places} decimal places`);
  }
  const digits = (whole + fraction.padEnd(places, "0")).replace(/^0+(?=\d)/, "");
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new UnitError("the number is too large");
  return value;
}

/** An integer in `places` decimals as exact decimal text: (109973600, 3) -> "109973.600". */
export function unscale(value, places) {
  const digits = String(Math.abs(value)).padStart(places + 1, "0");
  const sign = value < 0 ? "-" : "";
  if (places === 0) return sign + digits;
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

export const massToMg = (text, unit) => scaleDecimal(text, MASS_UNITS[unit]);
export const finenessToParts = (perMille) => scaleDecimal(perMille, 1); // "999.9" -> 9999

/** Decimal places of a currency's minor unit (ISO 4217, from the browser's own tables). */
export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    throw new UnitError("not an ISO 4217 currency code");
  }
}

export const moneyToMinor = (text, currency) => scaleDecimal(text, currencyDigits(currency));

/** Grouped exact decimal text for people, in `locale`: (1099736, 3, "es") -> "1.099,736". */
export function formatScaled(value, places, locale) {
  const [whole, fraction] = unscale(value, places).split(".");
  const grouped = new Intl.NumberFormat(locale, { useGrouping: true }).format(BigInt(whole));
  if (!fraction) return grouped;
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal");
  return `${grouped}${decimal ? decimal.value : "."}${fraction}`;
}
