/**
 * Loopback stand-ins for the processors payprobe has presets for. Each answers its preset's request the way
 * the processor documents it: the documented success, the documented answer to bad credentials, and each
 * documented failure (`fault`), with the status and body the processor's docs, SDKs or their test mocks show
 * (docs/lambda.md "Processor presets" names the sources). Tests run every preset against them through the
 * real config loader and engine (test/core/config/preset-simulations.test.ts), so a preset that cannot pass
 * against its processor's good answer, or passes against a bad one, fails a test.
 *
 * OAuth stand-ins (PayPal, M-Pesa) issue tokens, count token requests, and can rotate the client secret (old
 * tokens stay valid, the worst case for detection) or revoke every token, as a processor would.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type * as tls from 'node:tls';
import type { RecordedRequest } from './kinds';

/** The presets with a stand-in (every preset in lambdas/core/config/presets.ts). */
export const PRESET_SIM_NAMES = [
  'stripe',
  'paypal',
  'adyen',
  'braintree',
  'square',
  'checkout-com',
  'mpesa-daraja',
  'paystack',
  'flutterwave',
  'razorpay',
  'mollie',
  'worldpay',
] as const;
export type PresetSimName = (typeof PRESET_SIM_NAMES)[number];

/**
 * Documented failures a stand-in can show instead of its normal answers (each stand-in knows its own; a
 * fault another processor has is ignored):
 * - server-error: 503 to every request (any processor);
 * - missing-permission: Stripe's restricted key without Balance read (403);
 * - rate-limited: PayPal's 429 RATE_LIMIT_REACHED to token requests;
 * - missing-role: Adyen's 403 errorCode 010 (the API credential lacks the role);
 * - auth-error-401: Braintree answering bad credentials with 401 instead of 200 (the body is the same);
 * - authorization-error: Braintree's 200 with errorClass AUTHORIZATION;
 * - missing-scope: Square's 403 INSUFFICIENT_SCOPES (an OAuth token without MERCHANT_PROFILE_READ);
 * - not-payments-api: every path answers 404 with an HTML page (a wrong base path, a proxy), Checkout.com;
 * - proxy-200: every path answers 200 with an HTML page (a captive portal or proxy), Checkout.com;
 * - html-200: M-Pesa's token endpoint answering 200 with an HTML page;
 * - open-root: Worldpay's root answering 200 without checking the credentials.
 */
export type PresetFault =
  | 'server-error'
  | 'missing-permission'
  | 'rate-limited'
  | 'missing-role'
  | 'auth-error-401'
  | 'authorization-error'
  | 'missing-scope'
  | 'not-payments-api'
  | 'proxy-200'
  | 'html-200'
  | 'open-root';

/** The credentials a stand-in accepts by default (tests configure these, or wrong ones). */
export const PRESET_SIM_CREDENTIALS: Readonly<
  Record<PresetSimName, { readonly id?: string; readonly secret: string; readonly merchantAccount?: string }>
> = {
  stripe: { secret: 'sk_test_simStripeKey0001' },
  paypal: { id: 'pp-sim-client', secret: 'pp-sim-secret-0001' },
  adyen: { secret: 'AQE-sim-adyen-key-0001', merchantAccount: 'PayprobeECOM' },
  braintree: { id: 'bt-sim-public-key', secret: 'bt-sim-private-key-0001' },
  square: { secret: 'EAAA-sim-square-token-0001' },
  'checkout-com': { secret: 'sk_sbox_simcheckoutkey0001' },
  'mpesa-daraja': { id: 'mpesa-sim-consumer-key', secret: 'mpesa-sim-consumer-secret-0001' },
  paystack: { secret: 'sk_test_simPaystackKey0001' },
  flutterwave: { secret: 'FLWSECK_TEST-simflutterwave0001-X' },
  razorpay: { id: 'rzp_test_simKeyId01', secret: 'rzp-sim-secret-0001' },
  mollie: { secret: 'test_simMollieKey0001' },
  worldpay: { id: 'wp-sim-user', secret: 'wp-sim-password-0001' },
};

export interface PresetSimOptions {
  readonly fault?: PresetFault;
  /** The secret (key, password, client secret) accepted. @default PRESET_SIM_CREDENTIALS[name].secret */
  readonly secret?: string;
}

/** A stand-in's controls: what a processor's side of a rotation looks like, and what it counted. */
export interface PresetSimControl {
  /** From now on accept only `secret`; with revokeTokens, every token issued so far is refused too. */
  rotate(secret: string, opts?: { revokeTokens?: boolean }): void;
  /** Token requests received (OAuth stand-ins). */
  tokenRequests(): number;
}

/** What an answer is: a status, a JSON value or a text body, headers. */
interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: http.OutgoingHttpHeaders;
}

