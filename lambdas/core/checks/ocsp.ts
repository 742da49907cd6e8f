/**
 * OCSP (RFC 6960) without the network: the request for a certificate, and the judgement of a response
 * (stapled by the server or fetched from the responder). A response counts only when it is a successful
 * basic response, signed by the issuer or by a responder certificate the issuer signed for OCSP signing,
 * about this very certificate (its CertID: issuer name and key hashes, serial), and fresh (thisUpdate not in
 * the future, nextUpdate not past, 5 minutes of clock skew allowed). Anything else is an OcspError with the
 * reason: the caller warns, it never fails a probe on an unusable response. Reads with ./der.ts.
 */
import { createHash, verify as cryptoVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { certDer } from './cert-der';
import {
  bits as bitString,
  type Der,
  DerError,
  encodeOid,
  expect,
  explicit,
  implicit,
  items,
  oid,
  parse,
  seq,
  small,
  TAG,
  time,
  tlv,
} from './der';
import { errorSummary } from './errors';

/** A response that cannot be used: garbage, unsigned or badly signed, about another certificate, stale. */
export class OcspError extends Error {
  override readonly name = 'OcspError';
}

export interface OcspVerdict {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly producedAt: Date;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** When revoked. */
  readonly revokedAt?: Date;
  /** When revoked and the responder gave a reason (RFC 5280 CRLReason name). */
  readonly reason?: string;
  /** Who signed it: the issuer itself or a delegated responder (its subject). */
  readonly signer: string;
}

/** Allowed clock skew between us and the responder. */
export const OCSP_SKEW_MS = 5 * 60_000;
/** A response without nextUpdate counts as stale this long after its thisUpdate. */
export const OCSP_MAX_AGE_MS = 7 * 24 * 3_600_000;

const OID = {
  basic: '1.3.6.1.5.5.7.48.1.1',
  sha1: '1.3.14.3.2.26',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
};

const HASHES: Readonly<Record<string, string>> = {
  [OID.sha1]: 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithms a response may use: the digest for crypto.verify (null: the key decides, Ed25519). */
const SIGNATURES: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

const RESPONSE_STATUS = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  'status 4',
  'sigRequired',
  'unauthorized',
];

/** RFC 5280 CRLReason, by value (7 is unused). */
export const REVOCATION_REASONS: readonly string[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'reason 7',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

const hash = (alg: string, data: Buffer): Buffer => createHash(alg).update(data).digest();

/** The OCSP responder URLs the certificate names (Authority Information Access), http only. */
export function ocspUrls(cert: X509Certificate): string[] {
  return [...(cert.infoAccess ?? '').matchAll(/^OCSP - URI:(\S+)$/gm)].map((m) => m[1] as string);
}

/** A DER OCSPRequest for `leaf` (CertID with SHA-1, as RFC 5019 responders expect), unsigned, no nonce. */
export function ocspRequest(leaf: X509Certificate, issuer: X509Certificate): Buffer {
  const l = certDer(leaf.raw);
  const i = certDer(issuer.raw);
  const certId = seq(
    seq(encodeOid(OID.sha1), tlv(TAG.NULL)),
    tlv(TAG.OCTET_STRING, hash('sha1', i.subject)),
    tlv(TAG.OCTET_STRING, hash('sha1', i.publicKeyBits)),
    tlv(TAG.INTEGER, l.serial),
  );
  // OCSPRequest { TBSRequest { requestList { Request { reqCert } } } }
  return seq(seq(seq(seq(certId))));
}

/** Judges a DER OCSPResponse about `leaf`; OcspError when it cannot be used. */
export function checkOcspResponse(
  body: Buffer,
  leaf: X509Certificate,
  issuer: X509Certificate,
  now: Date,
): OcspVerdict {
  try {
    return judge(body, leaf, issuer, now);
  } catch (err) {
    if (err instanceof OcspError) throw err;
    if (err instanceof DerError) throw new OcspError(`not a DER OCSP response (${err.message})`);
    // Anything else from reading untrusted bytes (a certificate in the response Node cannot parse).
    throw new OcspError(`unreadable response (${errorSummary(err)})`);
  }
}

function judge(body: Buffer, leaf: X509Certificate, issuer: X509Certificate, now: Date): OcspVerdict {
  const [statusDer, bytesDer] = items(parse(body), TAG.SEQUENCE, 'OCSPResponse');
  const status = small(expect(statusDer, TAG.ENUMERATED, 'responseStatus'));
  if (status !== 0)
    throw new OcspError(`the responder answered ${RESPONSE_STATUS[status] ?? `status ${status}`}`);
  const [typeDer, responseDer] = items(
    items(bytesDer, explicit(0), 'responseBytes')[0],
    TAG.SEQUENCE,
    'ResponseBytes',
  );
  if (oid(expect(typeDer, TAG.OID, 'responseType')) !== OID.basic)
    throw new OcspError('not a basic OCSP response');
  const basic = items(
    parse(expect(responseDer, TAG.OCTET_STRING, 'response').value),
    TAG.SEQUENCE,
    'BasicOCSPResponse',
  );
  const [tbs, sigAlgDer, sigDer, certsDer] = basic;
  const data = items(tbs, TAG.SEQUENCE, 'ResponseData');
  const at = data[0]?.tag === explicit(0) ? 1 : 0;
  const responderId = data[at] as Der;
  const producedAt = time(expect(data[at + 1], TAG.GENERALIZED_TIME, 'producedAt'));
  const responses = items(data[at + 2], TAG.SEQUENCE, 'responses');

  const l = certDer(leaf.raw);
  const i = certDer(issuer.raw);
  const single = responses.find((r) => sameCert(items(r, TAG.SEQUENCE, 'SingleResponse')[0], l.serial, i));
  if (!single) throw new OcspError('the response is about another certificate (no matching CertID)');

  const certs =
    certsDer?.tag === explicit(0)
      ? items(items(certsDer, explicit(0), 'certs')[0], TAG.SEQUENCE, 'certs')
      : [];
  const signer = signerOf(responderId, issuer, i, certs, now);
  const sigOid = oid(items(sigAlgDer, TAG.SEQUENCE, 'signatureAlgorithm')[0] as Der);
  const digest = SIGNATURES[sigOid];
  if (digest === undefined) throw new OcspError(`unsupported signature algorithm ${sigOid}`);
  if (!verifies(digest, tbs as Der, signer.key, bitString(sigDer as Der)))
    throw new OcspError(`the signature does not verify against ${signer.name}`);

  const [, certStatus, thisDer, ...rest] = items(single, TAG.SEQUENCE, 'SingleResponse');
  const thisUpdate = time(expect(thisDer, TAG.GENERALIZED_TIME, 'thisUpdate'));
  const nextDer = rest.find((d) => d.tag === explicit(0));
  const nextUpdate = nextDer ? time(items(nextDer, explicit(0), 'nextUpdate')[0] as Der) : undefined;
  checkFresh(thisUpdate, nextUpdate, now);

  const base = { producedAt, thisUpdate, nextUpdate, signer: signer.name };
  if (certStatus?.tag === implicit(0)) return { ...base, status: 'good' };
  if (certStatus?.tag === implicit(2)) return { ...base, status: 'unknown' };
  if (certStatus?.tag === explicit(1)) {
    const [revTime, reasonDer] = items(certStatus, explicit(1), 'RevokedInfo');
    const code = reasonDer
      ? small(expect(items(reasonDer, explicit(0), 'revocationReason')[0], TAG.ENUMERATED, 'CRLReason'))
      : undefined;
    return {
      ...base,
      status: 'revoked',
      revokedAt: time(expect(revTime, TAG.GENERALIZED_TIME, 'revocationTime')),
      ...(code !== undefined ? { reason: REVOCATION_REASONS[code] ?? `reason ${code}` } : {}),
    };
  }
  throw new OcspError('unknown certStatus');
}

/** CertID { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } names this certificate. */
function sameCert(certId: Der | undefined, serial: Buffer, issuer: ReturnType<typeof certDer>): boolean {
  const [alg, nameHash, keyHash, serialDer] = items(certId, TAG.SEQUENCE, 'CertID');
  const algName = HASHES[oid(items(alg, TAG.SEQUENCE, 'hashAlgorithm')[0] as Der)];
  if (!algName) return false;
  return (
    expect(serialDer, TAG.INTEGER, 'serialNumber').value.equals(serial) &&
    expect(nameHash, TAG.OCTET_STRING, 'issuerNameHash').value.equals(hash(algName, issuer.subject)) &&
    expect(keyHash, TAG.OCTET_STRING, 'issuerKeyHash').value.equals(hash(algName, issuer.publicKeyBits))
  );
}

/** ResponderID byName [1] or byKey [2] names the certificate with these fields. */
function responderIs(responderId: Der, c: ReturnType<typeof certDer>): boolean {
  if (responderId.tag === explicit(1))
    return (items(responderId, explicit(1), 'byName')[0] as Der).raw.equals(c.subject);
  if (responderId.tag === explicit(2)) {
    const keyHash = expect(items(responderId, explicit(2), 'byKey')[0], TAG.OCTET_STRING, 'KeyHash').value;
    return keyHash.equals(hash('sha1', c.publicKeyBits));
  }
  throw new OcspError('unknown ResponderID');
}

/** The key that must have signed the response: the issuer's, or a responder certificate the issuer authorised. */
function signerOf(
  responderId: Der,
  issuer: X509Certificate,
  issuerDer: ReturnType<typeof certDer>,
  certs: readonly Der[],
  now: Date,
): { key: KeyObject; name: string } {
  if (responderIs(responderId, issuerDer)) return { key: issuer.publicKey, name: 'the issuer' };
  for (const d of certs) {
    const c = new X509Certificate(d.raw);
    if (!responderIs(responderId, certDer(d.raw))) continue;
    const name = `responder certificate ${c.subject.replace(/\n/g, ', ')}`;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey))
      throw new OcspError(`signed by ${name}, which the certificate's issuer did not issue`);
    if (!(c.keyUsage ?? []).includes(OID.ocspSigning))
      throw new OcspError(`signed by ${name}, which is not authorised for OCSP signing`);
    if (new Date(c.validFrom) > now || new Date(c.validTo) < now)
      throw new OcspError(`signed by ${name}, which is outside its validity`);
    return { key: c.publicKey, name };
  }
  throw new OcspError('signed by a responder that is neither the issuer nor a certificate it authorised');
}

function verifies(digest: string | null, tbs: Der, key: KeyObject, signature: Buffer): boolean {
  try {
    return cryptoVerify(digest, tbs.raw, key, signature);
  } catch {
    return false;
  }
}

function checkFresh(thisUpdate: Date, nextUpdate: Date | undefined, now: Date): void {
  const t = now.getTime();
  if (thisUpdate.getTime() > t + OCSP_SKEW_MS)
    throw new OcspError(`thisUpdate ${thisUpdate.toISOString()} is in the future`);
  if (nextUpdate && nextUpdate.getTime() < t - OCSP_SKEW_MS)
    throw new OcspError(`stale: nextUpdate ${nextUpdate.toISOString()} has passed`);
  if (!nextUpdate && thisUpdate.getTime() < t - OCSP_MAX_AGE_MS)
    throw new OcspError(`stale: thisUpdate ${thisUpdate.toISOString()} is over 7 days old`);
}
