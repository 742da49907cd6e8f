/**
 * Where a connection goes: host, port, the server name sent as SNI and checked against the certificate, and
 * whether it is the main endpoint (its timings, chain and pins make the result) or an auxiliary one (an OAuth
 * token endpoint on another host). Pure helpers over URLs, shared by the connect, TLS and HTTP phases.
 */
import * as net from 'node:net';

export interface Target {
  readonly url: URL;
  readonly hostname: string;
  readonly port: number;
  /** SNI and host name check (undefined for IP literals with no configured server name). */
  readonly servername?: string;
  /** The name the certificate must cover. */
  readonly identity: string;
  /** The main endpoint (timings, chain, pins) or an auxiliary one (a token endpoint on another host). */
  readonly main: boolean;
}

export function targetOf(url: URL, servername: string | undefined, main: boolean): Target {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const sni = servername ?? (net.isIP(hostname) ? undefined : hostname);
  return {
    url,
    hostname,
    port,
    ...(sni !== undefined ? { servername: sni } : {}),
    identity: servername ?? hostname,
    main,
  };
}

/** The Host header for a target: the server name (or bracketed IPv6 literal), with a non-default port. */
export function hostHeader(t: Target): string {
  const name = t.servername ?? (t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname);
  const defaultPort = t.url.protocol === 'https:' ? 443 : 80;
  return t.port === defaultPort ? name : `${name}:${t.port}`;
}

/** The endpoint's base path joined with a request path: https://h/checkout + /v71/x → /checkout/v71/x. */
export function joinPath(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${prefix}${path}`;
}
