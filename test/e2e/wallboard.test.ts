/**
 * The wallboard in a real headless Chromium (Debian's, installed by .ci/run) against the engine's
 * admin server: it shows the queues and agents, follows a caller joining and leaving, refuses a
 * wrong key, and says so when the engine stops answering.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/http/admin.js';
import type { PromptReport } from '../../src/prompts/monitor.js';
import { engineOnFakePbx } from '../support/engine-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'admin-token-0123456789abcdef';
const KEY = 'wallboard-key-0123456789abcdef';
// Chromium on a closed network: no background connections (they are refused and slow the start).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package (apt-get install chromium), or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** What the engine's prompt check last found (the test sets it). */
let report: PromptReport = { checkedAt: null, configVersion: null, missing: [], englishOnly: 0, error: null };

async function clinic() {
  const { plan, clock, pbx, engine } = engineOnFakePbx({ at: '2026-11-23T10:00', db: 'temp' });
  for (const a of plan.agents.keys()) engine.pauseAgent(a, true);
  engine.pauseAgent('maria', false);
  pbx.agent('PJSIP/1001', 'noanswer');
  const admin = await startAdmin({ engine, token: TOKEN, wallboardToken: KEY, reload: () => ({ ok: true, version: plan.version }), health: () => ({ ari: 'connected', ami: null }), prompts: () => report }, '127.0.0.1', 0);
  return { plan, clock, pbx, engine, admin };
}

describe('the wallboard in headless Chromium', () => {
  it('shows every queue and agent, follows a caller joining and leaving the queue, and no caller number', async () => {
    const { clock, pbx, engine, admin } = await clinic();
    const page = await browser.newPage();
    try {
      await page.goto(`${admin.url}/wallboard?key=${KEY}`);
      await expect.poll(() => page.textContent('#clinic')).toBe(engine.currentPlan().clinic.name);
      expect(await page.isVisible('#prompts')).toBe(false);
      report = { ...report, checkedAt: 1, missing: [{ sound: 'riverside/welcome', language: 'en', source: 'clinic', where: ['rule inbound/"Open"'] }] };
      await expect.poll(() => page.textContent('#prompts'), { timeout: 10_000 }).toBe('1 recorded prompt(s) are missing on the phone system: some callers hear silence. Clinic IT: pbx-router prompts check.');
      expect(await page.isVisible('#prompts')).toBe(true);
      report = { ...report, missing: [] };
      await expect.poll(() => page.isVisible('#prompts'), { timeout: 10_000 }).toBe(false);
      expect(await page.textContent('#queue-scheduling .waiting')).toBe('0');
      expect(await page.textContent('#queue-scheduling .longest')).toBe('nobody waiting');
      const rows = await page.$$eval('#agents tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(rows).toContainEqual(['Maria Gonzalez', 'available']);
      expect(rows).toContainEqual(['James Carter', 'paused']);
      expect(rows).toHaveLength(engine.currentPlan().agents.size);

      // Nobody answers Maria's phone: the caller waits in scheduling.
      const ch = pbx.call('+15125550100', '+15125550123');
      await clock.advance(500);
      pbx.press(ch, '1');
      await clock.advance(150_000);
      await expect.poll(() => page.textContent('#queue-scheduling .waiting'), { timeout: 10_000 }).toBe('1');
      expect(await page.textContent('#queue-scheduling .longest')).toMatch(/^longest wait 2:\d\d$/);
      expect(await page.getAttribute('#queue-scheduling', 'class')).toBe('queue warn');
      expect(await page.textContent('#calls')).toBe('1');
      expect(await page.textContent('body')).not.toContain('5550123');

      pbx.hangupFrom(ch);
      await clock.advance(100);
      await expect.poll(() => page.textContent('#queue-scheduling .waiting'), { timeout: 10_000 }).toBe('0');
      await expect.poll(() => page.textContent('#ended'), { timeout: 10_000 }).toBe('Ended since the engine started: abandoned 1');
      expect(await page.isVisible('#banner')).toBe(false);
    } finally {
      await page.close();
      await admin.close();
    }
  }, 60_000);

  it('a wrong key gets nothing; when the engine stops answering the page says so', async () => {
    const { admin } = await clinic();
    const page = await browser.newPage();
    try {
      const wrong = await page.goto(`${admin.url}/wallboard?key=not-the-key-0123456789`);
      expect(wrong?.status()).toBe(401);
      expect(await page.textContent('body')).toContain('Wrong or missing wallboard key');
      const data = await fetch(`${admin.url}/wallboard/data`, { headers: { 'x-wallboard-key': TOKEN } });
      expect(data.status).toBe(401);

      await page.goto(`${admin.url}/wallboard?key=${KEY}`);
      await expect.poll(() => page.textContent('#queue-scheduling .waiting')).toBe('0');
      await admin.close();
      await expect.poll(() => page.textContent('#banner'), { timeout: 10_000 }).toMatch(/^No answer from pbx-router \(.+\): the figures below are from .+\.$/);
      expect(await page.isVisible('#banner')).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
