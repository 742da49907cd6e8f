/**
 * The AWS clients of the Lambda handlers, set up once for all of them: the same network limits everywhere
 * (a hung call must not eat the whole invocation) and the Secrets Manager/SSM resolver every handler reads
 * its processors' references through. Region, credentials and endpoint come from the function's environment
 * as the AWS SDK reads them: AWS_REGION, the execution role's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
 * AWS_SESSION_TOKEN (the bundles read credentials from the environment only: lambda-credentials.ts), and
 * AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) where an emulator such as moto_server stands in for AWS.
 *
 * Handlers take clients in (tests pass mocked ones) and fall back to these.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CachedSecretResolver } from './cached-secrets';

/** Attempts and timeouts of every handler's AWS client. */
export const AWS_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
} as const;

/** The client given (a test's), or a new one with AWS_CLIENT_CONFIG from the function's environment. */
export function awsClient<T>(given: T | undefined, Client: new (config: typeof AWS_CLIENT_CONFIG) => T): T {
  return given ?? new Client(AWS_CLIENT_CONFIG);
}

export interface SecretClients {
  /** @default a SecretsManagerClient from the function's environment */
  readonly secretsManager?: SecretsManagerClient;
  /** @default an SSMClient from the function's environment */
  readonly ssm?: SSMClient;
}

/** A handler's resolver: Secrets Manager and SSM through Powertools, cached for `ttlSeconds` (0: no cache). */
export function handlerSecrets(clients: SecretClients, ttlSeconds: number): CachedSecretResolver {
  return new CachedSecretResolver({
    secretsManager: awsClient(clients.secretsManager, SecretsManagerClient),
    ssm: awsClient(clients.ssm, SSMClient),
    ttlSeconds,
  });
}
