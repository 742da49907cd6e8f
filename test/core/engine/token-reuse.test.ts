/**
 * OAuth token reuse (lambdas/core/engine/token-cache.ts, oauth.ts) against the PayPal and M-Pesa stand-ins, on
 * a simulated wall clock: runs a minute apart share one token store as a warm Lambda's runs do. At most one
 * token request per 15 minutes; a rotated or revoked client fails a probe within 15 minutes; any auth failure
 * makes the next token a fresh one; a token never shows in a result.
 */
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { probe } from '../../../lambdas/core/engine/probe';
import {
  expiresAtFrom,
  reusable,
  TOKEN_EXPIRY_MARGIN_MS,
  TOKEN_REFRESH_MS,
  TokenCache,
  tokenRequestsPerHour,
} from '../../../lambdas/core/engine/token-cache';
import { SecretSources } from '../../../lambdas/core/secrets/sources';
import {
  PRESET_SIM_CREDENTIALS,
  type PresetSimName,
  type PresetStandIn,
  Testbed,
} from '../../../testbed/servers';
import { presetProcessor } from '../../support/presets';

const MINUTE = 60_000;
const T0 = Date.now();

let bed: Testbed;
beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});

/** Runs a minute apart against `sim`, sharing one token store, each with the secret the config holds then. */
function runner(preset: PresetSimName, sim: PresetStandIn, tokens = new TokenCache()) {
  const { processor } = presetProcessor(bed, preset, sim);
  const env = { SIM_SECRET: PRESET_SIM_CREDENTIALS[preset].secret, SIM_CA: bed.pki.caPem };
  return {
    tokens,
    /** The secret the integration's config holds from now on (a rotation at the secret store). */
    setSecret(secret: string) {
      env.SIM_SECRET = secret;
    },
    at(minute: number): Promise<ProbeResult> {
      return probe(processor, {
        secrets: new SecretSources({ env: { ...env } }),
        tokens,
        now: () => new Date(T0 + minute * MINUTE),
      });
    },
  };
}

const tokenRequests = (sim: PresetStandIn) =>
  sim.requests.filter(
    (r) => r.path.startsWith('/v1/oauth2/token') || r.path.startsWith('/oauth/v1/generate'),
  );

describe('PayPal: one token, reused across runs', () => {
  it('an hour of runs a minute apart makes 4 token requests (one per 15 minutes), every run passing', async () => {
    const sim = await bed.startPreset('paypal');
    const r = runner('paypal', sim);
    const results: ProbeResult[] = [];
    for (let m = 0; m < 60; m++) results.push(await r.at(m));
    expect(results.filter((x) => !x.ok)).toEqual([]);
    expect(sim.tokenRequests()).toBe(4);
    expect(tokenRequests(sim)).toHaveLength(4);
    // Every run sends the authenticated request, with the token of its 15-minute window.
    const api = sim.requests.filter((q) => q.path === '/v1/notifications/webhooks');
    expect(api).toHaveLength(60);
    const tokensUsed = api.map((q) => q.headers.authorization);
    expect(new Set(tokensUsed.slice(0, 15)).size).toBe(1);
    expect(new Set(tokensUsed).size).toBe(4);
    // The token is a secret: it never shows in a result.
    const token = (tokensUsed[0] ?? '').slice('Bearer '.length);
    expect(token.length).toBeGreaterThan(20);
    expect(JSON.stringify(results)).not.toContain(token);
    await sim.close();
  });

  it('matches the stated rate: tokenRequestsPerHour for PayPal (32400-s tokens) at 60 s is 4', () => {
    expect(tokenRequestsPerHour(60, 32400)).toBe(4);
    expect(tokenRequestsPerHour(10, 32400)).toBe(4);
    expect(tokenRequestsPerHour(60, 3599)).toBe(4);
    // A token shorter than a run interval cannot be reused: one a run.
    expect(tokenRequestsPerHour(60, 90)).toBe(60);
    // A 10-minute token is reused until a minute before expiry: 9 runs a token.
    expect(tokenRequestsPerHour(60, 600)).toBeCloseTo(60 / 9);
  });

  it('a client secret rotated at PayPal (old tokens still valid) fails a probe within 15 minutes, then recovers', async () => {
    const sim = await bed.startPreset('paypal');
    const r = runner('paypal', sim);
    for (let m = 0; m < 20; m++) expect(await r.at(m)).toMatchObject({ ok: true });
    sim.rotate('pp-sim-secret-0002');
    let failedAt: number | undefined;
    let failure: ProbeResult | undefined;
    for (let m = 20; m < 40 && failedAt === undefined; m++) {
      const res = await r.at(m);
      if (!res.ok) {
        failedAt = m;
        failure = res;
      }
    }
    expect(failedAt).toBeDefined();
    expect((failedAt as number) - 20).toBeLessThanOrEqual(15);
    expect(failure).toMatchObject({ class: 'AUTH_REJECTED', stage: 'auth' });
    expect(failure?.detail).toMatch(/token endpoint \/v1\/oauth2\/token answered 401 invalid_client/);
    // Any auth failure: the next run requests a fresh token (with the secret as the config then holds it).
    const before = sim.tokenRequests();
    expect(await r.at((failedAt as number) + 1)).toMatchObject({ ok: false, class: 'AUTH_REJECTED' });
    expect(sim.tokenRequests()).toBe(before + 1);
    r.setSecret('pp-sim-secret-0002');
    expect(await r.at((failedAt as number) + 2)).toMatchObject({ ok: true });
    expect(sim.tokenRequests()).toBe(before + 2);
    await sim.close();
  });

  it('revoked tokens: the next run finds its kept token refused, requests a fresh one at once, and reports the refused client', async () => {
    const sim = await bed.startPreset('paypal');
    const r = runner('paypal', sim);
    expect(await r.at(0)).toMatchObject({ ok: true });
    expect(await r.at(1)).toMatchObject({ ok: true });
    sim.rotate('pp-sim-secret-0002', { revokeTokens: true });
    const res = await r.at(2);
    expect(res).toMatchObject({ ok: false, class: 'AUTH_REJECTED' });
    expect(res.detail).toMatch(/invalid_client/);
    expect(sim.requests.slice(-2).map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /v1/notifications/webhooks',
      'POST /v1/oauth2/token',
    ]);
    await sim.close();
  });

  it('a kept token the API refuses while the client is still good: a fresh token in the same run, and the run passes', async () => {
    const sim = await bed.startPreset('paypal');
    const r = runner('paypal', sim);
    expect(await r.at(0)).toMatchObject({ ok: true });
    sim.rotate('pp-sim-secret-0001', { revokeTokens: true });
    expect(await r.at(1)).toMatchObject({ ok: true, http: { status: 200 } });
    expect(sim.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'POST /v1/oauth2/token',
      'GET /v1/notifications/webhooks',
      'GET /v1/notifications/webhooks',
      'POST /v1/oauth2/token',
      'GET /v1/notifications/webhooks',
    ]);
    // The fresh token is kept: the next run reuses it.
    expect(await r.at(2)).toMatchObject({ ok: true });
    expect(sim.tokenRequests()).toBe(2);
    await sim.close();
  });

  it('a secret changed in the secret store never reuses the token of the old one', async () => {
    const sim = await bed.startPreset('paypal');
    const r = runner('paypal', sim);
    expect(await r.at(0)).toMatchObject({ ok: true });
    r.setSecret('wrong-secret-0003');
    expect(await r.at(1)).toMatchObject({ ok: false, class: 'AUTH_REJECTED' });
    expect(sim.tokenRequests()).toBe(2);
    await sim.close();
  });

  it('without a token store (the engine default) every run requests a token', async () => {
    const sim = await bed.startPreset('paypal');
    const { processor, secrets } = presetProcessor(bed, 'paypal', sim);
    for (let m = 0; m < 3; m++) expect(await probe(processor, { secrets })).toMatchObject({ ok: true });
    expect(sim.tokenRequests()).toBe(3);
    await sim.close();
  });
});

