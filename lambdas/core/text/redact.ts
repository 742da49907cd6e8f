/**
 * Last line of defence against secrets in logs: the engine never puts a secret in a result, but the Lambda
 * logs whole results and, when something unexpected throws, error messages it did not write (V8's JSON
 * errors, for one, quote the start of the text they failed to parse). Every value the resolver read from
 * Secrets Manager or an SSM SecureString is masked before anything is logged.
 */

export const REDACTED = '[REDACTED]';

/** Values shorter than this are not masked (masking them would shred ordinary words). */
const MIN_SECRET_LENGTH = 6;
/** For untrusted text (error messages): any run of this many characters found inside a secret is masked. */
const FRAGMENT_LENGTH = 8;

export interface Redactor {
  /** Masks every whole secret value in the text. */
  text(text: string): string;
  /** Masks whole secrets and any fragment of FRAGMENT_LENGTH+ characters of one: for text we did not write. */
  untrusted(text: string): string;
  /** A deep copy of a JSON-able value with `text` applied to every string. */
  value<T>(value: T): T;
}

export function makeRedactor(secrets: readonly string[]): Redactor {
  const values = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  const text = (t: string): string => {
    let out = t;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
  const untrusted = (t: string): string => {
    const whole = text(t);
    const mask = new Array<boolean>(whole.length).fill(false);
    for (let i = 0; i + FRAGMENT_LENGTH <= whole.length; i++) {
      const piece = whole.slice(i, i + FRAGMENT_LENGTH);
      if (values.some((v) => v.includes(piece))) mask.fill(true, i, i + FRAGMENT_LENGTH);
    }
    let out = '';
    for (let i = 0; i < whole.length; i++) {
      if (!mask[i]) out += whole[i];
      else if (i === 0 || !mask[i - 1]) out += REDACTED;
    }
    return out;
  };
  const value = <T>(v: T): T => {
    if (values.length === 0) return v;
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? text(x) : x))) as T;
  };
  return { text, untrusted, value };
}
