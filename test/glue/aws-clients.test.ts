/**
 * The handlers' AWS clients (lambdas/glue/aws-clients.ts): one set of limits, a test's client taken as
 * given, and the function's environment deciding where requests go, so AWS_ENDPOINT_URL points every handler
 * at an emulator (here a Secrets Manager on 127.0.0.1, as moto_server would be).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AWS_CLIENT_CONFIG, awsClient, handlerSecrets } from '../../lambdas/glue/aws-clients';
import { FakeAws } from '../support/fake-aws';

const aws = new FakeAws();
const saved = { ...process.env };

beforeAll(async () => {
  const endpoint = await aws.start();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});

afterAll(async () => {
  for (const key of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await aws.close();
});

test('a handler reads its secrets from the endpoint AWS_ENDPOINT_URL names', async () => {
  aws.secrets.set('payprobe/stripe/api-key', { value: 'sk_test_from_emulator', version: 'v7' });
  const secrets = handlerSecrets({}, 0);
  await expect(secrets.resolve({ secretsManager: 'payprobe/stripe/api-key' }, '/var/task')).resolves.toEqual({
    value: 'sk_test_from_emulator',
    version: 'v7',
  });
  expect(aws.secretReads).toEqual(['payprobe/stripe/api-key']);
});

test('a new client gets the shared limits; a client passed in is used as it is', async () => {
  const made = awsClient(undefined, CloudWatchClient);
  expect(await made.config.maxAttempts()).toBe(AWS_CLIENT_CONFIG.maxAttempts);
  expect(await made.config.region()).toBe('eu-west-1');
  const given = new CloudWatchClient({ region: 'us-east-1' });
  expect(awsClient(given, CloudWatchClient)).toBe(given);
});
