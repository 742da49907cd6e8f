/**
 * The switchboard (testbed/switchboard.ts): one fixed loopback port whose backend changes while a test runs.
 * Real TLS through it: the client sees the current backend's certificate, a connection keeps the backend it
 * was made with, a backend that resets resets the client, and a closed backend port resets it too.
 */
import * as tls from 'node:tls';
import { LOOPBACK, REFUSED_PORT, Testbed } from '../../testbed/servers';
import { type Switchboard, startSwitchboard } from '../../testbed/switchboard';

let bed: Testbed;
let board: Switchboard | undefined;

beforeAll(async () => {
  bed = await Testbed.start();
});

afterEach(async () => {
  await board?.close();
  board = undefined;
});

afterAll(async () => {
  await bed.close();
});

/** Connects through TLS (no verification: the test reads what is presented) and keeps the socket open. */
function connect(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: LOOPBACK, port, rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
}

async function presented(port: number): Promise<string> {
  const s = await connect(port);
  const fingerprint = s.getPeerCertificate().fingerprint256;
  s.destroy();
  return fingerprint;
}

describe('startSwitchboard', () => {
  it('hands new connections to the backend routed at the time, end to end TLS', async () => {
    const [healthy, expired] = await Promise.all([bed.start('healthy'), bed.start('expired')]);
    board = await startSwitchboard({ port: healthy.port });
    expect(board.url).toBe(`https://127.0.0.1:${board.port}`);
    expect(await presented(board.port)).toBe(healthy.serverCert?.fingerprint256);
    const open = await connect(board.port);
    board.route({ port: expired.port });
    expect(await presented(board.port)).toBe(expired.serverCert?.fingerprint256);
    // The connection made before the switch still talks to the first backend.
    expect(open.getPeerCertificate().fingerprint256).toBe(healthy.serverCert?.fingerprint256);
    open.destroy();
    expect(board.connections).toBe(3);
  });

  it('resets the client when the backend resets the connection', async () => {
    const reset = await bed.start('reset');
    board = await startSwitchboard({ port: reset.port });
    await expect(connect(board.port)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('resets the client when nothing listens behind it', async () => {
    board = await startSwitchboard({ port: REFUSED_PORT });
    await expect(connect(board.port)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
