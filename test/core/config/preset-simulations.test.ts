/**
 * Every preset against a loopback stand-in for its processor (testbed/processors/preset-sims.ts) that answers
 * as the processor documents: the preset passes against the documented good answer and fails with the right
 * class against each documented bad one. Configs go through the real loader with `preset: NAME`, so what is
 * tested is what a user's file gets.
 */

import { ConfigError, parseConfig } from '../../../lambdas/core/config/load';
import { PRESET_NAMES } from '../../../lambdas/core/config/presets';
import type { FailureClass } from '../../../lambdas/core/contract/classes';
import { probe } from '../../../lambdas/core/engine/probe';
import { type PresetFault, type PresetSimName, Testbed } from '../../../testbed/servers';
import { type PresetConfigOptions, presetProcessor, presetYaml } from '../../support/presets';

let bed: Testbed;
beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});

interface Case {
  readonly preset: PresetSimName;
  /** What the stand-in does instead of its normal answers. */
  readonly fault?: PresetFault;
  /** Configure a wrong secret. */
  readonly wrong?: boolean;
  readonly config?: PresetConfigOptions;
  /** The stand-in's accepted secret, when not its default. */
  readonly accepts?: string;
  /** null: passes; else the class and a pattern of its detail. */
  readonly expect: null | { readonly class: FailureClass; readonly status?: number; readonly detail: RegExp };
}

const AUTH = (status: number, detail: RegExp) => ({ class: 'AUTH_REJECTED' as const, status, detail });
const HTTP = (status: number, detail: RegExp) => ({ class: 'HTTP_ERROR' as const, status, detail });

