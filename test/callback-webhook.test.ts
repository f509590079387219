import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compileSources } from '../src/config/index.js';
import { retryDelay } from '../src/notify/outbox.js';
import { flushWebhooks } from '../src/notify/webhook.js';
import { CallStore } from '../src/store/call-store.js';
import { openDb } from '../src/store/db.js';

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
