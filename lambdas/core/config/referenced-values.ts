/**
 * Checks for values read from a reference ({ ssm }, { secretsManager }, { env }, { file }) into fields the
 * schema checks when they are written plainly: TLS versions, cipher lists, pins, token URL, request path,
 * OAuth scope. The probe engine (engine/inputs.ts) and the audit (audit/rules/) share them, so both accept
 * and refuse the same values with the same words (docs/engine.md "How a probe runs", docs/audit.md).
 * Surrounding whitespace (a trailing newline in a parameter) is ignored.
 *
 * None of these values is a secret, but they may be long or not what was meant (a whole JSON document in the
 * wrong parameter): messages quote a value only when it is short and printable (`shortValue`).
 */
import { LIMITS, PIN, proxyUrlProblem, TLS_VERSIONS, type TlsVersion } from './schema';

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

/** The problem of a value longer than `max` characters (schema.ts LIMITS), or undefined. */
function tooLong(v: string, max: number, what: string): Checked<string> | undefined {
  return v.length > max
    ? { ok: false, problem: `holds a ${v.length}-character value: ${what} has at most ${max} characters` }
    : undefined;
}

/** tls.minVersion / tls.maxVersion: a TLS version as Node names it (TLSv1 ... TLSv1.3). */
export function checkTlsVersion(s: string): Checked<TlsVersion> {
  const v = s.trim();
  return (TLS_VERSIONS as readonly string[]).includes(v)
    ? { ok: true, value: v as TlsVersion }
    : {
        ok: false,
        problem: `holds ${shortValue(v)}, not a TLS version (expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)`,
      };
}

/** tls.ciphers: an OpenSSL cipher list, one line of printable ASCII. */
export function checkCipherList(s: string): Checked<string> {
  const v = s.trim();
  const long = tooLong(v, LIMITS.text, 'a cipher list');
  if (long) return long;
  return v !== '' && /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(v)
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: `holds ${shortValue(v)}, not an OpenSSL cipher list (one line, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)`,
      };
}

/** tls.pins: pins separated by commas and/or newlines (spaces around entries ignored). */
export function checkPins(s: string): Checked<readonly string[]> {
  const entries = s
    .split(/[,\r\n]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, problem: 'holds no pin' };
  const bad = entries.findIndex((e) => !PIN.test(e));
  if (bad >= 0) {
    return {
      ok: false,
      problem: `entry ${bad + 1} of ${entries.length} is not a pin of the form sha256/BASE64SPKI= (the base64 SHA-256 of a SubjectPublicKeyInfo, 44 characters)`,
    };
  }
  return { ok: true, value: entries };
}

/** auth.request.path: one line starting with /. */
export function checkRequestPath(s: string): Checked<string> {
  const v = s.trim();
  const long = tooLong(v, LIMITS.path, 'a request path');
  if (long) return long;
  return v.startsWith('/') && !/\s/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold a request path (one line starting with /, e.g. /v1/balance)' };
}

/** auth.credentials.tokenUrl: one line (whether it is https is checked apart: the engine refuses, the audit reports). */
export function checkTokenUrl(s: string): Checked<string> {
  const v = s.trim();
  const long = tooLong(v, LIMITS.url, 'a token URL');
  if (long) return long;
  return v !== '' && !/\s/.test(v)
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: 'does not hold a token URL (an https:// URL or a path starting with /, one line)',
      };
}

/** auth.credentials.scope: one line of printable ASCII. */
export function checkScope(s: string): Checked<string> {
  const v = s.trim();
  const long = tooLong(v, LIMITS.text, 'an OAuth scope');
  if (long) return long;
  return /^[\x20-\x7e]*$/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold an OAuth scope (one line of printable ASCII)' };
}

/**
 * proxy.url: http:// or https://, host and port only, no user info. The value is never quoted: a proxy URL
 * read from the wrong parameter could carry a password.
 */
export function checkProxyUrl(s: string): Checked<URL> {
  const v = s.trim();
  const long = tooLong(v, LIMITS.url, 'a proxy URL');
  if (long && !long.ok) return long;
  const problem = proxyUrlProblem(v);
  return problem === undefined
    ? { ok: true, value: new URL(v) }
    : { ok: false, problem: `does not hold a usable proxy URL: ${problem}` };
}
