/** The program's own exit statuses: help and version succeed, anything else that is not a command is bad usage. */
import { runCli } from '../support/cli-capture';

const cli = (args: string[]) => runCli(args, { cwd: process.cwd() });

describe('payprobe', () => {
  it('prints help and exits 0 with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: payprobe/);
    expect(r.stdout).toMatch(/check \[options\]/);
    expect(r.stdout).toMatch(/demo/);
  });

  it('prints the package version and exits 0 with --version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((require('../../package.json') as { version: string }).version);
  });

  it('documents the exit statuses in check --help', async () => {
    const r = await cli(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Exit status: 0 every probe passed, 1 some probe failed, 2 bad usage or invalid config.',
    );
  });

  it('exits 2 without a command, with help on stderr', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: payprobe/);
  });

  it('exits 2 for an unknown command', async () => {
    const r = await cli(['chek']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'chek'");
  });

  it('exits 2 when an option lacks its argument', async () => {
    const r = await cli(['check', '--config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '-c, --config <file>' argument missing");
  });
});