const CASES: readonly (readonly [string, Case])[] = [
  ['stripe: balance', { preset: 'stripe', expect: null }],
  ['stripe: wrong key (401)', { preset: 'stripe', wrong: true, expect: AUTH(401, /401 Unauthorized/) }],
  [
    'stripe: restricted key without Balance read (403)',
    { preset: 'stripe', fault: 'missing-permission', expect: AUTH(403, /403 Forbidden/) },
  ],
  ['paypal: token, then List webhooks with it', { preset: 'paypal', expect: null }],
  [
    'paypal: wrong secret (401 invalid_client)',
    { preset: 'paypal', wrong: true, expect: AUTH(401, /invalid_client/) },
  ],
  [
    'paypal: rate-limited token endpoint (429)',
    {
      preset: 'paypal',
      fault: 'rate-limited',
      expect: HTTP(429, /token endpoint \/v1\/oauth2\/token answered 429/),
    },
  ],
  ['adyen: paymentMethods v72 with merchantAccount', { preset: 'adyen', expect: null }],
  ['adyen: wrong API key (401)', { preset: 'adyen', wrong: true, expect: AUTH(401, /401 Unauthorized/) }],
  [
    'adyen: API credential without the role (403 errorCode 010)',
    { preset: 'adyen', fault: 'missing-role', expect: AUTH(403, /403 Forbidden/) },
  ],
  [
    'adyen: a merchant account the key does not cover (403 errorCode 901)',
    { preset: 'adyen', config: { auth: 'merchantAccount: SomeoneElseECOM' }, expect: AUTH(403, /403/) },
  ],
  ['braintree: ping answers pong', { preset: 'braintree', expect: null }],
  [
    'braintree: 200 with errorClass AUTHENTICATION',
    {
      preset: 'braintree',
      wrong: true,
      expect: AUTH(200, /answered 200, but the body has no data\.ping.*errorClass AUTHENTICATION/),
    },
  ],
  [
    'braintree: 401 for bad credentials',
    { preset: 'braintree', wrong: true, fault: 'auth-error-401', expect: AUTH(401, /401 Unauthorized/) },
  ],
  [
    'braintree: 200 with errorClass AUTHORIZATION',
    { preset: 'braintree', fault: 'authorization-error', expect: AUTH(200, /errorClass AUTHORIZATION/) },
  ],
  ['square: locations', { preset: 'square', expect: null }],
  ['square: wrong token (401 UNAUTHORIZED)', { preset: 'square', wrong: true, expect: AUTH(401, /401/) }],
  [
    'square: OAuth token without MERCHANT_PROFILE_READ (403 INSUFFICIENT_SCOPES)',
    { preset: 'square', fault: 'missing-scope', expect: AUTH(403, /403 Forbidden/) },
  ],
  ['checkout-com: payments listed by a reference', { preset: 'checkout-com', expect: null }],
  [
    'checkout-com: wrong key (401, no body)',
    { preset: 'checkout-com', wrong: true, expect: AUTH(401, /401/) },
  ],
  [
    'checkout-com: 404 from a path that is not the payments API',
    { preset: 'checkout-com', fault: 'not-payments-api', expect: HTTP(404, /answered 404, expected 200/) },
  ],
  [
    'checkout-com: 200 from something that is not the payments API (body check)',
    {
      preset: 'checkout-com',
      fault: 'proxy-200',
      expect: HTTP(
        200,
        /the body is not JSON \(expected total_count: a value\); the body begins `<!DOCTYPE html>/,
      ),
    },
  ],
  [
    'checkout-com: an older-platform key raw in Authorization (header credential)',
    {
      preset: 'checkout-com',
      accepts: 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808',
      config: {
        secret: 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808',
        credentials: '{ type: header, name: Authorization, value: { env: SIM_SECRET } }',
      },
      expect: null,
    },
  ],
  [
    'checkout-com: an older-platform key sent as Bearer is refused',
    {
      preset: 'checkout-com',
      accepts: 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808',
      config: { secret: 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808' },
      expect: AUTH(401, /401/),
    },
  ],
  ['mpesa-daraja: GET token with Basic consumer key:secret', { preset: 'mpesa-daraja', expect: null }],
  [
    'mpesa-daraja: 400 errorCode 400.008.01',
    { preset: 'mpesa-daraja', wrong: true, expect: AUTH(400, /answered 400 \(errorCode 400\.008\.01/) },
  ],
  [
    'mpesa-daraja: 200 with an HTML page',
    {
      preset: 'mpesa-daraja',
      fault: 'html-200',
      expect: HTTP(200, /answered 200 without an access_token; the body begins `<!DOCTYPE html>/),
    },
  ],
  ['paystack: balance', { preset: 'paystack', expect: null }],
  ['paystack: wrong key (401 Invalid key)', { preset: 'paystack', wrong: true, expect: AUTH(401, /401/) }],
  ['flutterwave: v3 balances', { preset: 'flutterwave', expect: null }],
  ['flutterwave: wrong key (401)', { preset: 'flutterwave', wrong: true, expect: AUTH(401, /401/) }],
  ['razorpay: payments', { preset: 'razorpay', expect: null }],
  [
    'razorpay: wrong secret (401 BAD_REQUEST_ERROR)',
    { preset: 'razorpay', wrong: true, expect: AUTH(401, /401/) },
  ],
  ['mollie: methods', { preset: 'mollie', expect: null }],
  [
    'mollie: wrong key (401 Unauthorized Request)',
    { preset: 'mollie', wrong: true, expect: AUTH(401, /401/) },
  ],
  ['worldpay: root resource', { preset: 'worldpay', expect: null }],
  [
    'worldpay: wrong password where the root checks it (401)',
    { preset: 'worldpay', wrong: true, expect: AUTH(401, /401/) },
  ],
  [
    'worldpay: a root that does not check credentials passes even with a wrong password (connectivity only)',
    { preset: 'worldpay', wrong: true, fault: 'open-root', expect: null },
  ],
  ...PRESET_NAMES.map((preset): readonly [string, Case] => [
    `${preset}: 503 from the processor`,
    { preset: preset as PresetSimName, fault: 'server-error', expect: HTTP(503, /503/) },
  ]),
];

