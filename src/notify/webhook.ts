/**
 * Posts callback requests as JSON to the list's webhook (e.g. an EHR task endpoint), retried with
 * capped backoff until the receiver accepts (2xx). Each POST has a timeout.
 */
import type { Plan } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import { retryDelay } from './outbox.js';

/** Delivers every due webhook; returns how many were accepted and how many failed. */
export async function flushWebhooks(store: CallStore, plan: Plan, now: () => number, log: (m: string) => void = () => {}): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (const cb of store.webhookDue(now())) {
    const url = plan.callbacks.get(cb.list)?.webhook;
    if (!url) continue;
    const body = { id: cb.id, list: cb.list, number: cb.number, reason: cb.reason, site: cb.site, createdAt: new Date(cb.createdAt).toISOString(), deadline: cb.deadline === null ? null : new Date(cb.deadline).toISOString() };
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      store.webhookSent(cb.id, now());
      sent++;
    } catch (e) {
      const attempts = (store.webhookState(cb.id)?.attempts ?? 0) + 1;
      store.webhookFailed(cb.id, (e as Error).message, now() + retryDelay(attempts));
      log(`callback ${cb.id}: webhook not accepted (attempt ${attempts}): ${(e as Error).message}`);
      failed++;
    }
  }
  return { sent, failed };
}
