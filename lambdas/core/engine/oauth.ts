/**
 * The OAuth 2.0 client-credentials exchange (RFC 6749 4.4): a token request to the token endpoint, over the
 * main connection when it shares the endpoint's origin, else over its own verified connection with the same
 * TLS settings. A token proves the credentials; the configured request then carries it, over a fresh
 * connection when the token endpoint closed the shared one (docs/engine.md "How a probe runs", step 7).
 * Reusing a token across runs would start in obtainToken, before requestToken.
 */
import { type Conn, open } from './connection';
import { redirectNote, type SendRequest, send } from './http';
import type { Inputs, OAuthCredentials } from './inputs';
import { Fail, type RunState } from './run-state';
import { joinPath, type Target, targetOf } from './target';

/** An access_token fit for `Authorization: Bearer <token>`: printable ASCII, no spaces or control characters. */
const USABLE_TOKEN = /^[\x21-\x7e]+$/;

export interface ObtainedToken {
  readonly token: string;
  /** The connection the configured request goes over. */
  readonly conn: Conn;
}

/**
 * A token from the token endpoint, noted as a secret of the run, and the connection for the configured
 * request (`hasRequest`): the shared one when it stays open, a fresh one to the endpoint otherwise.
 */
export async function obtainToken(
  run: RunState,
  conn: Conn,
  inputs: Inputs,
  creds: OAuthCredentials,
  hasRequest: boolean,
): Promise<ObtainedToken> {
  const target = tokenTarget(run, creds.tokenUrl, inputs);
  const sameOrigin = target.url.origin === inputs.url.origin;
  const tokenConn = sameOrigin ? conn : await open(run, target, inputs, conn.clientCertSent);
  const token = await requestToken(run, tokenConn, target, creds, sameOrigin && hasRequest);
  if (!hasRequest) return { token: token.token, conn };
  run.secretValues.add(token.token);
  // The token endpoint may close the shared connection (`connection: close`, or simply hanging up): the
  // request then goes over a fresh one to the same host with the same TLS settings, not over a dead socket.
  const next =
    sameOrigin && !token.reusable ? await open(run, target, inputs, conn.clientCertSent, false) : conn;
  // http.status is the configured request's from here on, not the token response's.
  run.status = null;
  return { token: token.token, conn: next };
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
): Promise<{ token: string; reusable: boolean }> {
  const res = await send(run, conn, tokenRequest(target, creds, keepAlive));
  run.status = res.status;
  const body = parseJson(res.body);
  const error = typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined;
  if (res.status >= 200 && res.status < 300) {
    const token = body?.access_token;
    if (typeof token === 'string' && token.length > 0) {
      // The token goes into an Authorization header: CR/LF or other control characters would make the request
      // unbuildable, and that fault is the token endpoint's, not the config's. The value is never printed.
      if (!USABLE_TOKEN.test(token)) {
        throw new Fail(
          'HTTP_ERROR',
          `token endpoint ${target.url.pathname} answered ${res.status}, but the token endpoint returned an unusable access_token (characters outside printable ASCII, such as CR/LF, that a header cannot carry)`,
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
      return { token, reusable };
    }
    throw new Fail(
      'HTTP_ERROR',
      `token endpoint ${target.url.pathname} answered ${res.status} without an access_token${res.truncated ? ' (response larger than maxBodyBytes)' : ''}`,
    );
  }
  const what = `token endpoint ${target.url.pathname} answered ${res.status}${error ? ` ${error}` : ''}`;
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
  throw new Fail('HTTP_ERROR', what);
}

/** POST grant_type=client_credentials, client auth in a Basic header (the default) or the form. */
function tokenRequest(target: Target, creds: OAuthCredentials, keepAlive: boolean): SendRequest {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (creds.scope) form.set('scope', creds.scope);
  const headers: Record<string, string> = {
    'user-agent': 'payprobe',
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (creds.clientAuth === 'post') {
    form.set('client_id', creds.clientId);
    form.set('client_secret', creds.clientSecret);
  } else {
    // RFC 6749 2.3.1: client id and secret are form-encoded before base64.
    const enc = (s: string) => new URLSearchParams({ s }).toString().slice(2);
    headers.authorization = `Basic ${Buffer.from(`${enc(creds.clientId)}:${enc(creds.clientSecret)}`).toString('base64')}`;
  }
  return {
    method: 'POST',
    path: `${target.url.pathname}${target.url.search}`,
    headers,
    body: form.toString(),
    keepAlive,
    what: `token request POST ${target.url.pathname}`,
    host: target,
  };
}

function parseJson(buf: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
