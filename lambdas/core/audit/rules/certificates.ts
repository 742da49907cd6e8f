/**
 * Certificate rules over what the referenced secrets hold: our client certificate (readable, valid now,
 * outside its warning window, and its key opens and matches) and the CA bundle. Certificates are read and
 * dated with the engine's own checks (checks/certificates.ts, checks/expiry.ts), so the audit warns exactly
 * when a probe would: at `days <= tls.clientCertExpiryWarningDays`, as the ClientCertExpiring alarm does.
 */
import type { X509Certificate } from 'node:crypto';
import { certDer } from '../../checks/cert-der';
import {
  countCertificates,
  formatName,
  keyMatchesCert,
  openPrivateKey,
  parseCertificate,
  pemBlocks,
} from '../../checks/certificates';
import { dayCount, daysSince, daysUntil, expiryStatus, isExpired, isNotYetValid } from '../../checks/expiry';
import type { ProcessorConfig } from '../../config/load';
import { describeRef } from '../../secrets/resolver';
import type { AuditContext, Read } from '../context';

export async function clientCertRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  const { clientCert, clientKey, clientKeyPassphrase } = p.tls;
  if (!clientCert) return;
  const certField = ctx.origin(i, 'tls.clientCert');
  const keyField = ctx.origin(i, 'tls.clientKey');
  const purpose = 'the client certificate rules (expiry, key match)';
  const [certRead, keyRead, passRead] = await Promise.all([
    ctx.read(p, clientCert, certField, purpose),
    clientKey ? ctx.read(p, clientKey, keyField, purpose) : Promise.resolve<Read>({ ok: false }),
    clientKeyPassphrase
      ? ctx.read(p, clientKeyPassphrase, ctx.origin(i, 'tls.clientKeyPassphrase'), purpose)
      : Promise.resolve(undefined),
  ]);
  if (!certRead.ok) return;
  const parsed = parseCertificate(certRead.value);
  if (!parsed.ok) {
    ctx.add(
      'client-cert-invalid',
      p.name,
      certField,
      `${describeRef(clientCert)} is not a PEM certificate (${parsed.code})`,
    );
    return;
  }
  const cert = parsed.x509;
  const validTo = new Date(cert.validTo);
  const validFrom = new Date(cert.validFrom);
  const days = daysUntil(validTo, ctx.now);
  const window = p.tls.clientCertExpiryWarningDays;
  if (isExpired(validTo, ctx.now)) {
    ctx.add(
      'client-cert-expired',
      p.name,
      certField,
      `our client certificate expired on ${validTo.toISOString()} (${dayCount(daysSince(validTo, ctx.now))} ago)`,
    );
  } else if (isNotYetValid(validFrom, ctx.now)) {
    ctx.add(
      'client-cert-expired',
      p.name,
      certField,
      `our client certificate is not valid before ${validFrom.toISOString()}`,
      {
        fix: 'check the clock and the certificate dates; store the certificate that is valid now',
      },
    );
  } else if (expiryStatus(days, window) === 'expiring') {
    ctx.add(
      'client-cert-expiring',
      p.name,
      certField,
      `our client certificate expires on ${validTo.toISOString()} (in ${days} days; warning window ${window})`,
    );
  }
  const weak = clientCertWeakness(cert);
  if (weak) {
    ctx.add('client-cert-weak', p.name, certField, `our client certificate has ${weak}`);
  }
  if (!clientKey || !keyRead.ok || (clientKeyPassphrase && !passRead?.ok)) return;
  const key = openPrivateKey(keyRead.value, passRead?.ok ? passRead.value : undefined);
  if (!key.ok) {
    ctx.add(
      'client-cert-invalid',
      p.name,
      keyField,
      `${describeRef(clientKey)} is not a usable PEM private key (${key.code})`,
      {
        fix: 'store the PEM private key; if it is encrypted, set tls.clientKeyPassphrase to the reference of its passphrase',
      },
    );
    return;
  }
  if (!keyMatchesCert(cert, key.key)) {
    ctx.add(
      'client-key-mismatch',
      p.name,
      keyField,
      `${describeRef(clientKey)} is not the private key of the certificate in ${describeRef(clientCert)}`,
    );
  }
}

