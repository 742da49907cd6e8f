/**
 * The revocation phase (`tls.revocation`), after the chain verified, main endpoint only: is the server
 * certificate revoked? `stapled` (the default) judges the OCSP response the server stapled, when it sent
 * one; `ocsp` also asks the responder the certificate names (AIA) when nothing usable was stapled, over
 * plain HTTP, bounded by timeoutMs (or what is left of the budget) and 64 KB. A revoked certificate is
 * CERT_REVOKED with the time and reason; a status that cannot be established (responder unreachable, an
 * unusable response, status unknown) is a REVOCATION_UNKNOWN warning, never a failure. The responder is
 * part of the network path: it is resolved with the run's resolver and dialled like the endpoint, or, when
 * the run goes through a forward proxy, asked through that proxy (an absolute-form request, docs/engine.md
 * "Through a forward proxy").
 */
import type { X509Certificate } from 'node:crypto';
import { describeError } from '../checks/errors';
import { checkOcspResponse, OcspError, type OcspVerdict, ocspRequest, ocspUrls } from '../checks/ocsp';
import { bounded } from './bounded';
import type { ChainCert } from './chain';
import { connectTcp, resolveTarget } from './connect';
import { ExchangeError, exchange } from './http-request';
import { dialProxy, proxyAuthorization } from './proxy';
import { type ProxyChoice, proxyFor, type ResolvedProxy } from './proxy-inputs';
import { Fail, type RunState } from './run-state';
import { hostHeader, targetOf } from './target';

/** The largest responder answer read (responses are a few KB; a responder is untrusted). */
export const MAX_OCSP_RESPONSE_BYTES = 65_536;

/** Checks the server certificate's revocation status; throws CERT_REVOKED, warns when it stays unknown. */
export async function checkRevocation(
  run: RunState,
  chain: readonly ChainCert[],
  staple: Buffer | undefined,
  proxy?: ProxyChoice,
): Promise<void> {
  const mode = run.p.tls.revocation;
  const leaf = chain[0]?.x509;
  const issuer = chain[1]?.x509;
  // Without verification there is no trusted issuer to check a response against; a chain of one is a
  // self-signed certificate, which no responder speaks for.
  if (mode === 'off' || !run.p.tls.verify || !leaf || !issuer) return;
  const problems: string[] = [];
  if (staple) {
    const why = judge(run, staple, leaf, issuer, 'the stapled OCSP response');
    if (why === undefined) return;
    problems.push(why);
  }
  if (mode === 'ocsp') {
    const why = await askResponder(run, leaf, issuer, proxy);
    if (why === undefined) return;
    problems.push(why);
  }
  if (problems.length > 0)
    run.warn(
      'REVOCATION_UNKNOWN',
      `the revocation status of the server certificate is unknown: ${problems.join('; ')}`,
    );
}

/** undefined when the response settles it (good); the problem when it does not; throws when revoked. */
function judge(
  run: RunState,
  response: Buffer,
  leaf: X509Certificate,
  issuer: X509Certificate,
  source: string,
): string | undefined {
  let v: OcspVerdict;
  try {
    v = checkOcspResponse(response, leaf, issuer, run.now);
  } catch (err) {
    if (err instanceof OcspError) return `${source} is unusable: ${err.message}`;
    throw err;
  }
  if (v.status === 'good') return undefined;
  if (v.status === 'unknown') return `${source} says it does not know this certificate (status unknown)`;
  throw new Fail(
    'CERT_REVOKED',
    `the server certificate ${leaf.subject.replace(/\n/g, ', ')} (serial ${leaf.serialNumber}) was revoked on ` +
      `${v.revokedAt?.toISOString() ?? 'an unknown date'}, reason ${v.reason ?? 'not given'}, according to ` +
      `${source} (signed by ${v.signer}, produced ${v.producedAt.toISOString()})`,
  );
}

/** Asks the responder named in the certificate; undefined when its answer settles it. */
async function askResponder(
  run: RunState,
  leaf: X509Certificate,
  issuer: X509Certificate,
  proxy: ProxyChoice | undefined,
): Promise<string | undefined> {
  const href = ocspUrls(leaf)[0];
  if (!href)
    return 'the certificate names no OCSP responder (no OCSP URL in its Authority Information Access)';
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'the certificate names an OCSP responder URL that does not parse';
  }
  const via = proxyFor(proxy, url);
  const where = `the OCSP responder ${url.origin}${url.pathname}${via ? ` (through proxy ${via.shown})` : ''}`;
  if (url.protocol !== 'http:') return `${where} is not plain http, which is all payprobe asks`;
  const bound = Math.floor(Math.min(run.p.timeoutMs, run.deadline - run.clock() - 1));
  if (bound <= 0) return `no time was left in the probe budget to ask ${where}`;
  let body: Buffer;
  try {
    body = await bounded(
      fetchResponse(run, url, ocspRequest(leaf, issuer), bound, via),
      bound,
      () => new Fail('RESPONSE_TIMEOUT', `no answer within ${bound} ms`),
    );
  } catch (err) {
    const why =
      err instanceof Fail
        ? err.detail
        : describeError(err instanceof ExchangeError ? (err.cause ?? err) : err);
    return `${where} could not be asked: ${why}`;
  }
  return judge(run, body, leaf, issuer, where);
}

/**
 * POST the request to the responder (RFC 6960 A.1) and read its answer, at most MAX_OCSP_RESPONSE_BYTES.
 * Through a forward proxy: to the proxy, in absolute form (`POST http://ocsp.example/ HTTP/1.1`) with the
 * proxy's account, as an HTTP client sends a plain-HTTP request through a proxy.
 */
async function fetchResponse(
  run: RunState,
  url: URL,
  request: Buffer,
  timeoutMs: number,
  proxy: ResolvedProxy | undefined,
): Promise<Buffer> {
  const target = targetOf(url, undefined, false);
  const fail = (c: { class: Fail['cls']; detail: string }) => new Fail(c.class, c.detail);
  const socket = proxy
    ? (await dialProxy(run, proxy)).socket
    : await connectTcp(run, await resolveTarget(run, target, fail), fail);
  const res = await exchange({
    socket,
    method: 'POST',
    path: proxy ? url.href : `${url.pathname}${url.search}`,
    host: hostHeader(target),
    headers: {
      ...(proxy ? proxyAuthorization(proxy) : {}),
      'user-agent': 'payprobe',
      'content-type': 'application/ocsp-request',
      accept: 'application/ocsp-response',
    },
    body: request,
    keepAlive: false,
    timeoutMs,
    maxBodyBytes: MAX_OCSP_RESPONSE_BYTES,
    clock: run.clock,
  });
  if (res.status !== 200) throw new Fail('HTTP_ERROR', `it answered HTTP ${res.status}`);
  if (res.truncated)
    throw new Fail('HTTP_ERROR', `its answer is larger than ${MAX_OCSP_RESPONSE_BYTES} bytes`);
  return res.body;
}
