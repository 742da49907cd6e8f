/**
 * Certificate rules over what the referenced secrets hold: our client certificate (readable, valid now,
 * outside its warning window, and its key opens and matches) and the CA bundle. Certificates are read and
 * dated with the engine's own checks (checks/certificates.ts, checks/expiry.ts), so the audit warns exactly
 * when a probe would: at `days <= tls.clientCertExpiryWarningDays`, as the ClientCertExpiring alarm does.
 */
import {
  countCertificates,
  keyMatchesCert,
  openPrivateKey,
  parseCertificate,
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
