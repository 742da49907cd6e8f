/**
 * The AWS credentials of a payprobe Lambda bundle: the execution role's, from the environment the Lambda
 * runtime sets (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), read by the AWS SDK's own
 * `fromEnv`. The bundling configuration (PAYPROBE_ESBUILD_OPTIONS `alias`, lib/function/bundling.ts) puts this
 * module in place of `@aws-sdk/credential-provider-node` in the Lambda bundles only: every SDK v3 client's
 * runtime config takes its default credential provider from that package (`defaultProvider`), and the full
 * chain bundles the SSO, INI, process, web-identity, login and container providers with the STS/SSO clients
 * they call (about 100 KB), none of which a Lambda reaches. The CLI (laptops, CI: profiles, SSO) is bundled
 * without the alias and keeps the whole chain.
 *
 * The exports are those of `@aws-sdk/credential-provider-node` that the clients and the SDK's own packages use.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** What the clients pass to the default provider (profile, logger, ...); only the logger is used here. */
export type LambdaCredentialsInit = Parameters<typeof fromEnv>[0];

/** Says where a payprobe Lambda bundle looks for credentials, when they are not there. */
export class LambdaCredentialsMissing extends Error {
  override readonly name = 'CredentialsProviderError';
  constructor() {
    super(
      'payprobe Lambda bundle: no AWS credentials in the environment (AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY, as the Lambda runtime sets them from the execution role). The bundle reads ' +
        'credentials from the environment only; profiles, SSO and instance metadata are left out of it.',
    );
  }
}

/**
 * In place of `@aws-sdk/credential-provider-node`'s `defaultProvider`: the environment's credentials, with an
 * error saying so when they are missing. Lambda keeps them valid for the execution environment's life.
 */
export const defaultProvider =
  (init?: LambdaCredentialsInit): AwsCredentialIdentityProvider =>
  async () => {
    try {
      return await fromEnv({ logger: init?.logger })();
    } catch {
      throw new LambdaCredentialsMissing();
    }
  };

/** As `@aws-sdk/credential-provider-node`'s: credentials with an expiry need refreshing. */
export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined;

/** As `@aws-sdk/credential-provider-node`'s: credentials within 5 minutes of their expiry are expired. */
export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
