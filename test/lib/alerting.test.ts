/**
 * Alert topic subscriptions, synthesized: the subscriber addresses (a pager's integration URL with its key,
 * email addresses, phone numbers) must not leak into CloudFormation logical IDs, which show up in stack
 * events, drift reports and every tool that lists resources; the IDs stay stable when the list is reordered.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Subscription } from '../../lambdas/core/config/schema';
import { Alerting } from '../../lib/constructs/alerting';
import { flatten } from '../support/cdk';

const PAGER = 'https://events.pagerduty.com/integration/R0UT1NGKEYabcdef0123456789/enqueue';
const EMAIL = 'oncall.person@example.com';
const PHONE = '+14155550100';

function synth(critical: readonly Subscription[], warning: readonly Subscription[] = []): Template {
  const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  new Alerting(stack, 'Alerting', { critical, warning });
  return Template.fromStack(stack);
}

function subscriptions(t: Template): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(t.findResources('AWS::SNS::Subscription')).map(([id, r]) => [id, flatten(r.Properties)]),
  );
}

/** The address with only the characters a logical ID keeps (CDK strips the rest). */
function idChars(address: string): string {
  return address.replace(/[^A-Za-z0-9]/g, '');
}

describe('alert subscriptions', () => {
  const critical: Subscription[] = [{ https: PAGER }, { email: EMAIL }];
  const warning: Subscription[] = [{ sms: PHONE }];
  const template = synth(critical, warning);
  const subs = subscriptions(template);

  it('subscribes every endpoint with its protocol', () => {
    expect(Object.values(subs)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Protocol: 'https', Endpoint: PAGER }),
        expect.objectContaining({ Protocol: 'email', Endpoint: EMAIL }),
        expect.objectContaining({ Protocol: 'sms', Endpoint: PHONE }),
      ]),
    );
    expect(Object.keys(subs)).toHaveLength(3);
  });

  it('no logical ID in the template contains a subscriber address or any part of the pager key', () => {
    const ids = Object.keys(template.toJSON().Resources as Record<string, unknown>);
    for (const id of ids) {
      const lower = id.toLowerCase();
      for (const address of [PAGER, EMAIL, PHONE])
        expect(lower).not.toContain(idChars(address).toLowerCase());
      for (const part of ['r0ut1ngkey', 'pagerduty', 'oncall', 'example', '4155550100']) {
        expect(lower).not.toContain(part);
      }
    }
  });

  it('names each subscription by protocol and a hash of the endpoint: stable when the list is reordered', () => {
    const reordered = subscriptions(synth([...critical].reverse(), warning));
    expect(reordered).toEqual(subs);
    // A different endpoint is a different subscription.
    const other = subscriptions(synth([{ https: `${PAGER}x` }, { email: EMAIL }], warning));
    expect(Object.keys(other).sort()).not.toEqual(Object.keys(subs).sort());
    expect(Object.keys(subs).some((id) => id.includes('Https'))).toBe(true);
    expect(Object.keys(subs).some((id) => id.includes('Email'))).toBe(true);
  });

  it('subscribes a repeated endpoint once', () => {
    expect(Object.keys(subscriptions(synth([{ email: EMAIL }, { email: EMAIL }])))).toHaveLength(1);
  });
});