/** One request as the stand-ins see it. */
interface Ctx {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface State {
  readonly name: PresetSimName;
  readonly fault?: PresetFault;
  readonly id?: string;
  secret: string;
  readonly merchantAccount?: string;
  readonly issued: Set<string>;
  tokenRequests: number;
}

const HTML_PAGE = (title: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
const html = (status: number, title: string): Reply => ({
  status,
  text: HTML_PAGE(title),
  headers: { 'content-type': 'text/html; charset=utf-8' },
});
const json = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): Reply => ({
  status,
  json: body,
  headers,
});

function bearer(c: Ctx): string | undefined {
  const a = c.headers.authorization;
  return a?.startsWith('Bearer ') ? a.slice(7) : undefined;
}

/** The user and password of a Basic header (RFC 6749 2.3.1 form-decoding applied). */
function basic(c: Ctx): { user?: string; password?: string } {
  const a = c.headers.authorization;
  if (!a?.startsWith('Basic ')) return {};
  const text = Buffer.from(a.slice(6), 'base64').toString();
  const i = text.indexOf(':');
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return i < 0 ? {} : { user: dec(text.slice(0, i)), password: dec(text.slice(i + 1)) };
}

const basicOk = (c: Ctx, s: State) => {
  const b = basic(c);
  return b.user === s.id && b.password === s.secret;
};

const requestId = () => randomBytes(8).toString('hex');

/** Issues an OAuth token (the stand-in's own format) and remembers it. */
function issue(s: State, prefix: string): string {
  const token = `${prefix}${randomBytes(24).toString('base64url')}`;
  s.issued.add(token);
  return token;
}

/** Each stand-in: the answer to one request. */
const ANSWERS: Record<PresetSimName, (c: Ctx, s: State) => Reply> = {
  // Stripe API reference: errors carry { error: { type, message } }; a bad key is 401.
  stripe: (c, s) => {
    if (c.method !== 'GET' || c.path !== '/v1/balance')
      return json(404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } });
    if (bearer(c) !== s.secret)
      return json(401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****0000' },
      });
    if (s.fault === 'missing-permission')
      return json(403, {
        error: {
          type: 'invalid_request_error',
          message:
            "The provided key 'rk_test_****0001' does not have the required permissions for this endpoint. Having the 'rak_balance_read' permission would allow this request to continue.",
        },
      });
    return json(200, {
      object: 'balance',
      available: [{ amount: 0, currency: 'usd' }],
      livemode: false,
      pending: [],
    });
  },

  // PayPal REST: POST /v1/oauth2/token (Basic client), 401 invalid_client; List webhooks with the token.
  paypal: (c, s) => {
    if (c.path === '/v1/oauth2/token') {
      s.tokenRequests++;
      if (s.fault === 'rate-limited')
        return json(429, {
          name: 'RATE_LIMIT_REACHED',
          message: 'Too many requests. Blocked due to rate limiting.',
          debug_id: requestId(),
        });
      if (c.method !== 'POST' || new URLSearchParams(c.body).get('grant_type') !== 'client_credentials')
        return json(400, { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' });
      if (!basicOk(c, s))
        return json(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
      return json(200, {
        scope: 'https://uri.paypal.com/services/applications/webhooks',
        access_token: issue(s, 'A21AA'),
        token_type: 'Bearer',
        app_id: 'APP-80W284485P519543T',
        expires_in: 32400,
        nonce: `${new Date().toISOString()}${requestId()}`,
      });
    }
    if (c.method === 'GET' && c.path === '/v1/notifications/webhooks') {
      const t = bearer(c);
      if (t === undefined || !s.issued.has(t))
        return json(401, {
          error: 'invalid_token',
          error_description: 'Token signature verification failed',
        });
      return json(200, { webhooks: [] });
    }
    return json(404, { name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.' });
  },

  // Adyen Checkout API v72: errors { status, errorCode, message, errorType }; merchantAccount is required.
  adyen: (c, s) => {
    if (c.method !== 'POST' || !/^\/v\d+\/paymentMethods$/.test(c.path))
      return json(404, { status: 404, errorCode: '000', message: 'Not Found', errorType: 'security' });
    if (c.headers['x-api-key'] !== s.secret)
      return json(401, {
        status: 401,
        errorCode: '000',
        message: 'HTTP Status Response - Unauthorized',
        errorType: 'security',
      });
    if (s.fault === 'missing-role')
      return json(403, { status: 403, errorCode: '010', message: 'Not allowed', errorType: 'security' });
    let merchantAccount: unknown;
    try {
      merchantAccount = (JSON.parse(c.body) as { merchantAccount?: unknown }).merchantAccount;
    } catch {
      merchantAccount = undefined;
    }
    if (merchantAccount === undefined)
      return json(422, {
        status: 422,
        errorCode: '702',
        message: "Required field 'merchantAccount' is not provided.",
        errorType: 'validation',
      });
    if (merchantAccount !== s.merchantAccount)
      return json(403, {
        status: 403,
        errorCode: '901',
        message: 'Invalid Merchant Account',
        errorType: 'security',
      });
    return json(200, { paymentMethods: [{ brands: ['visa', 'mc'], name: 'Cards', type: 'scheme' }] });
  },

  // Braintree GraphQL: ping answers pong; braintree_node reads errors[0].extensions.errorClass on a 200.
  braintree: (c, s) => {
    if (c.method !== 'POST' || c.path !== '/graphql') return html(404, 'Not Found');
    const authError = (cls: string, message: string) => ({
      errors: [{ message, extensions: { errorClass: cls, legacyCode: null } }],
      extensions: { requestId: requestId() },
    });
    if (!basicOk(c, s))
      return json(
        s.fault === 'auth-error-401' ? 401 : 200,
        authError('AUTHENTICATION', 'Authentication credentials are invalid'),
      );
    if (s.fault === 'authorization-error')
      return json(200, authError('AUTHORIZATION', 'You do not have permission to access this resource'));
    if (!/\{\s*ping\s*\}/.test(c.body))
      return json(200, { errors: [{ message: 'Syntax error', extensions: { errorClass: 'VALIDATION' } }] });
    return json(200, { data: { ping: 'pong' }, extensions: { requestId: requestId() } });
  },

  // Square: errors [{ category, code, detail }]; 401 UNAUTHORIZED, 403 INSUFFICIENT_SCOPES.
  square: (c, s) => {
    if (c.method !== 'GET' || c.path !== '/v2/locations')
      return json(404, {
        errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail: 'Not found' }],
      });
    if (bearer(c) !== s.secret)
      return json(401, {
        errors: [
          {
            category: 'AUTHENTICATION_ERROR',
            code: 'UNAUTHORIZED',
            detail: 'This request could not be authorized.',
          },
        ],
      });
    if (s.fault === 'missing-scope')
      return json(403, {
        errors: [
          {
            category: 'AUTHENTICATION_ERROR',
            code: 'INSUFFICIENT_SCOPES',
            detail:
              'The merchant has not given your application sufficient permissions: MERCHANT_PROFILE_READ',
          },
        ],
      });
    return json(200, {
      locations: [{ id: 'L1SIMLOCATION', name: 'Default Test Account', status: 'ACTIVE' }],
    });
  },

  // Checkout.com: GET /payments?reference= lists payments (200, paged); 401 with no body for a bad key;
  // current-platform keys as Bearer, older-platform (sk_test_) keys raw in Authorization.
  'checkout-com': (c, s) => {
    if (s.fault === 'not-payments-api') return html(404, '404 Not Found');
    if (s.fault === 'proxy-200') return html(200, 'Welcome');
    const raw = s.secret.startsWith('sk_test_');
    const presented = raw ? c.headers.authorization : bearer(c);
    if (presented !== s.secret) return { status: 401 };
    if (c.method === 'GET' && c.path === '/payments') {
      if (!c.query.get('reference'))
        return json(422, {
          request_id: requestId(),
          error_type: 'request_invalid',
          error_codes: ['reference_required'],
        });
      return json(200, { limit: Number(c.query.get('limit') ?? 10), skip: 0, total_count: 0, data: [] });
    }
    if (c.method === 'GET' && c.path.startsWith('/payments/')) return { status: 404 };
    return { status: 404 };
  },

  // M-Pesa Daraja: GET /oauth/v1/generate?grant_type=client_credentials with Basic key:secret;
  // expires_in is a string; bad credentials: 400 errorCode 400.008.01 (third-party mocks).
  'mpesa-daraja': (c, s) => {
    if (c.path !== '/oauth/v1/generate')
      return json(404, { errorCode: '404.001.01', errorMessage: 'Resource not found' });
    s.tokenRequests++;
    if (s.fault === 'html-200') return html(200, 'Safaricom Developer Portal');
    if (c.method !== 'GET' || c.query.get('grant_type') !== 'client_credentials')
      return json(400, { requestId: '', errorCode: '400.008.02', errorMessage: 'Invalid grant type passed' });
    if (!basicOk(c, s))
      return json(400, {
        requestId: requestId(),
        errorCode: '400.008.01',
        errorMessage: 'Invalid Authentication passed',
      });
    return json(200, { access_token: issue(s, ''), expires_in: '3599' });
  },

  // Paystack: { status, message, data }; a bad key is 401 "Invalid key".
  paystack: (c, s) => {
    if (c.method !== 'GET' || c.path !== '/balance')
      return json(404, { status: false, message: 'Not found' });
    if (bearer(c) !== s.secret) return json(401, { status: false, message: 'Invalid key' });
    return json(200, {
      status: true,
      message: 'Balances retrieved',
      data: [{ currency: 'NGN', balance: 0 }],
    });
  },

  // Flutterwave v3: { status, message, data }; a bad key is 401.
  flutterwave: (c, s) => {
    if (c.method !== 'GET' || c.path !== '/v3/balances')
      return json(404, { status: 'error', message: 'Not found' });
    if (bearer(c) !== s.secret)
      return json(401, { status: 'error', message: 'Invalid authorization key', data: null });
    return json(200, {
      status: 'success',
      message: 'Wallet balances fetched',
      data: [{ currency: 'NGN', available_balance: 0, ledger_balance: 0 }],
    });
  },

  // Razorpay: Basic key_id:secret; 401 BAD_REQUEST_ERROR.
  razorpay: (c, s) => {
    if (c.method !== 'GET' || c.path !== '/v1/payments')
      return json(404, {
        error: { code: 'BAD_REQUEST_ERROR', description: 'The requested URL was not found on the server.' },
      });
    if (!basicOk(c, s))
      return json(401, {
        error: {
          code: 'BAD_REQUEST_ERROR',
          description: 'The api key provided is invalid',
          source: 'NA',
          step: 'NA',
          reason: 'NA',
          metadata: {},
        },
      });
    return json(200, { entity: 'collection', count: 0, items: [] });
  },

  // Mollie: application/hal+json; 401 "Unauthorized Request".
  mollie: (c, s) => {
    const hal = { 'content-type': 'application/hal+json' };
    if (c.method !== 'GET' || c.path !== '/v2/methods')
      return json(404, { status: 404, title: 'Not Found', detail: 'No resource found' }, hal);
    if (bearer(c) !== s.secret)
      return json(
        401,
        {
          status: 401,
          title: 'Unauthorized Request',
          detail: 'Missing authentication, or failed to authenticate',
        },
        hal,
      );
    return json(
      200,
      {
        count: 0,
        _embedded: { methods: [] },
        _links: { self: { href: '/v2/methods', type: 'application/hal+json' } },
      },
      hal,
    );
  },

  // Access Worldpay: the root resource (HAL links); a 401 JSON error for bad credentials where it checks them.
  worldpay: (c, s) => {
    const hal = { 'content-type': 'application/vnd.worldpay.payments-v6.hal+json' };
    if (c.method !== 'GET' || c.path !== '/')
      return json(404, { errorName: 'urlNotFound', message: 'Not found' });
    if (s.fault !== 'open-root' && !basicOk(c, s))
      return json(401, {
        errorName: 'accessDenied',
        message: 'Access to the requested resource has been denied',
      });
    return json(200, { _links: { 'payments:authorize': { href: '/payments/authorizations' } } }, hal);
  },
};

/**
 * The request handler of one stand-in, recording every request into `requests`, and its controls.
 * Testbed.startPreset (servers.ts) serves it over the testbed's TLS.
 */
export function presetHandler(
  name: PresetSimName,
  options: PresetSimOptions,
): { handler: (requests: RecordedRequest[]) => http.RequestListener; control: PresetSimControl } {
  const defaults = PRESET_SIM_CREDENTIALS[name];
  const state: State = {
    name,
    ...(options.fault ? { fault: options.fault } : {}),
    ...(defaults.id !== undefined ? { id: defaults.id } : {}),
    secret: options.secret ?? defaults.secret,
    ...(defaults.merchantAccount !== undefined ? { merchantAccount: defaults.merchantAccount } : {}),
    issued: new Set(),
    tokenRequests: 0,
  };
  const handler =
    (requests: RecordedRequest[]): http.RequestListener =>
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const sni = (req.socket as tls.TLSSocket & { servername?: string | false }).servername;
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          ...(typeof sni === 'string' ? { servername: sni } : {}),
          ...(req.socket.remotePort !== undefined ? { remotePort: req.socket.remotePort } : {}),
        });
        const url = new URL(req.url ?? '/', 'https://stand-in.invalid');
        const ctx: Ctx = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        };
        const reply: Reply =
          state.fault === 'server-error'
            ? json(503, { error: 'service_unavailable' })
            : ANSWERS[name](ctx, state);
        const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
        res.writeHead(reply.status, {
          ...(reply.json !== undefined ? { 'content-type': 'application/json' } : {}),
          'content-length': Buffer.byteLength(text),
          ...reply.headers,
        });
        res.end(text);
      });
    };
  const control: PresetSimControl = {
    rotate: (secret, opts = {}) => {
      state.secret = secret;
      if (opts.revokeTokens) state.issued.clear();
    },
    tokenRequests: () => state.tokenRequests,
  };
  return { handler, control };
}
