/**
 * The proxy phase: a tunnel through the gateway's forward proxy with HTTP CONNECT (RFC 9110 9.3.6), opened
 * between DNS and TLS so that the processor's own handshake, verification and request then run inside it,
 * unchanged (docs/engine.md "Through a forward proxy"). DNS of the processor is the proxy's job: dnsMs is the
 * proxy's name, connectMs the TCP connection to the proxy, proxyMs from dialling the proxy to its answer.
 *
 * Every failure before the tunnel is a `proxy` class: PROXY_CONNECT_FAILED (the proxy's name does not
 * resolve, it refuses or drops the connection, TLS to an https:// proxy fails), PROXY_AUTH_REQUIRED (407),
 * PROXY_REFUSED (any other status, an answer that is not HTTP, or a hang-up instead of an answer),
 * PROXY_TIMEOUT (no answer to CONNECT in time). The proxy's answer (status line, X-Squid-Error, challenge,
 * error page) is untrusted text: masked by the one redactor for the run's secrets (the proxy account among
 * them: a proxy may echo Proxy-Authorization back) before anything else, then bounded and escaped by
 * ../text/escape.ts (quoteUntrusted, showUntrusted) before it reaches a detail. Proxy-Authorization goes on the
 * CONNECT request only: the processor never sees it, and the proxy sees nothing of the tunnel but bytes.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { describeError, errorCode } from '../checks/errors';
import { quoteUntrusted, showUntrusted } from '../text/escape';
import { makeRedactor } from '../text/redact';
import { connectTcp, resolveTarget } from './connect';
import type { ResolvedProxy } from './proxy-inputs';
import { Fail, type RunState } from './run-state';
import { type Target, targetOf } from './target';
import { defaultTlsContexts } from './tls-context';
import type { Classified } from './tls-errors';

/** Untrusted text from the proxy quoted in a detail (X-Squid-Error, its page): at most this many characters. */
export const PROXY_TEXT_MAX = 200;
/** The reason phrase of the proxy's status line in a detail: at most this many bytes. */
const REASON_MAX_BYTES = 120;
/** Bytes of an error answer's body read for its text. */
const BODY_MAX = 4096;
/** How long to wait for the rest of an error answer's body after its head. */
const BODY_WAIT_MS = 150;

/** `api.example.com:443`, `[2001:db8::1]:443`: the CONNECT request target (authority form). */
export function authority(target: Target): string {
  const host = target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname;
  return `${host}:${target.port}`;
}

/** "through proxy http://proxy:3128 to api.example.com:443": both hops, for the details after the tunnel. */
export function routeText(proxy: ResolvedProxy, target: Target): string {
  return `through proxy ${proxy.shown} to ${authority(target)}`;
}

/**
 * Dials the proxy and opens a tunnel to `target`. `record`: the main connection's timings (dnsMs, connectMs,
 * proxyMs) go into the run. Resolves with the tunnel: the socket to the proxy (a TLSSocket for an https://
 * proxy), its CONNECT answer consumed, ready for the processor's TLS handshake.
 */
export async function openTunnel(
  run: RunState,
  target: Target,
  proxy: ResolvedProxy,
  record: boolean,
): Promise<net.Socket> {
  const { socket, tConnect } = await dialProxy(run, proxy, record);
  const tunnel = await connect(run, socket, target, proxy);
  if (record) run.timings.proxyMs = run.clock() - tConnect;
  return tunnel;
}

/**
 * DNS, TCP and (for an https:// proxy) TLS to the proxy itself: the socket, and when its TCP connection
 * started. `record`: the main connection's dnsMs and connectMs go into the run. Also for a plain-HTTP request
 * sent to the proxy in absolute form (the OCSP responder, revocation.ts).
 */
export async function dialProxy(
  run: RunState,
  proxy: ResolvedProxy,
  record = false,
): Promise<{ socket: net.Socket; tConnect: number }> {
  const hop = targetOf(proxy.url, undefined, false);
  const unreachable = (c: Classified) =>
    new Fail('PROXY_CONNECT_FAILED', `the proxy ${proxy.shown} cannot be reached: ${c.detail}`);
  try {
    const tDns = run.clock();
    const dial = await resolveTarget(run, hop, unreachable);
    if (record) run.timings.dnsMs = run.clock() - tDns;
    const tConnect = run.clock();
    const tcp = await connectTcp(run, dial, unreachable);
    if (record) run.timings.connectMs = run.clock() - tConnect;
    const socket = proxy.url.protocol === 'https:' ? await proxyTls(run, tcp, hop, proxy) : tcp;
    return { socket, tConnect };
  } catch (err) {
    // A budget that ran out before the DNS or connect phase is still the proxy being out of reach.
    if (err instanceof Fail && (err.cls === 'DNS_FAILURE' || err.cls.startsWith('CONNECT_'))) {
      throw new Fail('PROXY_CONNECT_FAILED', `the proxy ${proxy.shown} cannot be reached: ${err.detail}`);
    }
    throw err;
  }
}

