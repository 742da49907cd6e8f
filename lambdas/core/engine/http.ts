/**
 * The HTTP phase: requests over the connection the handshake opened (http-request.ts does the exchange),
 * each bounded by timeoutMs, with failures classified (a request Node refuses to build, no response, a
 * stalled body, a TLS alert on the first read, a client certificate refused with a 400), and the configured
 * request's status turned into a class:
 * expectStatus passes, 401/403 are AUTH_REJECTED, a redirect is never followed (docs/engine.md steps 7-8).
 * Then auth.expectBody on the body (body-check.ts).
 */
import { describeError, errorCode } from '../checks/errors';
import { checkBody } from './body-check';
import { clientCertRefusal } from './cert-refusal';
import type { Conn } from './connection';
import { publicUrl } from './fingerprints';
import { ExchangeError, type ExchangeResponse, exchange } from './http-request';
import type { Inputs, ResolvedCredentials } from './inputs';
import { Fail, type RunState } from './run-state';
import { refusedAtHttp } from './settle';
import { hostHeader, joinPath, type Target } from './target';
import { classifyPostHandshakeError } from './tls-errors';

/** Node's codes for a request it refuses to build (bad header name or value). */
const INVALID_REQUEST_CODES = new Set([
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
]);

const HTTP_REASON: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

export interface SendRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly keepAlive: boolean;
  /** How the request is named in a failure's detail ("GET /v1/balance", "token request POST /oauth/token"). */
  readonly what: string;
  /** The target the Host header names. */
  readonly host: Target;
}

/** One request over `conn`; the first response's firstByteMs goes into the timings. */
export async function send(run: RunState, conn: Conn, r: SendRequest): Promise<ExchangeResponse> {
  run.httpAttempted = true;
  const classifyLate = (err: unknown): Fail => {
    if (!conn.isTls)
      return new Fail(
        'HTTP_ERROR',
        `${r.what}: the connection failed before a response: ${describeError(err)}`,
      );
    const c = classifyPostHandshakeError(err, {
      keyExchanged: true,
      clientCertSent: conn.clientCertSent,
      protocol: conn.protocol,
    });
    return new Fail(c.class, `${c.class === 'HTTP_ERROR' ? `${r.what}: ` : ''}${c.detail}`);
  };
  const early = conn.lateError();
  if (early !== undefined || conn.socket.destroyed) throw classifyLate(early);
  const lim = run.limit('http');
  try {
    const res = await exchange({
      socket: conn.socket,
      method: r.method,
      path: r.path,
      host: hostHeader(r.host),
      headers: r.headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      keepAlive: r.keepAlive,
      timeoutMs: lim.ms,
      maxBodyBytes: run.p.maxBodyBytes,
      clock: run.clock,
    });
    if (run.timings.firstByteMs === null) run.timings.firstByteMs = res.firstByteMs;
    // nginx and the like refuse a missing or bad client certificate here, with 400, not in the handshake.
    const refusal =
      conn.isTls && (conn.clientCertSent || conn.certRequested) ? clientCertRefusal(res) : undefined;
    if (refusal) {
      run.status = res.status;
      throw refusedAtHttp(conn, refusal);
    }
    return res;
  } catch (err) {
    if (!(err instanceof ExchangeError)) throw err;
    const causeCode = errorCode(err.cause);
    if (err.kind === 'invalid-request' || (causeCode !== undefined && INVALID_REQUEST_CODES.has(causeCode))) {
      throw new Fail(
        'CONFIG_ERROR',
        `${r.what}: the request cannot be built (a header name or a credential value holds invalid characters): ${describeError(err.cause)}`,
      );
    }
    if (err.kind === 'timeout')
      throw new Fail('RESPONSE_TIMEOUT', `${r.what}: no response within ${lim.why} after the handshake`);
    if (err.kind === 'body-timeout')
      throw new Fail(
        'RESPONSE_TIMEOUT',
        `${r.what}: the response head came but the body stalled past ${lim.why}`,
      );
    throw classifyLate(conn.lateError() ?? err.cause);
  }
}

/** The configured request (auth.request), sent with `headers`; its status must be in expectStatus, its body match expectBody. */
export async function sendConfiguredRequest(
  run: RunState,
  conn: Conn,
  inputs: Inputs,
  main: Target,
  headers: Record<string, string>,
): Promise<void> {
  const auth = run.p.auth;
  const request = auth?.request;
  if (!request) return;
  const requestPath = inputs.requestPath ?? '/';
  // A referenced path is shown without its query (it may carry a key); a plain one as written.
  const shownPath = run.referenced.has('auth.request.path') ? publicUrl(requestPath) : requestPath;
  const res = await send(run, conn, {
    method: request.method,
    path: joinPath(inputs.url, requestPath),
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    keepAlive: false,
    what: `${request.method} ${shownPath}`,
    host: main,
  });
  run.status = res.status;
  const what = `${request.method} ${shownPath}`;
  checkStatus(res, auth?.expectStatus ?? [200], what, inputs.url);
  if (auth?.expectBody) checkBody(run, res, auth.expectBody, what);
}

/** The status of the configured request against expectStatus: AUTH_REJECTED, HTTP_ERROR, or nothing. */
function checkStatus(res: ExchangeResponse, expect: readonly number[], what: string, from: URL): void {
  if (expect.includes(res.status)) return;
  if (res.status === 401 || res.status === 403) {
    throw new Fail(
      'AUTH_REJECTED',
      `${what} answered ${res.status} ${HTTP_REASON[res.status]}${authHint(res)}: the credentials were refused`,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    throw new Fail('HTTP_ERROR', `${what} answered ${res.status} ${redirectNote(res, from)}`);
  }
  throw new Fail('HTTP_ERROR', `${what} answered ${res.status}, expected ${expect.join(' or ')}`);
}

/** The headers that carry static credentials (bearer, basic, a named header). */
export function credentialHeaders(
  c: Exclude<ResolvedCredentials, { type: 'oauth2-client-credentials' }>,
): Record<string, string> {
  switch (c.type) {
    case 'bearer':
      return { authorization: `Bearer ${c.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
    case 'header':
      return { [c.name.toLowerCase()]: c.value };
  }
}

/** "(redirect to https://other/path, not followed: ...)": origin and path only, never a query. */
export function redirectNote(res: ExchangeResponse, from: URL): string {
  const loc = res.headers.location;
  let to = 'elsewhere';
  if (typeof loc === 'string') {
    try {
      const u = new URL(loc, from);
      to = `${u.origin}${u.pathname}`;
    } catch {
      to = 'an unreadable location';
    }
  }
  return `(redirect to ${to}, not followed: payprobe never follows redirects, so credentials never leave ${from.origin})`;
}

/** " (invalid_token)" from a WWW-Authenticate error, when it has one of a sane form. */
function authHint(res: ExchangeResponse): string {
  const h = res.headers['www-authenticate'];
  const v = Array.isArray(h) ? h[0] : h;
  const m = v ? /error="([a-z_]{1,40})"/.exec(v) : null;
  return m ? ` (${m[1]})` : '';
}
