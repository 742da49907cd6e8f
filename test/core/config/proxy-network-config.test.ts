/**
 * The config's `proxy` and `network` fields: where they apply (defaults, a processor, `proxy: none` to opt
 * out), and the errors a user gets for a proxy URL or a VPC placement that cannot work, each naming the file,
 * the field and the fix, and never quoting a password written into a URL.
 */
import { ConfigError, type ConfigIssue, parseConfig } from '../../../lambdas/core/config/load';

const FILE = '/etc/payprobe/payprobe.yaml';
const VPC =
  'vpc: { vpcId: vpc-0abc12345def67890, subnetIds: [subnet-0abc12345def67890], securityGroupIds: [sg-0abc12345def67890] }';

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const one = (extra: string) => `processors:\n  - name: a\n    endpoint: https://a.example\n${extra}`;

describe('where proxy and network apply', () => {
  const text = [
    'defaults:',
    '  proxy: { url: "http://proxy.internal:3128", credentials: { username: gw, password: { secretsManager: gw/proxy } } }',
    `  network: { ${VPC} }`,
    'processors:',
    '  - name: inherits',
    '    endpoint: https://a.example',
    '  - name: direct',
    '    endpoint: https://b.example',
    '    proxy: none',
    '  - name: own-proxy',
    '    endpoint: https://c.example',
    '    proxy: { url: "https://egress.internal:8443" }',
    '  - name: from-env',
    '    endpoint: https://d.example',
    '    proxy: env',
    '',
  ].join('\n');
  const byName = Object.fromEntries(parseConfig(text, FILE).processors.map((p) => [p.name, p]));

  it('a processor takes the default proxy and placement', () => {
    expect(byName.inherits?.proxy).toEqual({
      url: 'http://proxy.internal:3128',
      credentials: { username: 'gw', password: { secretsManager: 'gw/proxy' } },
    });
    expect(byName.inherits?.network?.vpc).toEqual({
      vpcId: 'vpc-0abc12345def67890',
      subnetIds: ['subnet-0abc12345def67890'],
      securityGroupIds: ['sg-0abc12345def67890'],
    });
  });

  it('proxy: none connects directly; a processor proxy replaces the default whole; env is kept', () => {
    expect(byName.direct).not.toHaveProperty('proxy');
    // No credentials merged in from the default: they would go to another proxy.
    expect(byName['own-proxy']?.proxy).toEqual({ url: 'https://egress.internal:8443' });
    expect(byName['from-env']?.proxy).toBe('env');
  });
});

describe('errors', () => {
  const cases: [string, string, string, RegExp][] = [
    [
      'credentials in the proxy URL (and the password is not quoted)',
      one('    proxy: { url: "http://gw:hunter2pw@proxy.internal:3128" }\n'),
      'processors[0].proxy.url',
      /holds credentials: put them in proxy.credentials as references/,
    ],
    [
      'a scheme other than http:// or https://',
      one('    proxy: { url: "socks5://proxy.internal:1080" }\n'),
      'processors[0].proxy.url',
      /scheme socks5: is not supported for a proxy \(http:\/\/ or https:\/\/\)/,
    ],
    [
      'a path in the proxy URL',
      one('    proxy: { url: "http://proxy.internal:3128/pac" }\n'),
      'processors[0].proxy.url',
      /only scheme, host and port/,
    ],
    [
      'a proxy without url',
      one('    proxy: { credentials: { username: gw, password: { env: P } } }\n'),
      'processors[0].proxy.url',
      /required/,
    ],
    [
      'a proxy password written into the config',
      one(
        '    proxy: { url: "http://p.internal:3128", credentials: { username: gw, password: hunter2pw } }\n',
      ),
      'processors[0].proxy.credentials.password',
      /expected a reference: .*secrets are never written into the config/,
    ],
    [
      'an overlong proxy URL',
      one(`    proxy: { url: "http://${'a'.repeat(3000)}.example:3128" }\n`),
      'processors[0].proxy.url',
      /too long: at most 2,048 characters \(a proxy URL\)/,
    ],
    [
      'an unknown proxy keyword',
      one('    proxy: environment\n'),
      'processors[0].proxy',
      /expected one of env, none \| \{ url: \.\.\., credentials: \.\.\., ca: \.\.\. \}/,
    ],
    [
      'a half-specified VPC in a processor',
      one('    network: { vpc: { vpcId: vpc-0abc12345def67890, subnetIds: [subnet-0abc12345def67890] } }\n'),
      'processors[0].network.vpc',
      /half-specified VPC placement: securityGroupIds is missing/,
    ],
    [
      'a half-specified VPC in defaults',
      `defaults:\n  network: { vpc: { subnetIds: [subnet-0abc12345def67890] } }\n${one('')}`,
      'defaults.network.vpc',
      /vpcId, securityGroupIds are missing; .* or remove network to run outside a VPC/,
    ],
    [
      'a subnet id that is not one',
      one(
        `    network: { vpc: { vpcId: vpc-0abc12345def67890, subnetIds: [subnet-1], securityGroupIds: [sg-0abc12345def67890] } }\n`,
      ),
      'processors[0].network.vpc.subnetIds[0]',
      /a subnet id, e.g. subnet-0abc12345def67890/,
    ],
  ];

  it.each(cases)('%s', (_name, text, field, message) => {
    const issues = issuesOf(text);
    expect(issues).toContainEqual(
      expect.objectContaining({ file: FILE, path: field, message: expect.stringMatching(message) }),
    );
    expect(JSON.stringify(issues)).not.toContain('hunter2pw');
  });
});