/** The Proxy-Authorization header for the proxy's account, when it has one: sent to the proxy only. */
export function proxyAuthorization(proxy: ResolvedProxy): Record<string, string> {
  if (!proxy.credentials) return {};
  const { username, password } = proxy.credentials;
  return { 'proxy-authorization': `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** TLS to an https:// proxy itself, verified against Node's roots plus proxy.ca, with the proxy's name. */
function proxyTls(run: RunState, tcp: net.Socket, hop: Target, proxy: ResolvedProxy): Promise<tls.TLSSocket> {
  const lim = run.limit('proxy');
  const fail = (detail: string) =>
    new Fail('PROXY_CONNECT_FAILED', `TLS to the proxy ${proxy.shown} failed: ${detail}`);
  const context = (run.deps.tlsContexts ?? defaultTlsContexts).get({
    ...(proxy.ca !== undefined ? { ca: proxy.ca } : {}),
    minVersion: 'TLSv1.2',
  });
  const socket = tls.connect({
    socket: tcp,
    host: hop.hostname,
    ...(hop.servername !== undefined ? { servername: hop.servername } : {}),
    secureContext: context,
    rejectUnauthorized: true,
  });
  run.sockets.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(fail(`no TLS handshake with the proxy within ${lim.why}`));
    }, lim.ms);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      const code = errorCode(err) ?? '';
      const hint = code.startsWith('ERR_SSL_WRONG_VERSION')
        ? ' (the proxy does not speak TLS on this port: use http:// in proxy.url)'
        : /CERT|SELF_SIGNED|ISSUER|ALTNAME/.test(code)
          ? " (the proxy's own certificate: add its CA as proxy.ca, or check the proxy's host name)"
          : '';
      reject(fail(`${describeError(err)}${hint}`));
    });
  });
}

/** Sends CONNECT and reads the answer with Node's HTTP parser; a 2xx leaves the socket as the tunnel. */
function connect(
  run: RunState,
  socket: net.Socket,
  target: Target,
  proxy: ResolvedProxy,
): Promise<net.Socket> {
  const lim = run.limit('proxy');
  const to = authority(target);
  const headers: Record<string, string> = {
    host: to,
    'user-agent': 'payprobe',
    ...proxyAuthorization(proxy),
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const req = http.request({
      method: 'CONNECT',
      path: to,
      setHost: false,
      headers,
      createConnection: () => socket,
    });
    const timer = setTimeout(
      () =>
        finish(() => {
          req.destroy();
          reject(
            new Fail(
              'PROXY_TIMEOUT',
              `the proxy ${proxy.shown} accepted the connection but did not answer CONNECT ${to} within ${lim.why}`,
            ),
          );
        }),
      lim.ms,
    );
    req.on('error', (err) => finish(() => reject(noAnswer(run, err, proxy, to))));
    req.on('response', (res) =>
      // Only for a proxy that answers CONNECT as if it were an ordinary request (no tunnel).
      finish(() => {
        res.resume();
        reject(
          new Fail(
            'PROXY_REFUSED',
            `the proxy ${proxy.shown} answered CONNECT ${to} with ${res.statusCode} but opened no tunnel`,
          ),
        );
      }),
    );
    req.on('connect', (res: http.IncomingMessage, tunnel: net.Socket, head: Buffer) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        finish(() => {
          // Bytes after the answer's head belong to the processor (a server speaking first): keep them.
          if (head.length > 0) tunnel.unshift(head);
          resolve(tunnel);
        });
        return;
      }
      readBody(tunnel, head, Math.min(BODY_WAIT_MS, Math.max(1, lim.ms))).then((body) =>
        finish(() => reject(refused(run, res, body, proxy, to))),
      );
    });
    req.end();
  });
}

/** The first BODY_MAX bytes of an error answer's body: what came with the head and what follows shortly. */
function readBody(socket: net.Socket, head: Buffer, waitMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks = [head];
    let size = head.length;
    const end = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', end);
      socket.removeListener('close', end);
      socket.destroy();
      resolve(Buffer.concat(chunks).subarray(0, BODY_MAX));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= BODY_MAX) end();
    };
    const timer = setTimeout(end, waitMs);
    socket.on('error', () => undefined);
    socket.on('data', onData);
    socket.once('end', end);
    socket.once('close', end);
    if (size >= BODY_MAX) end();
  });
}

/** The failure for a non-2xx answer: 407 is PROXY_AUTH_REQUIRED, anything else PROXY_REFUSED. */
function refused(
  run: RunState,
  res: http.IncomingMessage,
  body: Buffer,
  proxy: ResolvedProxy,
  to: string,
): Fail {
  const status = res.statusCode ?? 0;
  const reason = res.statusMessage ? Buffer.from(res.statusMessage, 'latin1').toString('utf8') : '';
  const line = `${status}${reason.trim() ? ` ${showUntrusted(masked(run, reason).trim(), REASON_MAX_BYTES)}` : ''}`;
  const squid = header(res, 'x-squid-error');
  // Masked before the page is reduced to text (entities decoded, tags dropped) and after.
  const text = bodyText(masked(run, body.toString('utf8')));
  const said = [
    ...(squid ? [`X-Squid-Error: ${quoted(run, squid)}`] : []),
    ...(text ? [`the proxy says ${quoted(run, text)}`] : []),
  ].join('; ');
  const answer = `the proxy ${proxy.shown} answered CONNECT ${to} with ${line}${said ? ` (${said})` : ''}`;
  if (status === 407) {
    const challenge = header(res, 'proxy-authenticate');
    const asks = challenge ? `; it asks for ${quoted(run, challenge)}` : '';
    return new Fail(
      'PROXY_AUTH_REQUIRED',
      proxy.credentials
        ? `${answer}${asks}: it refused the credentials from ${proxy.credentialSource ?? 'the configuration'}`
        : `${answer}${asks}: no proxy credentials are configured (set proxy.credentials to the gateway's proxy account)`,
    );
  }
  const hint =
    status === 403
      ? ': the proxy does not allow this host or port for the gateway (its ACL)'
      : status === 401
        ? `: some proxies (tinyproxy) answer refused proxy credentials with 401 instead of 407: check ${proxy.credentialSource ?? 'proxy.credentials'}`
        : status >= 500
          ? ': the proxy could not reach the processor itself (its DNS, its egress, or the processor)'
          : '';
  return new Fail('PROXY_REFUSED', `${answer}${hint}`);
}

