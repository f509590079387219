/**
 * Versioned schema migrations. Each entry is applied once, in order, inside a transaction; the
 * database records the version it reached in `PRAGMA user_version`. Never edit a released
 * migration: add a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'calls, events, decisions, queues, agents, callbacks',
    sql: `
      CREATE TABLE calls (
        id             TEXT PRIMARY KEY,
        channel_id     TEXT NOT NULL,
        did            TEXT NOT NULL,
        caller         TEXT NOT NULL,
        site           TEXT,
        language       TEXT NOT NULL,
        priority       INTEGER NOT NULL DEFAULT 0,
        state          TEXT NOT NULL,
        arrived_at     INTEGER NOT NULL,
        answered_at    INTEGER,
        ended_at       INTEGER,
        outcome        TEXT,
        target         TEXT,
        agent          TEXT,
        config_version TEXT NOT NULL,
        resume         TEXT
      );
      CREATE INDEX calls_open ON calls (ended_at) WHERE ended_at IS NULL;
      CREATE INDEX calls_channel ON calls (channel_id);
      CREATE INDEX calls_arrived ON calls (arrived_at);

      CREATE TABLE call_events (
        id      INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls (id),
        at      INTEGER NOT NULL,
        type    TEXT NOT NULL,
        data    TEXT
      );
      CREATE INDEX call_events_call ON call_events (call_id, id);

      CREATE TABLE decisions (
        id             INTEGER PRIMARY KEY,
        call_id        TEXT NOT NULL REFERENCES calls (id),
        at             INTEGER NOT NULL,
        config_version TEXT NOT NULL,
        status         TEXT NOT NULL,
        action         TEXT,
        target         TEXT,
        site           TEXT,
        steps          TEXT NOT NULL,
        trace          TEXT NOT NULL
      );
      CREATE INDEX decisions_call ON decisions (call_id, id);

      CREATE TABLE queue_entries (
        id          INTEGER PRIMARY KEY,
        call_id     TEXT NOT NULL REFERENCES calls (id),
        queue       TEXT NOT NULL,
        priority    INTEGER NOT NULL,
        language    TEXT NOT NULL,
        entered_at  INTEGER NOT NULL,
        left_at     INTEGER,
        result      TEXT,
        agent       TEXT
      );
      CREATE INDEX queue_entries_waiting ON queue_entries (queue, left_at);
      CREATE INDEX queue_entries_call ON queue_entries (call_id);

      CREATE TABLE queue_positions (
        entry_id INTEGER NOT NULL REFERENCES queue_entries (id),
        at       INTEGER NOT NULL,
        position INTEGER NOT NULL,
        estimate INTEGER
      );
      CREATE INDEX queue_positions_entry ON queue_positions (entry_id, at);

      CREATE TABLE agent_states (
        id     INTEGER PRIMARY KEY,
        agent  TEXT NOT NULL,
        state  TEXT NOT NULL,
        at     INTEGER NOT NULL,
        reason TEXT
      );
      CREATE INDEX agent_states_agent ON agent_states (agent, id);

      CREATE TABLE callbacks (
        id         INTEGER PRIMARY KEY,
        call_id    TEXT REFERENCES calls (id),
        list       TEXT NOT NULL,
        number     TEXT NOT NULL,
        reason     TEXT,
        site       TEXT,
        created_at INTEGER NOT NULL,
        deadline   INTEGER,
        done_at    INTEGER,
        done_by    TEXT
      );
      CREATE INDEX callbacks_open ON callbacks (done_at);
    `,
  },
  {
    version: 2,
    name: 'voicemails and the email outbox',
    sql: `
      CREATE TABLE voicemails (
        id          INTEGER PRIMARY KEY,
        call_id     TEXT REFERENCES calls (id),
        mailbox     TEXT NOT NULL,
        caller      TEXT NOT NULL,
        did         TEXT NOT NULL,
        site        TEXT,
        reason      TEXT,
        urgent      INTEGER NOT NULL DEFAULT 0,
        recording   TEXT NOT NULL,
        duration    INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        purged_at   INTEGER
      );
      CREATE INDEX voicemails_created ON voicemails (created_at);

      CREATE TABLE outbox (
        id            INTEGER PRIMARY KEY,
        voicemail_id  INTEGER REFERENCES voicemails (id),
        recipients    TEXT NOT NULL,
        subject       TEXT NOT NULL,
        body          TEXT NOT NULL,
        attach        TEXT,
        created_at    INTEGER NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_attempt  INTEGER NOT NULL,
        last_error    TEXT,
        sent_at       INTEGER,
        message_id    TEXT
      );
      CREATE INDEX outbox_due ON outbox (sent_at, next_attempt);
    `,
  },
  {
    version: 3,
    name: 'callback webhook delivery',
    sql: `
      ALTER TABLE callbacks ADD COLUMN webhook_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE callbacks ADD COLUMN webhook_next INTEGER;
      ALTER TABLE callbacks ADD COLUMN webhook_error TEXT;
      ALTER TABLE callbacks ADD COLUMN webhook_sent_at INTEGER;
    `,
  },
  {
    version: 4,
    name: 'on-call overrides set at run time',
    sql: `
      CREATE TABLE oncall_overrides (
        id         INTEGER PRIMARY KEY,
        roster     TEXT NOT NULL,
        member     TEXT NOT NULL,
        from_ms    INTEGER NOT NULL,
        to_ms      INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX oncall_overrides_roster ON oncall_overrides (roster, to_ms);
    `,
  },
  {
    version: 5,
    name: 'settings that survive a restart (manual day/night modes)',
    sql: `
      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'call events by type and time (the hourly forward limit survives a restart)',
    sql: `
      CREATE INDEX call_events_type_at ON call_events (type, at);
    `,
  },
  {
    version: 7,
    name: 'messages of the failsafe voicemail box already noticed (by Asterisk msg_id)',
    sql: `
      CREATE TABLE failsafe_messages (
        msg_id       TEXT PRIMARY KEY,
        box          TEXT NOT NULL,
        voicemail_id INTEGER REFERENCES voicemails (id),
        noticed_at   INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'the SMS outbox and per-site SMS opt-outs',
    sql: `
      CREATE TABLE sms_outbox (
        id              INTEGER PRIMARY KEY,
        call_id         TEXT REFERENCES calls (id),
        to_number       TEXT NOT NULL,
        message         TEXT NOT NULL,
        language        TEXT NOT NULL,
        body            TEXT NOT NULL,
        site            TEXT,
        status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'refused')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt    INTEGER,
        sending_since   INTEGER,
        idempotency_key TEXT NOT NULL UNIQUE,
        provider_id     TEXT,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        finished_at     INTEGER
      );
      CREATE INDEX sms_outbox_due ON sms_outbox (status, next_attempt);
      CREATE INDEX sms_outbox_to ON sms_outbox (to_number, created_at);
      CREATE INDEX sms_outbox_call ON sms_outbox (call_id);
      CREATE INDEX sms_outbox_created ON sms_outbox (created_at);

      CREATE TABLE sms_opt_outs (
        site       TEXT NOT NULL,
        number     TEXT NOT NULL,
        at         INTEGER NOT NULL,
        source     TEXT NOT NULL,
        PRIMARY KEY (site, number)
      );
    `,
  },
  {
    version: 9,
    name: 'voicemail transcripts (status, words, engine, confidence, error, urgent words matched)',
    sql: `
      ALTER TABLE voicemails ADD COLUMN transcript_status TEXT CHECK (transcript_status IN ('pending', 'done', 'failed'));
      ALTER TABLE voicemails ADD COLUMN transcript TEXT;
      ALTER TABLE voicemails ADD COLUMN transcript_engine TEXT;
      ALTER TABLE voicemails ADD COLUMN transcript_confidence REAL;
      ALTER TABLE voicemails ADD COLUMN transcript_error TEXT;
      ALTER TABLE voicemails ADD COLUMN transcript_cpu_ms INTEGER;
      ALTER TABLE voicemails ADD COLUMN transcribed_at INTEGER;
      ALTER TABLE voicemails ADD COLUMN urgent_words TEXT;
      CREATE INDEX voicemails_transcript_pending ON voicemails (id) WHERE transcript_status = 'pending';
    `,
  },
  {
    version: 10,
    name: 'the lease epoch each call event was written in (an active/standby pair on PostgreSQL; always NULL in SQLite)',
    sql: `ALTER TABLE call_events ADD COLUMN epoch INTEGER;`,
  },
];
