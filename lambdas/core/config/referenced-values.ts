/**
 * Checks for values read from a reference ({ ssm }, { secretsManager }, { env }, { file }) into fields the
 * schema checks when they are written plainly: TLS versions, cipher lists, pins, token URL, request path.
 * The probe engine (engine/inputs.ts) and the audit (audit/rules/) share them, so both accept and refuse the
 * same values with the same words (docs/engine.md "How a probe runs", docs/audit.md).
 *
 * None of these values is a secret, but they may be long or not what was meant (a whole JSON document in the
 * wrong parameter): messages quote a value only when it is short and printable (`shortValue`).
 */
import { PIN, TLS_VERSIONS, type TlsVersion } from './schema';

/** The outcome of checking a value read from a reference: the value to use, or what is wrong with it. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** A value fit to quote in a message: short printable ASCII in quotes, otherwise only its length. */
export function shortValue(value: string): string {
  return value.length <= 24 && /^[\x20-\x7e]*$/.test(value)
    ? JSON.stringify(value)
    : `a ${value.length}-character value`;
}

/** A TLS version as Node names it (TLSv1 ... TLSv1.3), surrounding whitespace ignored; undefined otherwise. */
export function parseTlsVersion(value: string): TlsVersion | undefined {
  const v = value.trim();
  return (TLS_VERSIONS as readonly string[]).includes(v) ? (v as TlsVersion) : undefined;
}

export type ParsedPins =
  | { readonly ok: true; readonly pins: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/** A pin list as a parameter holds it: separated by commas and/or newlines (spaces around entries ignored). */
export function parsePins(value: string): ParsedPins {
  const entries = value
    .split(/[,\r\n]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) return { ok: false, problem: 'holds no pin' };
  const bad = entries.findIndex((e) => !PIN.test(e));
  if (bad >= 0) {
    return {
      ok: false,
      problem: `entry ${bad + 1} of ${entries.length} is not a pin of the form sha256/BASE64SPKI= (the base64 SHA-256 of a SubjectPublicKeyInfo, 44 characters)`,
    };
  }
  return { ok: true, pins: entries };
}

/** An OpenSSL cipher list: one line of printable ASCII, surrounding whitespace ignored; undefined otherwise. */
export function parseCipherList(value: string): string | undefined {
  const v = value.trim();
  return v !== '' && /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(v) ? v : undefined;
}

const VERSION_LIST = 'TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3';

/** tls.minVersion / tls.maxVersion. */
export function checkTlsVersion(s: string): Checked<TlsVersion> {
  const v = parseTlsVersion(s);
  return v
    ? { ok: true, value: v }
    : { ok: false, problem: `holds ${shortValue(s.trim())}, not a TLS version (expected ${VERSION_LIST})` };
}

/** tls.ciphers. */
export function checkCipherList(s: string): Checked<string> {
  const v = parseCipherList(s);
  return v !== undefined
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: `holds ${shortValue(s.trim())}, not an OpenSSL cipher list (one line, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)`,
      };
}

/** tls.pins. */
export function checkPins(s: string): Checked<readonly string[]> {
  const r = parsePins(s);
  return r.ok ? { ok: true, value: r.pins } : { ok: false, problem: r.problem };
}

/** auth.request.path. */
export function checkRequestPath(s: string): Checked<string> {
  const v = s.trim();
  return v.startsWith('/') && !/[\s]/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold a request path (one line starting with /, e.g. /v1/balance)' };
}

/** auth.credentials.tokenUrl (whether it is https is checked apart: the engine refuses, the audit reports). */
export function checkTokenUrl(s: string): Checked<string> {
  const v = s.trim();
  return v !== '' && !/[\s]/.test(v)
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: 'does not hold a token URL (an https:// URL or a path starting with /, one line)',
      };
}

/** auth.credentials.scope. */
export function checkScope(s: string): Checked<string> {
  const v = s.trim();
  return /^[\x20-\x7e]*$/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold an OAuth scope (one line of printable ASCII)' };
}
