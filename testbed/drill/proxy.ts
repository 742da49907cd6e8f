/**
 * The gateway's forward proxy in a drill: an HTTP CONNECT proxy on 127.0.0.1 that tunnels to the processor
 * until its access list loses the processor's host, then answers CONNECT with 403 and Squid's
 * `X-Squid-Error: ERR_ACCESS_DENIED`, as a proxy does after an allow-list change. close() ends every connection.
 */
import * as net from 'node:net';
import { LOOPBACK, listen, tracked } from '../processors/listeners';

export class DrillProxy {
  private refusing = false;
  private constructor(
    readonly port: number,
    private readonly stop: () => Promise<void>,
  ) {}

  static async start(): Promise<DrillProxy> {
    let self: DrillProxy | undefined;
    const server = net.createServer((client) => {
      client.on('error', () => undefined);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16_384) client.destroy();
          return;
        }
        client.removeListener('data', onData);
        const m = /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
        if (!m || self?.refusing) {
          client.end(
            'HTTP/1.1 403 Forbidden\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
          );
          return;
        }
        const upstream = net.connect(Number(m[2]), m[1] as string, () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          const rest = head.subarray(end + 4);
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
      };
      client.on('data', onData);
    });
    const stop = tracked(server);
    const port = await listen(server);
    self = new DrillProxy(port, stop);
    return self;
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  /** From the next CONNECT on, answers 403 (true) or tunnels again (false). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  close(): Promise<void> {
    return this.stop();
  }
}
