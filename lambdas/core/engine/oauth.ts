/**
 * The OAuth 2.0 client-credentials exchange (RFC 6749 4.4): a token, then the configured request with it.
 * The token comes from an earlier run when token-cache.ts's rule allows (a warm Lambda, the CLI process), else
 * from a token request to the token endpoint: over the main connection when it shares the endpoint's origin,
 * else over its own verified connection with the same TLS settings. A fresh token proves the credentials; the
 * configured request then carries it, over a fresh connection when the token endpoint closed the shared one
 * (docs/engine.md "How a probe runs", step 7, and "OAuth tokens"). Any auth failure drops the kept token; a
 * kept token the API refuses is replaced by a fresh one at once and the request sent again.
 */
import { authRefusal, bodyText, excerpt, parseJsonBody } from './body-check';
import { type Conn, open } from './connection';
import { redirectNote, type SendRequest, send, sendConfiguredRequest } from './http';
import type { Inputs, OAuthCredentials } from './inputs';
import { Fail, type RunState } from './run-state';
import { settle } from './settle';
import { joinPath, type Target, targetOf } from './target';
import { type CachedToken, expiresAtFrom, reusable, tokenKey } from './token-cache';

/** An access_token fit for `Authorization: Bearer <token>`: printable ASCII, no spaces or control characters. */
const USABLE_TOKEN = /^[\x21-\x7e]+$/;

export interface ObtainedToken {
  readonly token: string;
  /** The connection the configured request goes over. */
  readonly conn: Conn;
  /** Whether the token was kept from an earlier run (no token request this run). */
  readonly reused: boolean;
}

/** The run's view of the token store (ProbeDeps.tokens) for one client; a no-op without a store. */
interface TokenSlot {
  read(): CachedToken | undefined;
  keep(token: CachedToken): void;
  forget(): void;
}

function tokenSlot(run: RunState, target: Target, creds: OAuthCredentials): TokenSlot {
  const store = run.deps.tokens;
  const key = tokenKey({
    processor: run.p.name,
    tokenUrl: target.url.href,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    ...(creds.scope !== undefined ? { scope: creds.scope } : {}),
    clientAuth: creds.clientAuth,
    tokenMethod: creds.tokenMethod,
  });
  return {
    read: () => store?.get(key),
    keep: (token) => store?.set(key, token),
    forget: () => store?.delete(key),
  };
}

/**
 * After the handshake, for oauth2-client-credentials: a token (kept or requested), then the configured request
 * with it (`headers` plus the bearer token). A kept token the API refuses (AUTH_REJECTED) is forgotten and a
 * fresh one requested over a fresh connection, and the request sent once more: that answer stands. With no
 * configured request and a kept token, the run checks the connection only (the credentials were proven when
 * the token was issued, at most TOKEN_REFRESH_MS ago).
 */
export async function oauthExchange(
  run: RunState,
  conn: Conn,
  inputs: Inputs,
  creds: OAuthCredentials,
  main: Target,
  headers: Record<string, string>,
): Promise<void> {
  const request = run.p.auth?.request;
  const target = tokenTarget(run, creds.tokenUrl, inputs);
  const slot = tokenSlot(run, target, creds);
  const first = await obtainToken(run, conn, inputs, creds, target, slot, request !== undefined, false);
  if (!request) {
    if (first.reused) await settle(run, conn, main);
    return;
  }
  try {
    await sendConfiguredRequest(run, first.conn, inputs, main, withBearer(headers, first.token));
  } catch (err) {
    if (!(err instanceof Fail) || err.cls !== 'AUTH_REJECTED') throw err;
    slot.forget();
    if (!first.reused) throw err;
    // The kept token may have been revoked: a fresh token decides, over a fresh connection to the endpoint.
    const next = await open(run, main, inputs, conn.clientCertSent, false);
    const fresh = await obtainToken(run, next, inputs, creds, target, slot, true, true);
    await sendConfiguredRequest(run, fresh.conn, inputs, main, withBearer(headers, fresh.token));
  }
}

function withBearer(headers: Record<string, string>, token: string): Record<string, string> {
  return { ...headers, authorization: `Bearer ${token}` };
}

/**
 * A token, noted as a secret of the run, and the connection for the configured request (`hasRequest`): a
 * kept token when the rule allows (not when `fresh`), else one from the token endpoint, kept for later runs.
 * The connection is the shared one when it stays open, a fresh one to the endpoint otherwise.
 */
