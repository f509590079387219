/**
 * Call state in SQLite: calls, their events, every routing decision with its trace and config
 * version, queue entries with their position history, agent state changes and callback requests.
 * All statements are prepared once; writes are small and synchronous (WAL). In the running engine
 * the writes of one event-loop turn share a transaction (src/store/write-groups.ts).
 */
import type { Db } from './db.js';

export type CallState = 'routing' | 'menu' | 'queued' | 'ringing' | 'connected' | 'voicemail' | 'forwarding' | 'callback' | 'ended';

export interface CallRecord {
  readonly id: string;
  readonly channelId: string;
  readonly did: string;
  readonly caller: string;
  readonly site: string | null;
  readonly language: string;
  readonly priority: number;
  readonly state: CallState;
  readonly arrivedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly outcome: string | null;
  readonly target: string | null;
  readonly agent: string | null;
  readonly configVersion: string;
  /** What a restarted engine needs to pick the call up again (JSON). */
  readonly resume: string | null;
}

export type CallUpdate = Partial<Pick<CallRecord, 'site' | 'language' | 'priority' | 'state' | 'answeredAt' | 'outcome' | 'target' | 'agent' | 'resume'>>;

export interface DecisionRecord {
  readonly at: number;
  readonly configVersion: string;
  readonly status: string;
  readonly action: string | null;
  readonly target: string | null;
  readonly site: string | null;
  /** Plain-data steps and trace (JSON-serialisable). */
  readonly steps: unknown;
  readonly trace: unknown;
}

export type QueueResult = 'answered' | 'abandoned' | 'overflow' | 'callback' | 'transferred';

export interface WaitingEntry {
  readonly id: number;
  readonly callId: string;
  readonly queue: string;
  readonly priority: number;
  readonly language: string;
  readonly enteredAt: number;
}

/** One wait in a queue: when it began and ended, and how (null while waiting). */
export interface QueueEntryRecord {
  readonly id: number;
  readonly queue: string;
  readonly priority: number;
  readonly language: string;
  readonly enteredAt: number;
  readonly leftAt: number | null;
  readonly result: QueueResult | null;
  readonly agent: string | null;
}

export interface CallbackRecord {
  readonly id: number;
  readonly callId: string | null;
  readonly list: string;
  readonly number: string;
  readonly reason: string | null;
  readonly site: string | null;
  readonly createdAt: number;
  readonly deadline: number | null;
  readonly doneAt: number | null;
  readonly doneBy: string | null;
}

const CALL_COLUMNS = `id, channel_id AS channelId, did, caller, site, language, priority, state, arrived_at AS arrivedAt,
  answered_at AS answeredAt, ended_at AS endedAt, outcome, target, agent, config_version AS configVersion, resume`;
const UPDATABLE: Record<keyof CallUpdate, string> = {
  site: 'site',
  language: 'language',
  priority: 'priority',
  state: 'state',
  answeredAt: 'answered_at',
  outcome: 'outcome',
  target: 'target',
  agent: 'agent',
  resume: 'resume',
};

