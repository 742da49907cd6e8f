/**
 * Runbook data for the auth, http and config stages: refused credentials, unexpected answers, response
 * timeouts and config that cannot be used.
 * One entry per class, in the order of the class table (contract/classes.ts); ../render.ts renders them.
 */
import { CHECK, type Runbook } from '../model';

export const REQUEST_RUNBOOKS: readonly Runbook[] = [
  {
    class: 'AUTH_REJECTED',
    kind: 'failure',
    stage: 'auth',
    summary: 'The processor rejected our API credentials',
    meaning:
      'TLS succeeded, but the authenticated request was refused: HTTP 401 or 403, or an OAuth token request answered invalid_client. The status is in the detail.',
    causes: [
      'The key or client secret was rolled or revoked at the processor (e.g. Stripe "roll key", a regenerated PayPal app secret) and the secret was not updated, or was updated in one place only.',
      'A test key against the production host or the reverse (sk_test_ vs sk_live_, PayPal sandbox vs live client id).',
      'The key lost a permission: a Stripe restricted key without balance read access (403), an Adyen API credential missing a role (403, errorCode 010).',
      'The processor enforces an API-level IP allowlist and your egress IP changed.',
      'The credential type or header does not match (Basic vs Bearer, wrong header name) after a config change.',
    ],
    firstCheck:
      "Check whether the credential changed on either side: `aws secretsmanager describe-secret --secret-id SECRET_ID` (LastChangedDate, version stages) against the API-key page of the processor dashboard (rolled or revoked keys), and check the key's environment matches the host (test vs live).",
    confirm: [
      { purpose: 'Re-run the probe and read http.status in the JSON', command: `${CHECK} --json` },
      {
        purpose: 'When the credential secret changed (metadata only, no value)',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      {
        purpose:
          'The same request by hand; keep the credential in a header file so it stays out of shell history',
        command: "curl -s -o /dev/null -w '%{http_code}\\n' -H @auth-header.txt https://{host}:{port}{path}",
      },
    ],
    fix: [
      'Store the current key in the secret (and in the integration: they must read the same secret), then re-run `payprobe check`.',
      'Use the key that matches the environment of the host.',
      "Restore the key's permissions or role at the processor.",
      'Register your egress IP if the processor allowlists API clients.',
    ],
  },
  {
    class: 'HTTP_ERROR',
    kind: 'failure',
    stage: 'http',
    summary: 'The processor answered the authenticated request with an unexpected status',
    meaning:
      'TLS and authentication passed, but the status is not in auth.expectStatus and is not 401/403: a 5xx, 404, 405, 400, 429 or a redirect. The status is in the detail.',
    causes: [
      "5xx: the processor's API is failing (incident) or a proxy in between cannot reach it.",
      '429: rate limiting, often because the probe shares an API key (and its rate limit) with production traffic.',
      '404 / 405 / 400: the probe request no longer matches the API (a retired API version such as an old Adyen /vNN, a changed path, a body missing a required field such as merchantAccount).',
      '3xx: the endpoint moved; payprobe does not follow redirects with credentials.',
    ],
    firstCheck:
      "Read the status in the detail: 5xx means check the processor's status page now; 429 means rate limiting (give the probe its own key or a longer interval); any other 4xx or a 3xx means the probe request (path, method, API version, body) no longer matches the API.",
    confirm: [
      { purpose: 'Re-run the probe and read http.status and the detail', command: `${CHECK} --json` },
      {
        purpose: 'The same request by hand with headers shown (credential in a header file)',
        command: 'curl -sv -o /dev/null -H @auth-header.txt https://{host}:{port}{path}',
      },
    ],
    fix: [
      '5xx: follow the processor status page and incident; escalate to the processor with the timestamps from this page.',
      '429: use a dedicated, read-only key for the probe, or probe less often.',
      "4xx / 3xx: update auth.request (path, API version, body) to the processor's current API, and the integration if it calls the same route.",
    ],
  },
  {
    class: 'RESPONSE_TIMEOUT',
    kind: 'failure',
    stage: 'http',
    summary: 'The processor did not answer the request in time',
    meaning:
      'TLS succeeded and the request was sent, but no response arrived within timeoutMs (or the probe budget ran out while reading it).',
    causes: [
      "The processor's API is degraded (incident).",
      'A proxy or gateway in between buffers or stalls the request.',
      'The request waits for a body that never comes (a POST without the expected body or content type).',
      'timeoutMs is tighter than this endpoint normally needs (OAuth token endpoints can be slow).',
    ],
    firstCheck:
      "Time the same request by hand and check the processor's status page: `curl -s -o /dev/null -w 'tls %{time_appconnect} first byte %{time_starttransfer}\\n' https://HOST/AUTH/PATH`; slow everywhere means the processor is degraded, fast by hand means the probe's request or timeoutMs.",
    confirm: [
      {
        purpose: 'Phase times of the same request (credential in a header file)',
        command:
          "curl -s -o /dev/null -H @auth-header.txt -w 'connect %{time_connect} tls %{time_appconnect} first byte %{time_starttransfer} total %{time_total}\\n' https://{host}:{port}{path}",
      },
      { purpose: 'Re-run the probe and read timings.firstByteMs', command: `${CHECK} --json` },
    ],
    fix: [
      'If the processor is degraded, follow its status page and escalate with the timestamps from this page.',
      'Fix the request (method, body, content type) so the server does not wait for more input.',
      'Raise timeoutMs only if the endpoint is healthy but consistently slower than the current value.',
    ],
  },
  {
    class: 'CONFIG_ERROR',
    kind: 'failure',
    stage: 'config',
    summary: "payprobe could not build the probe from the processor's configuration",
    meaning:
      'The probe stopped before connecting: a secret or parameter could not be read, a PEM is invalid, or the client key does not match the client certificate. The detail names the reference (never its value) and the reason.',
    causes: [
      'A secret or parameter was deleted, renamed or scheduled for deletion, or exists only in another region or account.',
      "The probe's role lost read permission (AccessDeniedException), or the KMS key policy no longer allows decrypt.",
      'The value has the wrong form: JSON key/value instead of a PEM, a PKCS#12 blob, a PEM with a missing header or mangled line breaks.',
      'After a rotation, the certificate and key secrets are out of step (new certificate, old key), or the key passphrase is missing or wrong.',
    ],
    firstCheck:
      'Read the reference and reason in the detail, then check that the reference exists in this region and the probe role may read it: `aws secretsmanager describe-secret --secret-id SECRET_ID` (or `aws ssm get-parameter-history --name SECRET_ID` for SSM).',
    confirm: [
      {
        purpose: 'The secret exists, its versions and stages (metadata only, no value)',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      {
        purpose: "An SSM parameter's versions (no value)",
        command:
          "aws ssm get-parameter-history --name {secretId} --query 'Parameters[].[Version,LastModifiedDate]'",
      },
      {
        purpose: 'Key and certificate match when the two hashes are equal',
        command:
          'openssl x509 -in client.pem -noout -pubkey | openssl sha256; openssl pkey -in client.key -pubout | openssl sha256',
      },
      { purpose: 'Reproduce locally with the same references', command: CHECK },
    ],
    fix: [
      'Restore or recreate the secret or parameter under the referenced name, or point the config at the right one and redeploy.',
      "Restore the probe role's read permission and the KMS key policy (redeploying the payprobe stack re-grants it).",
      'Store the value as a plain PEM (certificate first, then intermediates; the key unencrypted or with tls.clientKeyPassphrase).',
      'Rotate certificate and key together.',
    ],
  },
];
