/**
 * The engine's Prometheus metrics (prom-client): histograms and counters that the code doing the
 * work feeds, one set per running engine (no module-level registry: tests run several engines in
 * one process), plus the process's own metrics (event-loop lag, heap, GC, CPU, file descriptors),
 * which belong to the process and are collected once for it.
 * Label values are ids from the config (queue, outcome) or fixed words, never a caller's number.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Why a missed offer was missed (the Telephony port's LegFailure); anything else is `other`. */
export const OFFER_MISS_REASONS = ['busy', 'no-answer', 'congestion', 'unreachable', 'failed', 'refused', 'other'] as const;

/** What an attempt to send a text came to (the outbox's flush result). */
export const SMS_STATUSES = ['sent', 'retried', 'failed', 'refused'] as const;

export interface Metrics {
  readonly registry: Registry;
  /** StasisStart received -> the first ARI command the engine sends for that channel (the engine's own latency). */
  readonly stasisToFirstCommand: Histogram;
  /** StasisStart received -> the caller's channel answered (the answer's REST round trip included). */
  readonly stasisToAnswer: Histogram;
  /** One ARI REST request's round trip, by Telephony operation (answer, originate, addToBridge...). */
  readonly ariRequest: Histogram<'operation'>;
  /** A caller's wait in a queue, by queue and how it ended (answered, abandoned, overflow, callback, ...). */
  readonly queueWait: Histogram<'queue' | 'result'>;
  /** One routing decision (routing/decide): the pure engine's time. */
  readonly decision: Histogram;
  /** Offers to an agent's desk phone not taken, by reason (on-call attempts are stored per call, not counted here). */
  readonly offersMissed: Counter<'reason'>;
  /** Calls sent back to the failsafe dialplan. */
  readonly failsafeHandoffs: Counter;
  /** Times the ARI event socket came back after it was lost. */
  readonly ariReconnects: Counter;
  /** Voicemail emails, by result (sent, failed: a failed one is retried). */
  readonly emails: Counter<'result'>;
  /** Callback webhooks, by result (sent, failed: a failed one is retried). */
  readonly webhooks: Counter<'result'>;
  /** Texts to callers, by what an attempt came to (sent, retried: tried again later, failed, refused by the provider). */
  readonly sms: Counter<'status'>;
  /** Voicemail transcriptions by how they ended (done, failed). */
  readonly transcriptions: Counter<'status'>;
  /** CPU time the transcription engine spent (user + system), seconds, over all transcriptions done. */
  readonly transcriptionCpu: Counter;
  /** The text exposition of this engine's metrics and the process's. */
  text(): Promise<string>;
  /** Its content type (text/plain; version=0.0.4). */
  readonly contentType: string;
}

let processRegistry: Registry | null = null;

/** The process's metrics (prom-client's defaults), registered once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

/** Sub-millisecond to seconds: REST round trips and the engine's reaction to an event. */
const LATENCY = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds to half an hour: how long callers wait (the wallboard turns amber at 2 min, red at 5). */
const WAIT = [5, 15, 30, 60, 120, 180, 300, 600, 900, 1200, 1800];
/** Microseconds: the routing target is p99 under 50 µs. */
const DECISION = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01];

/** A new set of the engine's metrics, on its own registry, with every counter's series at 0. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const m: Omit<Metrics, 'text' | 'contentType' | 'registry'> = {
    stasisToFirstCommand: new Histogram({ name: 'pbx_router_stasis_to_first_command_seconds', help: 'From StasisStart received to the first ARI command for that channel.', buckets: LATENCY, registers }),
    stasisToAnswer: new Histogram({ name: 'pbx_router_stasis_to_answer_seconds', help: "From StasisStart received to the caller's channel answered.", buckets: LATENCY, registers }),
    ariRequest: new Histogram({ name: 'pbx_router_ari_request_seconds', help: 'ARI REST round trips, by operation.', labelNames: ['operation'], buckets: LATENCY, registers }),
    queueWait: new Histogram({ name: 'pbx_router_queue_wait_seconds', help: 'Callers’ waits in a queue, by queue and how the wait ended.', labelNames: ['queue', 'result'], buckets: WAIT, registers }),
    decision: new Histogram({ name: 'pbx_router_decision_seconds', help: 'Time of one routing decision.', buckets: DECISION, registers }),
    offersMissed: new Counter({ name: 'pbx_router_offers_missed_total', help: "Offers to an agent's phone that were not taken, by reason.", labelNames: ['reason'], registers }),
    failsafeHandoffs: new Counter({ name: 'pbx_router_failsafe_handoffs_total', help: 'Calls sent back to the failsafe dialplan.', registers }),
    ariReconnects: new Counter({ name: 'pbx_router_ari_reconnects_total', help: 'Times the ARI event socket was connected again after it was lost.', registers }),
    emails: new Counter({ name: 'pbx_router_emails_total', help: 'Voicemail emails by result (a failed one is retried later).', labelNames: ['result'], registers }),
    webhooks: new Counter({ name: 'pbx_router_webhooks_total', help: 'Callback webhooks by result (a failed one is retried later).', labelNames: ['result'], registers }),
    sms: new Counter({ name: 'pbx_router_sms_total', help: 'Texts to callers by what an attempt came to (sent, retried later, failed, refused by the provider).', labelNames: ['status'], registers }),
    transcriptions: new Counter({ name: 'pbx_router_transcriptions_total', help: 'Voicemail transcriptions by how they ended (done, failed).', labelNames: ['status'], registers }),
    transcriptionCpu: new Counter({ name: 'pbx_router_transcription_cpu_seconds_total', help: 'CPU time (user + system) the transcription engine spent on voicemails, seconds.', registers }),
  };
  for (const reason of OFFER_MISS_REASONS) m.offersMissed.inc({ reason }, 0);
  for (const result of ['sent', 'failed']) {
    m.emails.inc({ result }, 0);
    m.webhooks.inc({ result }, 0);
  }
  for (const status of SMS_STATUSES) m.sms.inc({ status }, 0);
  for (const status of ['done', 'failed']) m.transcriptions.inc({ status }, 0);
  const process = processMetrics();
  return {
    ...m,
    registry,
    contentType: registry.contentType,
    // Merged at each scrape: gauges may be added to the engine's registry after this (the admin API's).
    text: () => Registry.merge([registry, process]).metrics(),
  };
}
