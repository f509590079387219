import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileSources } from '../src/config/index.js';
import { retryDelay } from '../src/notify/outbox.js';
import { flushWebhooks } from '../src/notify/webhook.js';
import { CallStore } from '../src/store/call-store.js';
import { openDb } from '../src/store/db.js';
import { removeVariants, variant } from './scenarios/after-hours.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { nothingLeft, ringing } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

const body = (req: IncomingMessage) => new Promise<string>((r) => {
  let s = '';
  req.on('data', (c: Buffer) => (s += c.toString()));
  req.on('end', () => r(s));
});

describe('callback webhook over real HTTP', () => {
  it('posts the request as JSON, retries after a refusal, and stops once accepted', async () => {
    const received: unknown[] = [];
    let status = 503;
    const server = createServer(async (req, res) => {
      received.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(await body(req)) });
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const plan = compileSources([
        {
          path: '/hook.yaml',
          text: `
sites:
  main: { name: Main, timezone: America/Chicago, dids: ["+15125550100"], schedule: hours }
schedules:
  hours: { weekly: { mon: ["08:00-17:00"] } }
callbacks:
  ehr: { site: main, reasons: { "1": prescription-refill }, webhook: "http://127.0.0.1:${port}/tasks" }
routes:
  inbound:
    - { name: all, then: [{ callback: ehr }] }
`,
        },
      ]).plan!;
      const store = new CallStore(openDb(':memory:'));
      const at = Date.parse('2026-11-27T18:00:00-06:00');
      const id = store.createCallback({ callId: null, list: 'ehr', number: '+15125550123', reason: 'prescription-refill', site: 'main', createdAt: at, deadline: Date.parse('2026-11-30T08:00:00-06:00') });
      store.queueWebhook(id, at);
      const logs: string[] = [];
      expect(await flushWebhooks(store, plan, () => at, (m) => logs.push(m))).toEqual({ sent: 0, failed: 1 });
      expect(logs[0]).toMatch(/webhook not accepted \(attempt 1\): HTTP 503/);
      expect(store.webhookState(id)).toMatchObject({ attempts: 1, next: at + retryDelay(1), sentAt: null });
      expect(await flushWebhooks(store, plan, () => at + 1000)).toEqual({ sent: 0, failed: 0 });
      status = 201;
      expect(await flushWebhooks(store, plan, () => at + retryDelay(1))).toEqual({ sent: 1, failed: 0 });
      expect(await flushWebhooks(store, plan, () => at + 10 * retryDelay(1))).toEqual({ sent: 0, failed: 0 });
      expect(received).toHaveLength(2);
      expect(received[1]).toEqual({
        method: 'POST',
        type: 'application/json',
        body: { id, list: 'ehr', number: '+15125550123', reason: 'prescription-refill', site: 'main', createdAt: '2026-11-28T00:00:00.000Z', deadline: '2026-11-30T14:00:00.000Z' },
      });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
  removeVariants();
});

describe('callback webhook from a live call', () => {
  it('* while waiting in a queue whose callback list has a webhook: the request is POSTed (issue 13, finding 4)', async () => {
    const posts: { path: string | undefined; body: Record<string, unknown> }[] = [];
    const server = createServer(async (req, res) => {
      posts.push({ path: req.url, body: JSON.parse(await body(req)) as Record<string, unknown> });
      res.writeHead(201).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
      live = await startLive({ at: '2026-11-23T10:00', config: variant({ 'callbacks.callbacks.webhook': url }) });
      const l = live;
      ringing(l);
      only(l.run.engine, []);
      // 1: scheduling queue (callbackKey: callbacks); * after a minute and a half of waiting.
      const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2000, digit: '1' }, { at: 90_000, digit: '*' }] } });
      await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended');
      expect(l.run.store.callByChannel(call.channelId)!.outcome).toBe('callback');
      const [cb] = l.run.store.callbacks(true);
      await l.until('the webhook POST', () => posts.length > 0, 30_000);
      expect(posts).toEqual([
        { path: '/tasks', body: { id: cb!.id, list: 'callbacks', number: '+15125550123', reason: 'queue-callback', site: 'riverside', createdAt: new Date(cb!.createdAt).toISOString(), deadline: expect.any(String) } },
      ]);
      expect(l.run.store.webhookState(cb!.id)).toMatchObject({ attempts: 1, sentAt: expect.any(Number) });
      await nothingLeft(l);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