describe('each preset against its processor stand-in', () => {
  it('covers every preset with its documented good answer and its answer to wrong credentials', () => {
    const good = new Set(
      CASES.filter(([, c]) => c.expect === null && !c.fault && !c.config).map(([, c]) => c.preset),
    );
    const wrong = new Set(CASES.filter(([, c]) => c.wrong && !c.fault).map(([, c]) => c.preset));
    expect([...good].sort()).toEqual([...PRESET_NAMES].sort());
    expect([...wrong].sort()).toEqual([...PRESET_NAMES].sort());
  });

  it.each(CASES)('%s', async (_title, c) => {
    const sim = await bed.startPreset(c.preset, {
      ...(c.fault ? { fault: c.fault } : {}),
      ...(c.accepts ? { secret: c.accepts } : {}),
    });
    const { processor, secrets } = presetProcessor(bed, c.preset, sim, {
      ...c.config,
      ...(c.wrong ? { secret: 'wrong-secret-value-9999' } : {}),
    });
    const r = await probe(processor, { secrets });
    if (c.expect === null) {
      expect({ ok: r.ok, class: r.class, detail: r.detail }).toEqual({ ok: true, class: null, detail: null });
    } else {
      expect({ ok: r.ok, class: r.class }).toEqual({ ok: false, class: c.expect.class });
      expect(r.detail).toMatch(c.expect.detail);
      if (c.expect.status !== undefined) expect(r.http?.status).toBe(c.expect.status);
    }
    expect(JSON.stringify(r)).not.toContain('wrong-secret-value-9999');
    await sim.close();
  });
});

describe('the requests the presets send', () => {
  async function goodRequests(preset: PresetSimName) {
    const sim = await bed.startPreset(preset);
    const { processor, secrets } = presetProcessor(bed, preset, sim);
    expect(await probe(processor, { secrets })).toMatchObject({ ok: true });
    await sim.close();
    return sim.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, body: r.body }));
  }

  it('adyen: POST /v72/paymentMethods whose JSON body names the merchant account', async () => {
    const [req] = await goodRequests('adyen');
    expect(req).toMatchObject({ method: 'POST', path: '/v72/paymentMethods' });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ merchantAccount: 'PayprobeECOM' });
  });

  it('braintree: the ping query with its version header', async () => {
    const [req] = await goodRequests('braintree');
    expect(req).toMatchObject({ method: 'POST', path: '/graphql', body: '{"query":"query { ping }"}' });
    expect(req?.headers['braintree-version']).toBe('2019-01-01');
  });

  it('paypal: a token request, then the webhooks list with the token as Bearer', async () => {
    const reqs = await goodRequests('paypal');
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/oauth2/token',
      'GET /v1/notifications/webhooks',
    ]);
    expect(reqs[1]?.headers.authorization).toMatch(/^Bearer A21AA/);
  });

  it('mpesa-daraja: GET /oauth/v1/generate?grant_type=client_credentials with Basic, and nothing else', async () => {
    const reqs = await goodRequests('mpesa-daraja');
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual([
      'GET /oauth/v1/generate?grant_type=client_credentials ',
    ]);
    expect(reqs[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('mpesa-sim-consumer-key:mpesa-sim-consumer-secret-0001').toString('base64')}`,
    );
  });

  it('checkout-com: GET /payments by a reference no payment has', async () => {
    const [req] = await goodRequests('checkout-com');
    expect(req).toMatchObject({ method: 'GET', path: '/payments?reference=payprobe-health-check&limit=1' });
  });
});

describe('adyen needs the merchant account', () => {
  it('a config error names auth.merchantAccount when it is missing', () => {
    const yaml = presetYaml('adyen', { url: 'https://checkout-test.adyen.com' }).replace(
      ', merchantAccount: PayprobeECOM',
      '',
    );
    let issues: ConfigError['issues'] = [];
    try {
      parseConfig(yaml, '/etc/payprobe/adyen.yaml');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues = err.issues;
    }
    expect(issues).toEqual([
      expect.objectContaining({
        file: '/etc/payprobe/adyen.yaml',
        path: 'processors[0].auth.merchantAccount',
        message: expect.stringMatching(
          /required by this preset.*POST \/v72\/paymentMethods.*merchantAccount/,
        ),
      }),
    ]);
  });

  it('a request without it cannot pass: the stand-in answers 422, HTTP_ERROR (why the field is required)', async () => {
    const sim = await bed.startPreset('adyen');
    const { processor, secrets } = presetProcessor(bed, 'adyen', sim, {
      auth: "request: { method: POST, path: /v72/paymentMethods, headers: { content-type: application/json }, body: '{}' }",
    });
    // With auth.request set, the preset builds no body: this is the request the old preset sent.
    expect(processor.auth?.request?.body).toBe('{}');
    const r = await probe(processor, { secrets });
    expect(r).toMatchObject({ ok: false, class: 'HTTP_ERROR', http: { status: 422 } });
  });
});