/** The failure when CONNECT got no HTTP answer: a hang-up, a reset, or bytes that are not HTTP. */
function noAnswer(run: RunState, err: unknown, proxy: ResolvedProxy, to: string): Fail {
  const code = errorCode(err) ?? '';
  if (code.startsWith('HPE_')) {
    const raw = (err as { rawPacket?: unknown }).rawPacket;
    const bytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
    const looksTls = bytes[0] === 0x15 || bytes[0] === 0x16;
    return new Fail(
      'PROXY_REFUSED',
      `the proxy ${proxy.shown} did not answer CONNECT ${to} with HTTP (${code}): it sent ${preview(run, bytes)}${looksTls ? '; that is TLS: the proxy port expects TLS, use https:// in proxy.url' : ''}`,
    );
  }
  return new Fail(
    'PROXY_REFUSED',
    `the proxy ${proxy.shown} closed the connection without answering CONNECT ${to} (${describeError(err)})`,
  );
}

/** A header's value; Node reads header bytes as latin1, and they are taken back as UTF-8 (so a secret matches). */
function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  const text = Array.isArray(v) ? v.join(', ') : v;
  return text === undefined ? undefined : Buffer.from(text, 'latin1').toString('utf8');
}

/** Readable text of an error page: tags, head, scripts and styles dropped, a few entities decoded. */
export function bodyText(body: string): string {
  return body
    .replace(/<(head|script|style)\b[\s\S]*?(<\/\1>|$)/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, e: string) =>
      e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'nbsp' ? ' ' : "'",
    )
    .replace(/\s+/g, ' ')
    .trim();
}

/** Text the proxy wrote with every secret of the run masked in any encoding (the one redactor). */
function masked(run: RunState, s: string): string {
  return makeRedactor([...run.secretValues]).untrusted(s);
}

/**
 * Untrusted text for a detail: masked first (a proxy that echoes our Proxy-Authorization header back gets
 * nothing printed), then quoted as one bounded line with unsafe characters escaped (quoteUntrusted).
 */
function quoted(run: RunState, s: string): string {
  return quoteUntrusted(masked(run, s).replace(/\s+/g, ' ').trim(), PROXY_TEXT_MAX);
}

/** The start of a non-HTTP answer: as text when it is printable, else as hex bytes. */
function preview(run: RunState, bytes: Buffer): string {
  if (bytes.length === 0) return 'nothing readable';
  const head = bytes.subarray(0, 32);
  const printable = [...head].every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  if (printable) return quoted(run, head.toString('latin1'));
  return `bytes ${head.subarray(0, 16).toString('hex').replace(/(..)/g, '$1 ').trim()}`;
}
