/**
 * cdk.json carries the feature flags `cdk init` writes for this aws-cdk-lib (its CURRENTLY_RECOMMENDED_FLAGS),
 * so `cdk synth` prints no "N feature flags are not configured" warning, and the tests (test/support/cdk.ts
 * reads the same context) synthesize with them. An upgrade of aws-cdk-lib that recommends a new flag fails
 * here until cdk.json has it (check the logical IDs and templates it changes).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { REPO } from '../support/paths';

test('cdk.json sets every currently recommended feature flag to its recommended value', () => {
  const { app, context } = JSON.parse(readFileSync(path.join(REPO, 'cdk.json'), 'utf8')) as {
    app: string;
    context: Record<string, unknown>;
  };
  const recommended = Object.entries(CURRENTLY_RECOMMENDED_FLAGS);
  expect(recommended.length).toBeGreaterThan(50);
  const differing = recommended.filter(
    ([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value),
  );
  expect(differing).toEqual([]);
  expect(app).toBe('npx tsx bin/app.ts');
});