/** The repository of call state. */
export class CallStore {
  private readonly stmt;
  private readonly updates = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    this.stmt = {
      insertCall: db.prepare(`INSERT INTO calls (id, channel_id, did, caller, site, language, priority, state, arrived_at, config_version)
        VALUES (@id, @channelId, @did, @caller, @site, @language, @priority, @state, @arrivedAt, @configVersion)`),
      endCall: db.prepare(`UPDATE calls SET ended_at = ?, state = 'ended', outcome = COALESCE(?, outcome), resume = NULL WHERE id = ? AND ended_at IS NULL`),
      call: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE id = ?`),
      byChannel: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE channel_id = ? ORDER BY arrived_at DESC LIMIT 1`),
      between: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE arrived_at >= ? AND arrived_at < ? ORDER BY arrived_at`),
      byCaller: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE caller = ? ORDER BY arrived_at DESC LIMIT 1`),
      entriesOf: db.prepare(`SELECT id, queue, priority, language, entered_at AS enteredAt, left_at AS leftAt, result, agent FROM queue_entries WHERE call_id = ? ORDER BY id`),
      open: db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE ended_at IS NULL ORDER BY arrived_at`),
      event: db.prepare(`INSERT INTO call_events (call_id, at, type, data) VALUES (?, ?, ?, ?)`),
      events: db.prepare(`SELECT at, type, data FROM call_events WHERE call_id = ? ORDER BY id`),
      eventsOfType: db.prepare(`SELECT call_id AS callId, at, data FROM call_events WHERE type = ? AND at >= ? ORDER BY at, id`),
      decision: db.prepare(`INSERT INTO decisions (call_id, at, config_version, status, action, target, site, steps, trace)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      decisions: db.prepare(`SELECT at, config_version AS configVersion, status, action, target, site, steps, trace FROM decisions WHERE call_id = ? ORDER BY id`),
      enter: db.prepare(`INSERT INTO queue_entries (call_id, queue, priority, language, entered_at) VALUES (?, ?, ?, ?, ?)`),
      leave: db.prepare(`UPDATE queue_entries SET left_at = ?, result = ?, agent = ? WHERE id = ? AND left_at IS NULL`),
      position: db.prepare(`INSERT INTO queue_positions (entry_id, at, position, estimate) VALUES (?, ?, ?, ?)`),
      positions: db.prepare(`SELECT at, position, estimate FROM queue_positions WHERE entry_id = ? ORDER BY at`),
      waiting: db.prepare(`SELECT id, call_id AS callId, queue, priority, language, entered_at AS enteredAt FROM queue_entries WHERE left_at IS NULL ORDER BY entered_at`),
      handleTimes: db.prepare(`SELECT c.ended_at - c.answered_at AS ms FROM queue_entries q JOIN calls c ON c.id = q.call_id
        WHERE q.queue = ? AND q.result = 'answered' AND c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL ORDER BY c.ended_at DESC LIMIT ?`),
      agentState: db.prepare(`INSERT INTO agent_states (agent, state, at, reason) VALUES (?, ?, ?, ?)`),
      lastAgentStates: db.prepare(`SELECT agent, state, at FROM agent_states WHERE id IN (SELECT MAX(id) FROM agent_states GROUP BY agent)`),
      callback: db.prepare(`INSERT INTO callbacks (call_id, list, number, reason, site, created_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      callbacks: db.prepare(`SELECT id, call_id AS callId, list, number, reason, site, created_at AS createdAt, deadline, done_at AS doneAt, done_by AS doneBy
        FROM callbacks WHERE (? = 0 OR done_at IS NULL) ORDER BY COALESCE(deadline, created_at), id`),
      webhookDue: db.prepare(`SELECT id, call_id AS callId, list, number, reason, site, created_at AS createdAt, deadline, done_at AS doneAt, done_by AS doneBy
        FROM callbacks WHERE webhook_next IS NOT NULL AND webhook_sent_at IS NULL AND webhook_next <= ? ORDER BY webhook_next, id`),
      webhookQueue: db.prepare(`UPDATE callbacks SET webhook_next = ? WHERE id = ?`),
      webhookSent: db.prepare(`UPDATE callbacks SET webhook_sent_at = ?, webhook_attempts = webhook_attempts + 1, webhook_error = NULL WHERE id = ?`),
      webhookFailed: db.prepare(`UPDATE callbacks SET webhook_attempts = webhook_attempts + 1, webhook_error = ?, webhook_next = ? WHERE id = ?`),
      webhookState: db.prepare(`SELECT webhook_attempts AS attempts, webhook_next AS next, webhook_error AS error, webhook_sent_at AS sentAt FROM callbacks WHERE id = ?`),
      addOverride: db.prepare(`INSERT INTO oncall_overrides (roster, member, from_ms, to_ms, created_at) VALUES (?, ?, ?, ?, ?)`),
      overrides: db.prepare(`SELECT roster, member, from_ms AS fromMs, to_ms AS toMs FROM oncall_overrides WHERE to_ms > ? ORDER BY id`),
      setting: db.prepare(`SELECT value FROM settings WHERE key = ?`),
      setSetting: db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
      callbackDone: db.prepare(`UPDATE callbacks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL`),
    };
  }

  /** Records a new call as it arrives. */
  createCall(c: Pick<CallRecord, 'id' | 'channelId' | 'did' | 'caller' | 'site' | 'language' | 'priority' | 'state' | 'arrivedAt' | 'configVersion'>): void {
    this.stmt.insertCall.run(c);
  }

  /** Changes some fields of a call. */
  updateCall(id: string, u: CallUpdate): void {
    const keys = (Object.keys(u) as (keyof CallUpdate)[]).filter((k) => u[k] !== undefined).sort();
    if (keys.length === 0) return;
    const sig = keys.join(',');
    let st = this.updates.get(sig);
    if (!st) {
      st = this.db.prepare(`UPDATE calls SET ${keys.map((k) => `${UPDATABLE[k]} = @${k}`).join(', ')} WHERE id = @id`);
      this.updates.set(sig, st);
    }
    st.run({ id, ...Object.fromEntries(keys.map((k) => [k, u[k]])) });
  }

  /** Marks a call ended (once); the outcome is kept when none is given. */
  endCall(id: string, at: number, outcome?: string): boolean {
    return this.stmt.endCall.run(at, outcome ?? null, id).changes > 0;
  }

  /** One call, or undefined. */
  call(id: string): CallRecord | undefined {
    return this.stmt.call.get(id) as CallRecord | undefined;
  }

  /** The newest call on a channel, or undefined. */
  callByChannel(channelId: string): CallRecord | undefined {
    return this.stmt.byChannel.get(channelId) as CallRecord | undefined;
  }

  /** The calls that arrived in [from, to), oldest first. */
  callsBetween(from: number, to: number): CallRecord[] {
    return this.stmt.between.all(from, to) as CallRecord[];
  }

  /** The newest call from a caller number, or undefined. */
  callByCaller(caller: string): CallRecord | undefined {
    return this.stmt.byCaller.get(caller) as CallRecord | undefined;
  }

  /** A call's queue entries, in order (a caller may have waited in more than one queue). */
  queueEntries(callId: string): QueueEntryRecord[] {
    return this.stmt.entriesOf.all(callId) as QueueEntryRecord[];
  }

  /** Calls not yet ended, oldest first (what a restarted engine must resume). */
  openCalls(): CallRecord[] {
    return this.stmt.open.all() as CallRecord[];
  }

  /** Appends an event to a call's history. */
  addEvent(callId: string, at: number, type: string, data?: unknown): void {
    this.stmt.event.run(callId, at, type, data === undefined ? null : JSON.stringify(data));
  }

  /** A call's events in order. */
  events(callId: string): { at: number; type: string; data: unknown }[] {
    return (this.stmt.events.all(callId) as { at: number; type: string; data: string | null }[]).map((e) => ({ ...e, data: e.data === null ? null : JSON.parse(e.data) }));
  }

  /** Events of one type since a time, oldest first (e.g. outside numbers dialled in the last hour). */
  eventsOfType(type: string, since: number): { callId: string; at: number; data: unknown }[] {
    return (this.stmt.eventsOfType.all(type, since) as { callId: string; at: number; data: string | null }[]).map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) }));
  }

  /** Stores a routing decision with its trace. */
  addDecision(callId: string, d: DecisionRecord): void {
    this.stmt.decision.run(callId, d.at, d.configVersion, d.status, d.action, d.target, d.site, JSON.stringify(d.steps), JSON.stringify(d.trace));
  }

  /** A call's decisions in order. */
  decisions(callId: string): DecisionRecord[] {
    return (this.stmt.decisions.all(callId) as (DecisionRecord & { steps: string; trace: string })[]).map((d) => ({ ...d, steps: JSON.parse(d.steps), trace: JSON.parse(d.trace) }));
  }

  /** A caller joins a queue; returns the entry id. */
  enterQueue(callId: string, queue: string, priority: number, language: string, at: number): number {
    return Number(this.stmt.enter.run(callId, queue, priority, language, at).lastInsertRowid);
  }

  /** Records the caller's position (and the estimate announced, if any). */
  recordPosition(entryId: number, at: number, position: number, estimate: number | null): void {
    this.stmt.position.run(entryId, at, position, estimate);
  }

  /** A queue entry's position history. */
  positions(entryId: number): { at: number; position: number; estimate: number | null }[] {
    return this.stmt.positions.all(entryId) as { at: number; position: number; estimate: number | null }[];
  }

  /** The caller leaves the queue (once). */
  leaveQueue(entryId: number, at: number, result: QueueResult, agent: string | null = null): boolean {
    return this.stmt.leave.run(at, result, agent, entryId).changes > 0;
  }

  /** Everyone still waiting, in arrival order. */
  waiting(): WaitingEntry[] {
    return this.stmt.waiting.all() as WaitingEntry[];
  }

  /** Recent talk times (seconds) of answered calls of a queue, newest first. */
  recentHandleTimes(queue: string, limit = 20): number[] {
    return (this.stmt.handleTimes.all(queue, limit) as { ms: number }[]).map((r) => r.ms / 1000);
  }

  /** Records an agent state change. */
  agentState(agent: string, state: string, at: number, reason: string | null = null): void {
    this.stmt.agentState.run(agent, state, at, reason);
  }

  /** Each agent's last recorded state. */
  lastAgentStates(): { agent: string; state: string; at: number }[] {
    return this.stmt.lastAgentStates.all() as { agent: string; state: string; at: number }[];
  }

  /** Creates a callback request; returns its id. */
  createCallback(c: { callId: string | null; list: string; number: string; reason: string | null; site: string | null; createdAt: number; deadline: number | null }): number {
    return Number(this.stmt.callback.run(c.callId, c.list, c.number, c.reason, c.site, c.createdAt, c.deadline).lastInsertRowid);
  }

  /** Callback requests, soonest deadline first; only open ones when asked. */
  callbacks(openOnly = false): CallbackRecord[] {
    return this.stmt.callbacks.all(openOnly ? 1 : 0) as CallbackRecord[];
  }

  /** Queues a callback request for its webhook, due now. */
  queueWebhook(id: number, at: number): void {
    this.stmt.webhookQueue.run(at, id);
  }

  /** Callback requests whose webhook is due. */
  webhookDue(now: number): CallbackRecord[] {
    return this.stmt.webhookDue.all(now) as CallbackRecord[];
  }

  /** Records a webhook delivery. */
  webhookSent(id: number, at: number): void {
    this.stmt.webhookSent.run(at, id);
  }

  /** Records a failed webhook attempt and when to retry. */
  webhookFailed(id: number, error: string, next: number): void {
    this.stmt.webhookFailed.run(error.slice(0, 500), next, id);
  }

  /** Where a callback's webhook delivery stands. */
  webhookState(id: number): { attempts: number; next: number | null; error: string | null; sentAt: number | null } | undefined {
    return this.stmt.webhookState.get(id) as { attempts: number; next: number | null; error: string | null; sentAt: number | null } | undefined;
  }

  /** Adds an on-call override; returns its id. */
  addOncallOverride(roster: string, member: string, fromMs: number, toMs: number, at: number): number {
    return Number(this.stmt.addOverride.run(roster, member, fromMs, toMs, at).lastInsertRowid);
  }

  /** On-call overrides not yet over, per roster, oldest first. */
  oncallOverrides(now: number): Record<string, { member: string; fromMs: number; toMs: number }[]> {
    const out: Record<string, { member: string; fromMs: number; toMs: number }[]> = {};
    for (const o of this.stmt.overrides.all(now) as { roster: string; member: string; fromMs: number; toMs: number }[]) {
      (out[o.roster] ??= []).push({ member: o.member, fromMs: o.fromMs, toMs: o.toMs });
    }
    return out;
  }

  /** A stored setting (JSON), or undefined. */
  setting<T>(key: string): T | undefined {
    const row = this.stmt.setting.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** Stores a setting (JSON). */
  setSetting(key: string, value: unknown, at: number): void {
    this.stmt.setSetting.run(key, JSON.stringify(value), at);
  }

  /** Marks a callback done (once). */
  callbackDone(id: number, at: number, by: string | null = null): boolean {
    return this.stmt.callbackDone.run(at, by, id).changes > 0;
  }

  /** Runs several writes as one transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
