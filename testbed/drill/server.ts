/**
 * The processor a drill breaks: an HTTPS API on 127.0.0.1 whose certificate, client-certificate trust and
 * accepted API key can change while it runs (Node's server.setSecureContext), so a drill changes the world
 * under an unchanged config, as an incident does. GET /v1/balance answers 200 to the accepted bearer token
 * and 401 otherwise. close() ends every connection (testbed/processors/listeners.ts tracked()).
 */
import * as https from 'node:https';
import type { Issued } from '../pki';
import { LOOPBACK, listen, tracked } from '../processors/listeners';

export interface DrillServerOptions {
  /** The certificate the server presents (with its chain). */
  readonly cert: Issued;
  /** The bearer token the API accepts. */
  readonly token: string;
  /** PEM of the CA whose client certificates the server accepts; absent: no client certificate asked. */
  readonly clientCa?: string;
}

export class DrillServer {
  private token: string;
  private clientCa: string | undefined;
  private constructor(
    private readonly server: https.Server,
    readonly port: number,
    private readonly stop: () => Promise<void>,
    options: DrillServerOptions,
  ) {
    this.token = options.token;
    this.clientCa = options.clientCa;
  }

  static async start(options: DrillServerOptions): Promise<DrillServer> {
    let self: DrillServer | undefined;
    const server = https.createServer(DrillServer.tlsOptions(options.cert, options.clientCa), (req, res) => {
      const ok = req.headers.authorization === `Bearer ${self?.token ?? options.token}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        ok
          ? '{"object":"balance","available":[]}'
          : '{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}',
      );
    });
    server.keepAliveTimeout = 500;
    const stop = tracked(server);
    const port = await listen(server);
    self = new DrillServer(server, port, stop, options);
    return self;
  }

  private static tlsOptions(cert: Issued, clientCa: string | undefined): https.ServerOptions {
    return {
      cert: cert.chain,
      key: cert.key,
      ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }

  get url(): string {
    return `https://${LOOPBACK}:${this.port}`;
  }

  /** Presents another certificate from the next handshake on. */
  present(cert: Issued): void {
    this.server.setSecureContext(DrillServer.tlsOptions(cert, this.clientCa));
  }

  /** Accepts another API key from the next request on. */
  accept(token: string): void {
    this.token = token;
  }

  close(): Promise<void> {
    return this.stop();
  }
}
