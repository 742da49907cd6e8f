/**
 * TLS rules: verification disabled, revocation checks off in production, early TLS versions or an empty version range, weak cipher suites, pins
 * without a backup or for processors that advise against pinning. Referenced versions, cipher lists and pins
 * are read and checked exactly as the engine reads them (config/referenced-values.ts).
 */
import type { ProcessorConfig } from '../../config/load';
import { checkCipherList, checkPins, checkTlsVersion } from '../../config/referenced-values';
import { TLS_VERSIONS, type TlsVersion } from '../../config/schema';
import { type AuditContext, hostIn } from '../context';
import { presentedPinRules } from './chain';
import { judgeCipherList } from './cipher-suites';

/** Suites a message names before it says how many more there are. */
const NAMED_SUITES = 4;

/** Processors whose documentation advises against certificate pinning (docs/audit.md "pinning-discouraged"). */
const PINNING_DISCOURAGED: readonly {
  name: string;
  presets: readonly string[];
  domains: readonly string[];
}[] = [
  { name: 'Stripe', presets: ['stripe'], domains: ['stripe.com'] },
  { name: 'Worldpay', presets: ['worldpay'], domains: ['worldpay.com'] },
  { name: 'Razorpay', presets: ['razorpay'], domains: ['razorpay.com'] },
  { name: 'Authorize.net', presets: [], domains: ['authorize.net'] },
];

const WEAK_CIPHER_TOKENS = new Set([
  'NULL',
  'ENULL',
  'ANULL',
  'EXPORT',
  'EXP',
  'LOW',
  'RC4',
  'DES',
  '3DES',
  'MD5',
  'ADH',
  'AECDH',
  'IDEA',
  'SEED',
  'RC2',
]);

export async function tlsRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  const t = p.tls;
  const [minSetting, maxSetting, cipherSetting, pinSetting] = await Promise.all([
    ctx.setting<TlsVersion>(p, i, 'tls.minVersion', t.minVersion, checkTlsVersion),
    ctx.setting<TlsVersion>(p, i, 'tls.maxVersion', t.maxVersion, checkTlsVersion),
    ctx.setting<string>(p, i, 'tls.ciphers', t.ciphers, checkCipherList),
    ctx.setting<readonly string[]>(p, i, 'tls.pins', t.pins, checkPins),
  ]);
  if (t.verify === false) {
    ctx.add(
      'tls-verify-disabled',
      p.name,
      ctx.origin(i, 'tls.verify'),
      'tls.verify is false: the server certificate is not checked',
    );
  }
  if (t.revocation === 'off' && p.environment === 'production') {
    ctx.add(
      'tls-revocation-off',
      p.name,
      ctx.origin(i, 'tls.revocation'),
      'tls.revocation is off: a revoked server certificate passes every probe of this production processor',
    );
  }
  const rank = (v: TlsVersion) => TLS_VERSIONS.indexOf(v);
  const min = minSetting ? rank(minSetting.value) : undefined;
  if (minSetting && min !== undefined && min < rank('TLSv1.2')) {
    ctx.add(
      'tls-min-version-too-low',
      p.name,
      ctx.origin(i, 'tls.minVersion'),
      `tls.minVersion is ${minSetting.value}${minSetting.source}: early TLS is accepted`,
    );
  }
  if (maxSetting) {
    const max = rank(maxSetting.value);
    if (max < rank('TLSv1.2')) {
      ctx.add(
        'tls-max-version-too-low',
        p.name,
        ctx.origin(i, 'tls.maxVersion'),
        `tls.maxVersion is ${maxSetting.value}${maxSetting.source}: only early TLS can be negotiated`,
      );
    }
    if (minSetting && min !== undefined && min > max) {
      ctx.add(
        'tls-version-range-empty',
        p.name,
        ctx.origin(i, 'tls.maxVersion'),
        `tls.minVersion ${minSetting.value}${minSetting.source} is above tls.maxVersion ${maxSetting.value}${maxSetting.source}`,
      );
    }
  }
  if (cipherSetting) {
    const weak = weakCiphers(cipherSetting.value);
    if (weak.length > 0) {
      // Suite names are public and short; the list itself may be long, so only the weak entries are shown.
      ctx.add(
        'weak-ciphers',
        p.name,
        ctx.origin(i, 'tls.ciphers'),
        `tls.ciphers${cipherSetting.source} enables weak suites: ${weak.join(', ')}`,
      );
    }
    const verdict = await judgeCipherList(
      cipherSetting.value,
      minSetting && min !== undefined && min >= rank('TLSv1.2') ? minSetting.value : 'TLSv1.2',
      maxSetting && rank(maxSetting.value) >= rank('TLSv1.2') ? maxSetting.value : 'TLSv1.3',
    );
    const problems = [
      ...(verdict && verdict.rsaKeyExchange.length > 0
        ? [`RSA key exchange (no forward secrecy): ${someOf(verdict.rsaKeyExchange)}`]
        : []),
      ...(verdict && verdict.cbc.length > 0 ? [`CBC: ${someOf(verdict.cbc)}`] : []),
    ];
    if (problems.length > 0) {
      ctx.add(
        'ciphers-no-forward-secrecy',
        p.name,
        ctx.origin(i, 'tls.ciphers'),
        `tls.ciphers${cipherSetting.source} allows TLS 1.2 suites with ${problems.join('; ')}`,
      );
    }
  }
  const pins = pinSetting?.value ?? [];
  presentedPinRules(ctx, p, i, pins);
  if (pins.length > 0 && new Set(pins).size === 1) {
    ctx.add(
      'pin-without-backup',
      p.name,
      ctx.origin(i, 'tls.pins'),
      `tls.pins${pinSetting?.source ?? ''} has one pin and no backup`,
    );
  }
  if (pins.length > 0) {
    const host = ctx.hostOf(i);
    const who = PINNING_DISCOURAGED.find(
      (d) =>
        (p.preset !== undefined && d.presets.includes(p.preset)) ||
        (host !== undefined && d.domains.some((dom) => hostIn(host, dom))),
    );
    if (who) {
      ctx.add(
        'pinning-discouraged',
        p.name,
        ctx.origin(i, 'tls.pins'),
        `${who.name} advises against certificate pinning, but tls.pins${pinSetting?.source ?? ''} is set`,
      );
    }
  }
}

/** Cipher-list entries that enable weak suites (entries excluded with "!" or "-" are fine). */
export function weakCiphers(list: string): string[] {
  const weak: string[] = [];
  for (const entry of list.split(/[:, ]+/).filter(Boolean)) {
    if (entry.startsWith('!') || entry.startsWith('-')) continue;
    const name = entry.replace(/^\+/, '');
    const parts = name.toUpperCase().split(/[+-]/);
    if (parts.some((part) => WEAK_CIPHER_TOKENS.has(part) || part === 'CBC3')) weak.push(name);
  }
  return weak;
}

/** The first few suite names and how many more. */
function someOf(names: readonly string[]): string {
  const shown = names.slice(0, NAMED_SUITES).join(', ');
  return names.length > NAMED_SUITES ? `${shown} and ${names.length - NAMED_SUITES} more` : shown;
}