export async function caRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  if (!p.tls.ca) return;
  const field = ctx.origin(i, 'tls.ca');
  const read = await ctx.read(p, p.tls.ca, field, 'the CA bundle check');
  if (!read.ok) return;
  const { blocks, valid } = countCertificates(read.value);
  const certs = pemBlocks(read.value)
    .map((pem) => parseCertificate(pem))
    .flatMap((c) => (c.ok ? [c.x509] : []));
  const expired = certs.filter((c) => isExpired(new Date(c.validTo), ctx.now));
  if (expired.length > 0) {
    ctx.add(
      'ca-expired',
      p.name,
      field,
      `${describeRef(p.tls.ca)} holds ${expired.length === 1 ? 'an expired certificate' : `${expired.length} expired certificates`}: ${expired
        .slice(0, 3)
        .map((c) => `${showName(c.subject)} (expired ${new Date(c.validTo).toISOString().slice(0, 10)})`)
        .join('; ')}`,
    );
  }
  const testRoots = p.environment === 'production' ? certs.filter((c) => isTestName(c.subject)) : [];
  if (testRoots.length > 0) {
    ctx.add(
      'ca-test-root',
      p.name,
      field,
      `${describeRef(p.tls.ca)} trusts ${testRoots
        .slice(0, 3)
        .map((c) => showName(c.subject))
        .join('; ')}, a sandbox/test CA, but environment is production`,
    );
  }
  if (valid === 0) {
    ctx.add('ca-invalid', p.name, field, `${describeRef(p.tls.ca)} holds no valid PEM certificate`);
  } else if (valid < blocks) {
    ctx.add(
      'ca-invalid',
      p.name,
      field,
      `${describeRef(p.tls.ca)}: ${blocks - valid} of ${blocks} certificates do not parse`,
    );
  }
}

/** Words in a CA's subject that mark a sandbox or test CA (matched as whole words). */
const TEST_WORDS = new Set([
  'test',
  'testing',
  'sandbox',
  'staging',
  'stage',
  'uat',
  'qa',
  'dev',
  'development',
  'fake',
  'dummy',
  'example',
  'untrusted',
  'snakeoil',
]);

/** A subject whose words say sandbox or test (e.g. "CN=Acme Sandbox Root CA"). */
export function isTestName(subject: string): boolean {
  return subject
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((w) => TEST_WORDS.has(w));
}

/** A certificate subject as a message shows it: one line, bounded. */
function showName(subject: string): string {
  const s = formatName(subject);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Signature algorithms (OIDs) too weak for our own certificate: MD5 and SHA-1 based. */
const WEAK_SIGNATURE_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};
const MIN_CLIENT_RSA_BITS = 2048;
const MIN_CLIENT_EC_BITS = 256;
const EC_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  secp224r1: 224,
  secp192r1: 192,
  prime192v1: 192,
};

/** What is weak about our client certificate (PCI-strength: RSA 2048, EC 256, no MD5/SHA-1), or undefined. */
export function clientCertWeakness(cert: X509Certificate): string | undefined {
  const problems: string[] = [];
  try {
    const sig = WEAK_SIGNATURE_OIDS[certDer(cert.raw).signatureOid];
    if (sig) problems.push(`a weak signature (${sig})`);
  } catch {
    // Not DER we can read: the key check below still applies.
  }
  const key = cert.publicKey;
  const d = key.asymmetricKeyDetails;
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'dsa') && d?.modulusLength) {
    if (d.modulusLength < MIN_CLIENT_RSA_BITS)
      problems.push(
        `a ${d.modulusLength}-bit ${key.asymmetricKeyType.toUpperCase()} key (below ${MIN_CLIENT_RSA_BITS})`,
      );
  }
  if (key.asymmetricKeyType === 'ec' && d?.namedCurve) {
    const size = EC_BITS[d.namedCurve];
    if (size !== undefined && size < MIN_CLIENT_EC_BITS)
      problems.push(`an EC key on ${d.namedCurve} (${size} bits, below ${MIN_CLIENT_EC_BITS})`);
  }
  return problems.length > 0 ? problems.join(' and ') : undefined;
}
