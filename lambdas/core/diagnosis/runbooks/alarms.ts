/**
 * What each alarm watches, what to check first when the re-probe passes (the alarm was raised by earlier
 * runs), and the runbooks its description links to. Pages and the runbook index render from here.
 */
import type { AlarmKindName } from '../../contract/alarm-names';
import { FAILURE_CLASSES, type FailureClass, HANDSHAKE_STAGES } from '../../contract/classes';
import type { RunbookClass } from './model';

/**
 * What each alarm watches and what to check first when the re-probe does not show a failure (the alarm was
 * raised by earlier runs). Also the runbooks an alarm's description can link to.
 */
export interface AlarmKindGuide {
  readonly watches: string;
  readonly whenReprobePasses: string;
  /** The classes this alarm usually means. */
  readonly classes: readonly RunbookClass[];
}

/** The classes HandshakeFailure counts: the proxy tunnel and the TLS handshake (HANDSHAKE_STAGES). */
const HANDSHAKE_FAILURES = (Object.keys(FAILURE_CLASSES) as FailureClass[]).filter((c) =>
  HANDSHAKE_STAGES.includes(FAILURE_CLASSES[c]),
);

/** The failure classes of the stages without an alarm of their own: AvailabilityLow pages for them. */
const OTHER_STAGE_FAILURES = (Object.keys(FAILURE_CLASSES) as FailureClass[]).filter(
  (c) => !HANDSHAKE_STAGES.includes(FAILURE_CLASSES[c]) && FAILURE_CLASSES[c] !== 'auth',
);

export const ALARM_KIND_GUIDES: Readonly<Record<AlarmKindName, AlarmKindGuide>> = {
  HandshakeFailing: {
    watches:
      "probe runs that failed at the TLS stage, or at the proxy stage before it (the gateway's forward proxy gave no tunnel) (metric HandshakeFailure)",
    whenReprobePasses:
      "Earlier runs failed the TLS handshake (or the proxy tunnel before it) but this one passed: the failure is intermittent (one bad node behind the processor's load balancer, a certificate rolled out to part of a fleet, one unhealthy proxy behind a proxy pool) or has just been fixed. Look at the Failure metric by Class for this processor to see which class the failing runs had.",
    classes: HANDSHAKE_FAILURES,
  },
  AuthRejected: {
    watches: 'probe runs whose authenticated request was refused (metric AuthFailure)',
    whenReprobePasses:
      "Earlier runs were refused but this one was accepted: a key rotation in progress (some processor nodes know the new key, some the old), or the secret was just fixed. Compare the secret's LastChangedDate with the alarm time.",
    classes: ['AUTH_REJECTED'],
  },
  AvailabilityLow: {
    watches:
      'the share of probe runs that did not fail at DNS, connect, HTTP or config (metrics Success + HandshakeFailure + AuthFailure: proxy, TLS and auth failures page through their own alarms) falling below the availability threshold',
    whenReprobePasses:
      "Some runs fail at DNS, connect, HTTP or config and some pass: look at the Failure metric by Class for this processor to see which class the failing runs had, and at the processor's status page for a partial outage.",
    classes: OTHER_STAGE_FAILURES,
  },
  ProbeNotRunning: {
    watches: 'missing Success datapoints: the probe function itself is not reporting',
    whenReprobePasses:
      "The processor answers (this re-probe passed), so the problem is payprobe's own probe function: check its Errors and Throttles metrics, its log group, and whether its schedule is enabled. Payments may be fine.",
    classes: ['CONFIG_ERROR'],
  },
  LatencyHigh: {
    watches: 'probe total time above the latency budget (metric TotalTime)',
    whenReprobePasses:
      'This run was within budget: the slowness is intermittent. Compare the phase timing metrics (DnsTime, ConnectTime, TlsTime, FirstByteTime) around the alarm time to see which phase was slow.',
    classes: ['SLOW_RESPONSE', 'RESPONSE_TIMEOUT'],
  },
  CertExpiring: {
    watches: "days until the processor's server certificate expires (metric CertDaysToExpiry)",
    whenReprobePasses:
      'This run saw no expiring certificate: the processor has probably renewed it (or another node served a fresh one). Check the validity on this page.',
    classes: ['CERT_EXPIRING_SOON', 'CERT_EXPIRED'],
  },
  ClientCertExpiring: {
    watches: 'days until our client certificate expires (metric ClientCertDaysToExpiry)',
    whenReprobePasses:
      'This run saw no expiring client certificate: the secret was probably updated with a renewed certificate. Check the validity on this page.',
    classes: ['CLIENT_CERT_EXPIRING_SOON', 'CLIENT_CERT_EXPIRED'],
  },
};