describe('M-Pesa Daraja: the token request is the check', () => {
  it('runs between token requests check the connection; a token request at most every 15 minutes', async () => {
    const sim = await bed.startPreset('mpesa-daraja');
    const r = runner('mpesa-daraja', sim);
    const results: ProbeResult[] = [];
    for (let m = 0; m < 30; m++) results.push(await r.at(m));
    expect(results.every((x) => x.ok)).toBe(true);
    expect(sim.tokenRequests()).toBe(2);
    // A run with a kept token sends nothing: the TLS handshake and the post-handshake wait only.
    expect(results[1]).toMatchObject({ ok: true, http: null, tls: { protocol: expect.any(String) } });
    expect(results[15]).toMatchObject({ ok: true, http: { status: 200 } });
    await sim.close();
  });

  it('bad credentials at the next token request (400 errorCode 400.008.01) are AUTH_REJECTED within 15 minutes', async () => {
    const sim = await bed.startPreset('mpesa-daraja');
    const r = runner('mpesa-daraja', sim);
    expect(await r.at(0)).toMatchObject({ ok: true });
    sim.rotate('mpesa-sim-consumer-secret-0002');
    expect(await r.at(14)).toMatchObject({ ok: true });
    const res = await r.at(15);
    expect(res).toMatchObject({ ok: false, class: 'AUTH_REJECTED', http: { status: 400 } });
    expect(res.detail).toMatch(/errorCode 400\.008\.01/);
    await sim.close();
  });
});

describe('the reuse rule', () => {
  const obtainedAt = 1_000_000;

  it('reuses a token younger than 15 minutes and not within a minute of its expiry', () => {
    const token = { token: 't', obtainedAt, expiresAt: obtainedAt + 3600_000 };
    expect(reusable(token, obtainedAt)).toBe(true);
    expect(reusable(token, obtainedAt + TOKEN_REFRESH_MS - 1)).toBe(true);
    expect(reusable(token, obtainedAt + TOKEN_REFRESH_MS)).toBe(false);
    const short = { token: 't', obtainedAt, expiresAt: obtainedAt + 5 * MINUTE };
    expect(reusable(short, obtainedAt + 4 * MINUTE - 1)).toBe(true);
    expect(reusable(short, obtainedAt + 5 * MINUTE - TOKEN_EXPIRY_MARGIN_MS)).toBe(false);
    expect(reusable(undefined, obtainedAt)).toBe(false);
  });

  it('does not trust a clock that went backwards', () => {
    expect(reusable({ token: 't', obtainedAt }, obtainedAt - 1)).toBe(false);
  });

  it('reads expires_in as seconds, a number or a numeric string (Daraja sends "3599")', () => {
    expect(expiresAtFrom(32400, obtainedAt)).toBe(obtainedAt + 32_400_000);
    expect(expiresAtFrom('3599', obtainedAt)).toBe(obtainedAt + 3_599_000);
    expect(expiresAtFrom('soon', obtainedAt)).toBeUndefined();
    expect(expiresAtFrom(0, obtainedAt)).toBeUndefined();
    expect(expiresAtFrom(undefined, obtainedAt)).toBeUndefined();
  });

  it('keeps at most its bound of tokens, dropping the oldest', () => {
    const cache = new TokenCache(2);
    cache.set('a', { token: 'ta', obtainedAt });
    cache.set('b', { token: 'tb', obtainedAt });
    cache.set('c', { token: 'tc', obtainedAt });
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')?.token).toBe('tc');
  });
});
