/**
 * The Debian proxy the proxy tests run against: .ci/packages.txt names it, so `.ci/run` installs it on a
 * clean CI machine, and a machine without it fails those tests with the install hint instead of skipping.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTinyproxy, TINYPROXY_MISSING } from '../../testbed/proxies/tinyproxy';

const REPO = path.join(__dirname, '..', '..');

describe('tinyproxy for the proxy tests', () => {
  it('is listed in .ci/packages.txt, the Debian packages .ci/run installs', () => {
    const packages = readFileSync(path.join(REPO, '.ci/packages.txt'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.trim());
    expect(packages).toContain('tinyproxy');
  });

  it('missing, it fails with the install hint rather than letting a test skip', async () => {
    const saved = process.env.TINYPROXY;
    process.env.TINYPROXY = path.join(REPO, 'no-such-tinyproxy');
    try {
      await expect(startTinyproxy()).rejects.toThrow(TINYPROXY_MISSING);
      expect(TINYPROXY_MISSING).toMatch(/apt-get install tinyproxy/);
    } finally {
      if (saved === undefined) delete process.env.TINYPROXY;
      else process.env.TINYPROXY = saved;
    }
  });

  it('installed, it starts listening on loopback', async () => {
    const p = await startTinyproxy();
    try {
      expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await p.close();
    }
  });
});
