/**
 * Checks on a response body, because a status alone does not always prove the credentials: Braintree's GraphQL
 * endpoint answers 200 with an authentication error in the body, and a token endpoint was seen answering 200
 * with an HTML page. Two questions, both over the body as read (at most maxBodyBytes):
 * - does it hold what `auth.expectBody` asks for (a JSON value at a dotted path, or a substring)?
 * - does it say the credentials were refused (authRefusal)? That decides AUTH_REJECTED over HTTP_ERROR for a
 *   body that fails its check, and for a token endpoint's 400.
 * A body is untrusted: what a detail shows of it is bounded, redacted and escaped (excerpt).
 */
import type { ExpectBody } from '../config/schema';
import { quoteUntrusted } from '../text/escape';
import { makeRedactor } from '../text/redact';
import type { ExchangeResponse } from './http-request';
import { Fail, type RunState } from './run-state';

/** Characters of a body a detail shows. */
export const EXCERPT_CHARS = 120;

/** OAuth error codes that mean the client or its token was refused (RFC 6749 5.2, RFC 6750 3.1). */
const OAUTH_AUTH_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_token']);

/** Words a body uses when it refuses credentials, in any error format. */
const AUTH_WORDS =
  /\b(?:authenticat\w*|unauthori[sz]ed|invalid[ _-]?(?:api[ _-]?)?(?:key|token|credentials?|client)|access[ _-]denied)\b/i;

/** The body as text: UTF-8, without a byte-order mark (Authorize.net's JSON starts with one). */
export function bodyText(body: Buffer): string {
  return body.toString('utf8').replace(/^\uFEFF/, '');
}

/** The body as a JSON object or array; undefined when it is not JSON (or was cut by maxBodyBytes). */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Why a body says the credentials were refused, or undefined when it does not:
 * - GraphQL `errors[].extensions.errorClass` AUTHENTICATION or AUTHORIZATION (Braintree; braintree_node
 *   treats these as authentication and authorization errors);
 * - `errorCode` 400.008.x (M-Pesa Daraja: "Invalid Authentication passed");
 * - an OAuth `error` of invalid_client, unauthorized_client or invalid_token;
 * - otherwise words such as "authentication", "unauthorized", "invalid API key", "access denied".
 */
export function authRefusal(text: string): string | undefined {
  const json = parseJsonBody(text);
  if (isObject(json)) {
    const errors = Array.isArray(json.errors) ? json.errors : [];
    for (const e of errors) {
      const cls = isObject(e) && isObject(e.extensions) ? e.extensions.errorClass : undefined;
      if (cls === 'AUTHENTICATION' || cls === 'AUTHORIZATION') return `errorClass ${cls}`;
    }
    if (typeof json.errorCode === 'string' && /^400\.008\.\d{1,3}$/.test(json.errorCode))
      return `errorCode ${json.errorCode}`;
    if (typeof json.error === 'string' && OAUTH_AUTH_ERRORS.has(json.error)) return `error ${json.error}`;
  }
  return AUTH_WORDS.test(text) ? 'the body speaks of authentication' : undefined;
}

/**
 * The start of a body for a detail: at most EXCERPT_CHARS characters, every secret of the run masked (also
 * fragments of one, as in any text we did not write), quoted and escaped.
 */
export function excerpt(run: RunState, text: string): string {
  const head = text
    .slice(0, EXCERPT_CHARS * 2)
    .replace(/\s+/g, ' ')
    .trim();
  return quoteUntrusted(makeRedactor([...run.secretValues]).untrusted(head), EXCERPT_CHARS);
}

/** The value at a dotted path (`data.ping`, `errors.0.code`); own properties only. */
export function valueAt(json: unknown, path: string): unknown {
  let v = json;
  for (const seg of path.split('.')) {
    if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)];
    else if (isObject(v) && Object.hasOwn(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

/** What is wrong with the body against `expect`, in words (untrusted parts redacted and quoted); undefined when it holds. */
function mismatch(run: RunState, text: string, expect: ExpectBody): string | undefined {
  if ('contains' in expect) {
    return text.includes(expect.contains)
      ? undefined
      : `the body does not contain ${JSON.stringify(expect.contains)}`;
  }
  const { path, equals } = expect.json;
  const wanted = equals === undefined ? 'a value' : JSON.stringify(equals);
  const json = parseJsonBody(text);
  if (json === undefined) return `the body is not JSON (expected ${path}: ${wanted})`;
  const found = valueAt(json, path);
  if (found === undefined || found === null) return `the body has no ${path} (expected ${wanted})`;
  if (equals === undefined || found === equals) return undefined;
  const shown = typeof found === 'object' ? (Array.isArray(found) ? 'a list' : 'an object') : String(found);
  return `${path} is ${quoteUntrusted(makeRedactor([...run.secretValues]).untrusted(shown), 40)}, expected ${wanted}`;
}

/**
 * auth.expectBody against the configured request's response (after its status passed). A mismatch is
 * AUTH_REJECTED when the body says the credentials were refused, else HTTP_ERROR; the detail shows the start
 * of the body, redacted and escaped, and says when maxBodyBytes cut it.
 */
export function checkBody(run: RunState, res: ExchangeResponse, expect: ExpectBody, what: string): void {
  const text = bodyText(res.body);
  const problem = mismatch(run, text, expect);
  if (problem === undefined) return;
  const cut = res.truncated ? ` (only the first ${run.p.maxBodyBytes} bytes were read: maxBodyBytes)` : '';
  const shown = text.length > 0 ? `; the body begins ${excerpt(run, text)}` : '; the body is empty';
  const detail = `${what} answered ${res.status}, but ${problem}${cut}${shown}`;
  const refusal = authRefusal(text);
  if (refusal) throw new Fail('AUTH_REJECTED', `${detail}: the credentials were refused (${refusal})`);
  throw new Fail('HTTP_ERROR', detail);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