async function obtainToken(
  run: RunState,
  conn: Conn,
  inputs: Inputs,
  creds: OAuthCredentials,
  target: Target,
  slot: TokenSlot,
  hasRequest: boolean,
  fresh: boolean,
): Promise<ObtainedToken> {
  const startedAt = run.now.getTime();
  const kept = fresh ? undefined : slot.read();
  if (reusable(kept, startedAt)) {
    run.secretValues.add(kept.token);
    return { token: kept.token, conn, reused: true };
  }
  const sameOrigin = target.url.origin === inputs.url.origin;
  let token: { token: string; reusable: boolean; expiresIn: unknown };
  try {
    const tokenConn = sameOrigin ? conn : await open(run, target, inputs, conn.clientCertSent);
    token = await requestToken(run, tokenConn, target, creds, sameOrigin && hasRequest);
  } catch (err) {
    slot.forget();
    throw err;
  }
  run.secretValues.add(token.token);
  const expiresAt = expiresAtFrom(token.expiresIn, startedAt);
  slot.keep({ token: token.token, obtainedAt: startedAt, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  if (!hasRequest) return { token: token.token, conn, reused: false };
  // The token endpoint may close the shared connection (`connection: close`, or simply hanging up): the
  // request then goes over a fresh one to the same host with the same TLS settings, not over a dead socket.
  const next =
    sameOrigin && !token.reusable ? await open(run, target, inputs, conn.clientCertSent, false) : conn;
  // http.status is the configured request's from here on, not the token response's.
  run.status = null;
  return { token: token.token, conn: next, reused: false };
}

/** The token URL as a target: a path joins the endpoint; an absolute URL on the endpoint's origin is main. */
function tokenTarget(run: RunState, tokenUrl: string, inputs: Inputs): Target {
  if (tokenUrl.startsWith('/')) {
    const url = new URL(inputs.url.href);
    url.pathname = joinPath(inputs.url, tokenUrl).split('?')[0] ?? '/';
    return { ...targetOf(inputs.url, inputs.servername, true), url };
  }
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new Fail(
      'CONFIG_ERROR',
      `auth.credentials.tokenUrl${run.from('auth.credentials.tokenUrl')} is neither a path (/...) nor an absolute URL`,
    );
  }
  if (url.origin === inputs.url.origin) return { ...targetOf(inputs.url, inputs.servername, true), url };
  return targetOf(url, undefined, false);
}

async function requestToken(
  run: RunState,
  conn: Conn,
  target: Target,
  creds: OAuthCredentials,
  keepAlive: boolean,
): Promise<{ token: string; reusable: boolean; expiresIn: unknown }> {
  const res = await send(run, conn, tokenRequest(target, creds, keepAlive));
  run.status = res.status;
  const text = bodyText(res.body);
  const parsed = parseJsonBody(text);
  const body =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  const error = typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined;
  const where = `token endpoint ${target.url.pathname}`;
  if (res.status >= 200 && res.status < 300) {
    const token = body?.access_token;
    if (typeof token === 'string' && token.length > 0) {
      // The token goes into an Authorization header: CR/LF or other control characters would make the request
      // unbuildable, and that fault is the token endpoint's, not the config's. The value is never printed.
      if (!USABLE_TOKEN.test(token)) {
        throw new Fail(
          'HTTP_ERROR',
          `${where} answered ${res.status}, but the token endpoint returned an unusable access_token (characters outside printable ASCII, such as CR/LF, that a header cannot carry)`,
        );
      }
      const connection = res.headers.connection;
      const reusable =
        keepAlive &&
        !/\bclose\b/i.test(typeof connection === 'string' ? connection : '') &&
        conn.lateError() === undefined &&
        !conn.socket.destroyed &&
        conn.socket.writable &&
        !conn.socket.readableEnded;
      return { token, reusable, expiresIn: body?.expires_in };
    }
    // A 200 without a token (an HTML page, an error object) proves nothing: a body check on access_token.
    const detail = `${where} answered ${res.status} without an access_token${res.truncated ? ' (response larger than maxBodyBytes)' : ''}${text.length > 0 ? `; the body begins ${excerpt(run, text)}` : ''}`;
    const refusal = authRefusal(text);
    if (refusal) throw new Fail('AUTH_REJECTED', `${detail}: the client id/secret were refused (${refusal})`);
    throw new Fail('HTTP_ERROR', detail);
  }
  const what = `${where} answered ${res.status}${error ? ` ${error}` : ''}`;
  if (
    res.status === 401 ||
    res.status === 403 ||
    error === 'invalid_client' ||
    error === 'unauthorized_client'
  ) {
    throw new Fail('AUTH_REJECTED', `${what}: the client id/secret were refused`);
  }
  if (res.status >= 300 && res.status < 400)
    throw new Fail('HTTP_ERROR', `${what} ${redirectNote(res, target.url)}`);
  // A 400 whose body refuses the client (M-Pesa Daraja: errorCode 400.008.01 "Invalid Authentication passed").
  const refusal = res.status === 400 ? authRefusal(text) : undefined;
  if (refusal) {
    throw new Fail(
      'AUTH_REJECTED',
      `${what} (${refusal}; the body begins ${excerpt(run, text)}): the client id/secret were refused`,
    );
  }
  throw new Fail('HTTP_ERROR', what);
}

/**
 * grant_type=client_credentials: POST with the form (the default), client auth in a Basic header or the form;
 * or GET with grant_type in the query and the client in a Basic header (tokenMethod GET, M-Pesa Daraja).
 */
function tokenRequest(target: Target, creds: OAuthCredentials, keepAlive: boolean): SendRequest {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (creds.scope) form.set('scope', creds.scope);
  const headers: Record<string, string> = { 'user-agent': 'payprobe', accept: 'application/json' };
  if (creds.clientAuth === 'post' && creds.tokenMethod !== 'GET') {
    form.set('client_id', creds.clientId);
    form.set('client_secret', creds.clientSecret);
  } else {
    // RFC 6749 2.3.1: client id and secret are form-encoded before base64.
    const enc = (s: string) => new URLSearchParams({ s }).toString().slice(2);
    headers.authorization = `Basic ${Buffer.from(`${enc(creds.clientId)}:${enc(creds.clientSecret)}`).toString('base64')}`;
  }
  const path = target.url.pathname;
  if (creds.tokenMethod === 'GET') {
    const query = new URLSearchParams(target.url.search);
    for (const [k, v] of form) query.set(k, v);
    return {
      method: 'GET',
      path: `${path}?${query}`,
      headers,
      keepAlive,
      what: `token request GET ${path}`,
      host: target,
    };
  }
  headers['content-type'] = 'application/x-www-form-urlencoded';
  return {
    method: 'POST',
    path: `${path}${target.url.search}`,
    headers,
    body: form.toString(),
    keepAlive,
    what: `token request POST ${path}`,
    host: target,
  };
}
