/**
 * A processor endpoint whose behaviour can change while a test runs: a TCP forwarder on a fixed loopback
 * port that hands each new connection to the current backend (a testbed server, ./servers.ts). A deployed
 * config names one endpoint for good (its port is synthesized into the stack), so an incident replay that
 * lets a certificate expire, or a bad edge node come and go, switches the backend behind the same port.
 *
 * The bytes pass through untouched: TLS runs end to end between the client and the backend, so the client
 * sees the backend's certificate and alerts as if it had connected directly. A backend that cannot be
 * reached (nothing listening) resets the client's connection: use a backend of the fault you want
 * (`reset`, `silent`, ...) rather than a closed port.
 */
import * as net from 'node:net';
import { LOOPBACK } from './servers';

export interface SwitchboardTarget {
  readonly host?: string;
  readonly port: number;
}

export interface Switchboard {
  /** The fixed port clients dial. */
  readonly port: number;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The backend new connections go to (connections already open keep theirs). */
  route(target: SwitchboardTarget): void;
  close(): Promise<void>;
}

/** Starts a forwarder on a free loopback port, sending connections to `initial` until routed elsewhere. */
export async function startSwitchboard(initial: SwitchboardTarget): Promise<Switchboard> {
  let target = initial;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    connections++;
    track(client);
    const upstream = net.connect(target.port, target.host ?? LOOPBACK);
    track(upstream);
    // Hold the client's first bytes until the backend answers, then splice the two streams.
    client.pause();
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    // A reset on one side is a reset on the other; a clean close travels through the pipes as an end.
    upstream.on('close', (hadError) => {
      if (hadError && !client.destroyed) client.resetAndDestroy();
    });
    client.on('close', (hadError) => {
      if (hadError && !upstream.destroyed) upstream.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `https://${LOOPBACK}:${port}`,
    get connections() {
      return connections;
    },
    route(next) {
      target = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
