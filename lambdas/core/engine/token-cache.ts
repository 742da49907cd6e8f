/**
 * OAuth access tokens kept between probe runs, and the one rule for when a kept token is used. A monitor must
 * not degrade the integration it watches: PayPal rate-limits clients that fetch a new token instead of
 * reusing one. So a run reuses a token from an earlier run while it is fresh, and still proves the client
 * credentials often enough to catch a rotation or revocation (docs/engine.md "OAuth tokens"):
 * - a token is reused while it is younger than TOKEN_REFRESH_MS and more than TOKEN_EXPIRY_MARGIN_MS from
 *   its expiry (`expires_in`), so a fresh token request runs at most every 15 minutes in steady state, and at
 *   least that often: rotated or revoked client credentials fail a probe within 15 minutes;
 * - any auth failure drops the kept token, so the next token is requested fresh; a kept token the API refuses
 *   is replaced by a fresh one in the same run (oauth.ts);
 * - the key holds the processor, the token endpoint and a keyed hash of the client (id, secret, scope), so a
 *   secret rotated in Secrets Manager (or read afresh by a confirmation re-probe) never reuses the old token.
 * The store itself is dumb and lives where runs share memory: the probe Lambda's module scope across warm
 * invocations, the CLI's process. The engine owns the rule. Tokens are secrets: the run notes each one for
 * redaction, and nothing here is ever logged.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A fresh token is requested at least this often (and, in steady state, no more often). */
export const TOKEN_REFRESH_MS = 15 * 60_000;
/** A kept token is not used within this long of its expiry. */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** Tokens a TokenCache keeps (one per processor and client); the oldest goes first. */
export const TOKEN_CACHE_ENTRIES = 256;

/** A token as kept between runs. */
export interface CachedToken {
  readonly token: string;
  /** Wall-clock milliseconds (the run's start) when it was obtained. */
  readonly obtainedAt: number;
  /** Wall-clock milliseconds when it expires, from `expires_in`; undefined when the endpoint gave none. */
  readonly expiresAt?: number;
}

/** Where tokens live between runs. Holds secrets: never log or serialise it. */
export interface TokenStore {
  get(key: string): CachedToken | undefined;
  set(key: string, token: CachedToken): void;
  delete(key: string): void;
}

/** An in-memory TokenStore with at most `maxEntries` tokens. */
export class TokenCache implements TokenStore {
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly maxEntries = TOKEN_CACHE_ENTRIES) {}

  get(key: string): CachedToken | undefined {
    return this.entries.get(key);
  }

  set(key: string, token: CachedToken): void {
    this.entries.delete(key);
    this.entries.set(key, token);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** How many tokens are kept (for tests and diagnostics; never the tokens themselves). */
  get size(): number {
    return this.entries.size;
  }
}

/** Per-process key of the client hash: the store's keys say nothing about a secret outside this process. */
const KEY_SECRET = randomBytes(32);

/** What identifies one client at one token endpoint. */
export interface TokenClient {
  readonly processor: string;
  /** The token endpoint, absolute. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly clientAuth: string;
  readonly tokenMethod: string;
}

/** The store key of a client: the processor name and a keyed hash of everything that makes its token. */
export function tokenKey(c: TokenClient): string {
  const hash = createHmac('sha256', KEY_SECRET)
    .update(
      JSON.stringify([c.tokenUrl, c.clientId, c.clientSecret, c.scope ?? null, c.clientAuth, c.tokenMethod]),
    )
    .digest('base64url');
  return `${c.processor}:${hash}`;
}

/** Whether a kept token may be used by a run starting at `nowMs` (wall clock). */
export function reusable(token: CachedToken | undefined, nowMs: number): token is CachedToken {
  if (!token) return false;
  // A clock that went backwards cannot say how old the token is: request a fresh one.
  if (nowMs < token.obtainedAt || nowMs - token.obtainedAt >= TOKEN_REFRESH_MS) return false;
  return token.expiresAt === undefined || nowMs < token.expiresAt - TOKEN_EXPIRY_MARGIN_MS;
}

/** Expiry from a token response's `expires_in` (seconds; a number or a numeric string, as Daraja sends it). */
export function expiresAtFrom(expiresIn: unknown, obtainedAt: number): number | undefined {
  const seconds =
    typeof expiresIn === 'number'
      ? expiresIn
      : typeof expiresIn === 'string' && /^\d{1,9}$/.test(expiresIn.trim())
        ? Number(expiresIn.trim())
        : undefined;
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0
    ? obtainedAt + seconds * 1000
    : undefined;
}

/**
 * Token requests an hour in steady state for probes every `intervalSeconds` and a token that lives
 * `lifetimeSeconds` (unknown: assumed longer than the refresh interval): one per TOKEN_REFRESH_MS, or one per
 * usable lifetime when that is shorter, never more than one a run. For the cost model and `payprobe cost`;
 * a cold start adds one, and so does every probe attempt while the credentials are refused.
 */
export function tokenRequestsPerHour(intervalSeconds: number, lifetimeSeconds?: number): number {
  const runsPerHour = 3600 / intervalSeconds;
  const usableMs =
    lifetimeSeconds === undefined
      ? TOKEN_REFRESH_MS
      : Math.min(TOKEN_REFRESH_MS, lifetimeSeconds * 1000 - TOKEN_EXPIRY_MARGIN_MS);
  if (usableMs <= intervalSeconds * 1000) return runsPerHour;
  // A token is used by whole runs: it is replaced at the first run at or after its usable time.
  const runsPerToken = Math.ceil(usableMs / (intervalSeconds * 1000));
  return runsPerHour / runsPerToken;
}
