/**
 * The child side of ./lambda-runtime.ts: one warm "Lambda container" for a bundled payprobe handler, on a
 * simulated clock. Plain CommonJS so Node runs it as is, before anything of the bundle is loaded.
 *
 * What it does, in order:
 * 1. Replaces the global Date with one that reads a frozen simulated clock: `new Date()` and `Date.now()`
 *    return the invocation's simulated time, advanced only by the clock's sleeps (below). Durations the
 *    engine measures use performance.now() and stay real; TLS certificate validity is still checked by
 *    OpenSSL against the real time.
 * 2. Loads the bundle (LAMBDA_TASK_ROOT/index.js) once, like a cold start; module scope then lives across
 *    invocations, like a warm container.
 * 3. Answers `invoke` messages from the parent over IPC: sets the simulated time, calls the handler with the
 *    event and a Lambda context (getRemainingTimeInMillis from the function's timeout), replies with what
 *    it resolved or threw. The handler's logs go to stdout and stderr as in Lambda; markers on both
 *    streams tell the parent which invocation wrote them.
 *
 * argv[2] chooses the handler: `handler` calls the bundle's deployed export; `createHandler:clock` calls the
 * bundle's own factory with `{ clock }`, a clock whose sleep advances simulated time at once (the probe's
 * 3-s confirmation pause and its sub-minute slots then cost no real time).
 */
'use strict';
const path = require('node:path');

const RealDate = Date;
let simulatedNow = RealDate.now();

function SimDate(...args) {
  if (!new.target) return new RealDate(simulatedNow).toString();
  return args.length === 0 ? new RealDate(simulatedNow) : new RealDate(...args);
}
SimDate.prototype = RealDate.prototype;
SimDate.now = () => simulatedNow;
SimDate.parse = RealDate.parse;
SimDate.UTC = RealDate.UTC;
globalThis.Date = SimDate;

const clock = {
  now: () => simulatedNow,
  sleep: (ms) => {
    simulatedNow += Math.max(0, ms);
    return new Promise((resolve) => setImmediate(resolve));
  },
};

const mode = process.argv[2] ?? 'handler';
const bundle = require(path.join(process.env.LAMBDA_TASK_ROOT, 'index.js'));
const handler = mode === 'createHandler:clock' ? bundle.createHandler({ clock }) : bundle.handler;
if (typeof handler !== 'function') {
  process.send({
    type: 'fatal',
    error: { name: 'Error', message: `the bundle exports no handler (${mode})` },
  });
  process.exit(1);
}

let requests = 0;
process.on('message', async (m) => {
  if (m?.type !== 'invoke') return;
  simulatedNow = m.at;
  const deadline = m.at + m.timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: m.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `e2e-${process.pid}-${++requests}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `e2e/[$LATEST]${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - simulatedNow),
  };
  // Marks the start of this invocation's log lines for the parent, on both streams (Powertools writes
  // warnings and errors to stderr, as Lambda's console does; both end up in the function's log).
  process.stdout.write(`\n@@INVOKE ${m.id}\n`);
  process.stderr.write(`\n@@INVOKE ${m.id}\n`);
  let reply;
  try {
    const response = await handler(m.event, context);
    reply = { type: 'result', id: m.id, ok: true, response: response ?? null, endedAt: simulatedNow };
  } catch (e) {
    const error = {
      name: e?.name ?? 'Error',
      message: String(e?.message ?? e),
      stack: String(e?.stack ?? ''),
    };
    reply = { type: 'result', id: m.id, ok: false, error, endedAt: simulatedNow };
  }
  process.stderr.write(`\n@@DONE ${m.id}\n`);
  process.stdout.write(`\n@@DONE ${m.id}\n`, () => process.send(reply));
});
process.send({ type: 'ready' });
