/**
 * Non-secret fingerprints of a probe's resolved inputs (ProbeResult.inputs), so a run can tell that an input
 * changed since the previous one (metric InputChanged) without ever storing a value:
 * - public material (endpoint, server name, CA bundle, client certificate): the value or its SHA-256;
 * - secrets: the source's version when it has one (`version:...`), otherwise an HMAC under a key that is
 *   random per process (`hmac:<keyId>:<digest>`). HMACs from different processes are not comparable, and
 *   changedInputs() ignores such pairs instead of reporting a change;
 * - URLs without userinfo, query string and fragment (publicUrl).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { ResolvedValue } from '../secrets/resolver';

const HMAC_KEY = randomBytes(32);
const HMAC_KEY_ID = createHash('sha256').update(HMAC_KEY).digest('hex').slice(0, 8);

/** SHA-256 prefix of public material (CA bundle, PEM certificate). */
export function publicFingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

/** Fingerprint of a secret: its version, or a per-process keyed HMAC. Never the value, never a plain hash. */
export function secretFingerprint(resolved: ResolvedValue): string {
  if (resolved.version !== undefined) return `version:${resolved.version}`;
  return `hmac:${HMAC_KEY_ID}:${createHmac('sha256', HMAC_KEY).update(resolved.value).digest('hex').slice(0, 16)}`;
}

/**
 * A URL as it may appear in inputs (JSON output, Lambda logs): without userinfo, query string and fragment,
 * which can carry keys (`?api_key=...`). A path (a relative token URL) loses its query and fragment; anything
 * else that is not a URL is hashed.
 */
export function publicUrl(s: string): string {
  if (s.startsWith('/')) return s.replace(/[?#].*$/s, '');
  try {
    const u = new URL(s);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return publicFingerprint(s);
  }
}

function comparable(a: string, b: string): boolean {
  if (a.startsWith('hmac:') && b.startsWith('hmac:')) return a.split(':')[1] === b.split(':')[1];
  return true;
}

/** Field paths whose fingerprint differs between two runs (added and removed fields count). */
export function changedInputs(
  previous: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>>,
): string[] {
  const keys = new Set([...Object.keys(previous), ...Object.keys(current)]);
  const changed: string[] = [];
  for (const key of [...keys].sort()) {
    const a = previous[key];
    const b = current[key];
    if (a === b) continue;
    if (a !== undefined && b !== undefined && !comparable(a, b)) continue;
    changed.push(key);
  }
  return changed;
}
