/**
 * Logical IDs are what CloudFormation knows a resource by: a changed ID deletes the deployed resource and
 * creates a new one (a new function name, a new log group, alarms that start from INSUFFICIENT_DATA). The
 * fixture records every logical ID and type of three sample templates as deployed before the function
 * construct existed (PayProbeFunction under the id `Default`); a refactoring must leave them as they are.
 * Change the fixture only for a change that means to replace resources, and say so in its release notes.
 * Issue #13 did: the scheduled EventBridge rules and their Lambda permissions became EventBridge Scheduler
 * schedules (`<Processor>ProbeSchedule`) with one `SchedulerRole` (docs/deploy.md "Upgrading to this version").
 * Issue #17 added resources and replaced none: per processor `LiveAudit<Processor>State`, `...Schedule` and
 * `...Alarm` (the live audit, docs/audit.md "Live audit").
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixture, must, REPO, synthConfig, Template } from '../support/cdk';

const recorded = JSON.parse(readFileSync(fixture('logical-ids.json'), 'utf8')) as Record<
  string,
  Record<string, string>
>;

function logicalIds(file: string): Record<string, string> {
  const stack = must(synthConfig(file).stacks[0], 'the stack');
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }> };
  return Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
}

test('the example config keeps every logical ID', () => {
  expect(logicalIds(path.join(REPO, 'payprobe.example.yaml'))).toEqual(recorded['payprobe.example.yaml']);
});

test('the example config with the preflight keeps every logical ID', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-ids-'));
  try {
    const file = path.join(dir, 'payprobe.yaml');
    const example = readFileSync(path.join(REPO, 'payprobe.example.yaml'), 'utf8');
    writeFileSync(file, `preflight: true\n${example}`);
    expect(logicalIds(file)).toEqual(recorded['payprobe.example.yaml with preflight: true']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two processors with mTLS, a bundled file and sub-minute probing keep every logical ID', () => {
  expect(logicalIds(fixture('two-processors.yaml'))).toEqual(
    recorded['test/lib/fixtures/two-processors.yaml'],
  );
});
