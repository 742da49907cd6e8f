/**
 * The page lines replays assert on and the flap budget's measure (testbed/aws/pages.ts), on hand-made pages;
 * the collector itself (subscriber plus SQS attributes) runs in every e2e replay.
 */
import { describePage, maxPagesPerProcessor, type Page } from '../../../testbed/aws/pages';

const ONSET = Date.UTC(2026, 0, 15, 9, 0, 0);
const MIN = 60_000;

function page(minute: number, extra: Partial<Page>): Page {
  return {
    at: ONSET + minute * MIN,
    topic: 'critical',
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:critical',
    source: 'alarm',
    subject: 's',
    messageId: `m${minute}`,
    attributes: {},
    text: '',
    message: '',
    ...extra,
  };
}

describe('describePage', () => {
  it('prints minutes from the onset, topic, sender and subject; event and class for a diagnosis page', () => {
    expect(
      describePage(page(1, { subject: 'ALARM: "PayProbe-a-HandshakeFailing" in EU (Ireland)' }), ONSET),
    ).toBe('+1m critical alarm: ALARM: "PayProbe-a-HandshakeFailing" in EU (Ireland)');
    expect(
      describePage(
        page(2, {
          topic: 'warning',
          source: 'diagnose',
          subject: '[WARNING] a',
          event: 'diagnosis',
          class: 'CERT_EXPIRED',
        }),
        ONSET,
      ),
    ).toBe('+2m warning diagnose: [WARNING] a [diagnosis CERT_EXPIRED]');
    // A page without a diagnosis (re-probe passed, RESOLVED) shows the class attribute.
    expect(
      describePage(
        page(0, { source: 'diagnose', subject: 'r', event: 'resolved', attributes: { class: 'OK' } }),
        ONSET,
      ),
    ).toBe('+0m critical diagnose: r [resolved OK]');
    expect(describePage(page(-2, {}), ONSET)).toBe('-2m critical alarm: s');
    expect(describePage({ ...page(0, {}), at: ONSET + 90_000 }, ONSET)).toBe('+1.50m critical alarm: s');
  });
});

describe('maxPagesPerProcessor', () => {
  it('counts the most pages about one processor within any window of the given minutes', () => {
    const pages = [
      page(0, { processor: 'a' }),
      page(1, { processor: 'a' }),
      page(2, { processor: 'b' }),
      page(14, { processor: 'a' }),
      page(15, { processor: 'a' }),
      page(3, {}),
    ];
    expect(maxPagesPerProcessor(pages, 15)).toBe(3);
    expect(maxPagesPerProcessor(pages, 1)).toBe(1);
    expect(maxPagesPerProcessor([], 15)).toBe(0);
  });
});
