/**
 * The routing configuration, defined once: TypeBox gives both the JSON Schema (draft-07, written to
 * schema/pbx-router.schema.json for editors and checked by ajv) and the TypeScript types.
 *
 * Named things (sites, schedules, agents, queues, ...) are maps keyed by id, so that a folder of
 * files can be merged and an id is unique by construction. Actions and conditions are objects with
 * one key per kind; ajv then reports an unknown key by name instead of a wall of anyOf failures.
 */
import { type Static, type TArray, type TOptional, type TSchema, Type } from '@sinclair/typebox';

const doc = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const E164 = Type.String({
  pattern: '^\\+[1-9][0-9]{6,14}$',
  description: 'A phone number in E.164 form, e.g. +15125550100',
});
export const Id = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'An id: lower-case letters, digits, - and _',
});
const ClockTime = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$',
  description: 'A time of day, HH:MM (24:00 allowed as an end)',
});
const TimeRange = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
  description: 'HH:MM-HH:MM; an end before the start crosses midnight (22:00-06:00)',
});
const IsoDate = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'A calendar date, YYYY-MM-DD, in the site time zone',
});
const LocalDateTime = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$',
  description: 'A local date and time, YYYY-MM-DDTHH:MM, in the site time zone',
});
const Seconds = (description: string) => Type.Integer({ minimum: 0, maximum: 86400, description });
const Language = Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$', description: 'A language code, e.g. en or es' });
const SkillLevel = Type.Integer({ minimum: 1, maximum: 5, description: 'Skill level 1 (basic) to 5 (expert)' });
const SkillMap = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }), SkillLevel);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A prompt: a sound name (e.g. `riverside/main-menu`) or one per language. */
export const PromptRef = Type.Union(
  [Type.String({ minLength: 1 }), Type.Record(Language, Type.String({ minLength: 1 }))],
  { description: 'A sound name, or a map of language to sound name' },
);

/** A sound name as Asterisk knows it: folders and a file name without extension, no `..`. */
export const SOUND_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$';

/**
 * What each prompt says, per language (or one text in the clinic's language): `pbx-router prompts
 * generate` speaks it into a placeholder recording, and `prompts list` shows it. Optional: a prompt
 * without a text is a recording the clinic provides.
 */
export const PromptTexts = Type.Record(
  Type.String({ pattern: SOUND_NAME_PATTERN, description: 'A sound the config or the engine plays, e.g. riverside/main-menu' }),
  Type.Union([
    Type.String({ minLength: 1, description: 'The text, in the clinic language' }),
    Type.Record(Language, Type.String({ minLength: 1 }), { description: 'The text per language, e.g. en: "Thank you for calling ..."' }),
  ]),
  { description: 'What each prompt says, per language: `pbx-router prompts generate` speaks it into a placeholder recording' },
);

// ---------------------------------------------------------------------------------------------
// Actions

const SiteSelect = Type.Object(
  {
    by: Type.Union([Type.Literal('did'), Type.Literal('caller-area'), Type.Literal('fixed')], {
      description: 'did: the site that owns the dialled number; caller-area: the site serving the caller; fixed: `site`',
    }),
    site: Type.Optional(Id),
    overflow: Type.Optional(
      Type.Boolean({ description: 'If the chosen site is closed or saturated, try its nearest sites in order (default true)' }),
    ),
  },
  { additionalProperties: false },
);

export const ActionSchema = Type.Object(
  {
    menu: Type.Optional(doc(Id, 'Play an IVR menu (terminal: the menu decides what follows)')),
    queue: Type.Optional(doc(Id, 'Wait in an engine-managed queue')),
    agent: Type.Optional(doc(Id, 'Ring one agent directly')),
    ringGroup: Type.Optional(doc(Id, 'Ring a group of agents (ring-all or hunt)')),
    forward: Type.Optional(doc(Id, 'Forward to the on-call clinician of a roster, with press-1 acceptance')),
    voicemail: Type.Optional(doc(Id, 'Record a voicemail into a mailbox')),
    callback: Type.Optional(doc(Id, 'Capture a structured callback request')),
    hangup: Type.Optional(Type.Literal(true, { description: 'End the call (after any prompt played before)' })),
    goto: Type.Optional(doc(Id, 'Continue with another rule set')),
    site: Type.Optional(SiteSelect),
    play: Type.Optional(PromptRef),
    setPriority: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Queue priority 0-9; higher is served first' })),
    raisePriority: Type.Optional(Type.Integer({ minimum: 1, maximum: 9, description: 'Add to the priority (capped at 9)' })),
    setLanguage: Type.Optional(Language),
    tag: Type.Optional(Type.Union([Id, Type.Array(Id)])),
    sms: Type.Optional(doc(Id, "Text the caller a message of sms.messages (only to the caller's own home-country number; the call goes on with the next action)")),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'One action: an object with exactly one key',
  },
);
export type ActionConfig = Static<typeof ActionSchema>;
const Actions = Type.Array(ActionSchema, { minItems: 1 });

// ---------------------------------------------------------------------------------------------
// Conditions

const NumberRange = Type.Object(
  { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
  { additionalProperties: false, minProperties: 1 },
);
const OneOrMany = <T extends TSchema>(s: T) => Type.Union([s, Type.Array(s, { minItems: 1 })]);

export const ConditionSchema = Type.Object(
  {
    did: Type.Optional(OneOrMany(E164)),
    site: Type.Optional(OneOrMany(Id)),
    caller: Type.Optional(
      Type.Object(
        {
          in: Type.Optional(Type.Array(E164, { minItems: 1, description: 'Exact caller numbers' })),
          prefix: Type.Optional(OneOrMany(Type.String({ pattern: '^\\+[0-9]+$' }))),
          pattern: Type.Optional(Type.String({ description: 'A regular expression over the E.164 caller number' })),
          anonymous: Type.Optional(Type.Boolean({ description: 'The caller withheld the number' })),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
    open: Type.Optional(
      Type.Union([
        Type.Boolean({ description: 'The schedule of the call site (or of every site for a call with none yet) is open' }),
        Type.Object({ site: Id, is: Type.Boolean() }, { additionalProperties: false }),
      ]),
    ),
    holiday: Type.Optional(Type.Boolean({ description: 'Today is a public holiday or a dated closure at the site' })),
    mode: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('night'), Type.Literal('auto')], {
        description: 'The manual day/night override currently set for the site',
      }),
    ),
    language: Type.Optional(OneOrMany(Language)),
    priority: Type.Optional(NumberRange),
    tags: Type.Optional(
      Type.Object(
        { all: Type.Optional(Type.Array(Id)), any: Type.Optional(Type.Array(Id)), none: Type.Optional(Type.Array(Id)) },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
    queue: Type.Optional(
      Type.Object(
        {
          name: Id,
          agentsAvailable: Type.Optional(NumberRange),
          longestWait: Type.Optional(NumberRange),
          length: Type.Optional(NumberRange),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'All given conditions must hold; an empty or missing `when` always matches' },
);
export type ConditionConfig = Static<typeof ConditionSchema>;

export const RuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    when: Type.Optional(ConditionSchema),
    then: Actions,
  },
  { additionalProperties: false },
);
export type RuleConfig = Static<typeof RuleSchema>;

// ---------------------------------------------------------------------------------------------
// Named things

export const SiteSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    timezone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. America/Chicago' }),
    dids: Type.Optional(Type.Array(E164, { description: 'Numbers that ring this site' })),
    serves: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\+[0-9]+$' }), {
        description: 'Caller number prefixes (country + area code) this site serves, e.g. +1512',
      }),
    ),
    schedule: Id,
    nearest: Type.Optional(Type.Array(Id, { description: 'Other sites in order of distance, for overflow' })),
    routes: Type.Optional(doc(Id, 'Rule set that a call continues with once this site is chosen')),
    saturation: Type.Optional(
      Type.Object(
        {
          longestWait: Type.Optional(Seconds('Saturated when a queue of the site has a caller waiting longer than this')),
          waiting: Type.Optional(Type.Integer({ minimum: 1, description: 'Saturated when this many callers wait at the site' })),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
  },
  { additionalProperties: false },
);

const Closure = Type.Object(
  {
    name: Type.Optional(Type.String()),
    date: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
    from: Type.Optional(ClockTime),
    until: Type.Optional(ClockTime),
    start: Type.Optional(LocalDateTime),
    end: Type.Optional(LocalDateTime),
  },
  {
    additionalProperties: false,
    description:
      'A dated closure: a whole day (date), a day range (date..to), an early closure (date + from), a late opening (date + until), or start..end',
  },
);

export const ScheduleSchema = Type.Object(
  {
    weekly: Type.Object(
      Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(TimeRange))])) as Record<(typeof WEEKDAYS)[number], TOptional<TArray<typeof TimeRange>>>,
      { additionalProperties: false, description: 'Opening hours per weekday (mon..sun); a missing day is closed' },
    ),
    holidays: Type.Optional(
      Type.Object(
        {
          country: Type.String({ pattern: '^[A-Z]{2}$' }),
          region: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{1,3}$' })),
          types: Type.Optional(
            Type.Array(
              Type.Union(['public', 'bank', 'school', 'optional', 'observance'].map((t) => Type.Literal(t))),
              { description: 'date-holidays types counted as closed (default: public)' },
            ),
          ),
          except: Type.Optional(Type.Array(Type.String(), { description: 'Holiday names on which the clinic stays open' })),
        },
        { additionalProperties: false },
      ),
    ),
    closures: Type.Optional(Type.Array(Closure)),
    ical: Type.Optional(Type.String({ description: 'An iCalendar file of closures, relative to this config file' })),
  },
  { additionalProperties: false },
);

export const AgentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    endpoint: Type.String({
      pattern: '^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.+-]+(@[A-Za-z0-9_.-]+)?$',
      description: 'The desk phone, e.g. PJSIP/1001',
    }),
    site: Id,
    skills: SkillMap,
    wrapUp: Type.Optional(Seconds('Seconds after a call before the agent is offered another (default 0)')),
    languages: Type.Optional(Type.Array(Language)),
  },
  { additionalProperties: false },
);

const Strategy = Type.Union(
  ['longest-idle', 'most-skilled', 'round-robin', 'ring-all'].map((s) => Type.Literal(s)),
);
export const QueueSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    site: Type.Optional(Id),
    skills: SkillMap,
    strategy: Type.Optional(Strategy),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Base priority of calls in this queue' })),
    announce: Type.Optional(
      Type.Object(
        {
          position: Type.Optional(Type.Boolean()),
          estimatedWait: Type.Optional(Type.Boolean()),
          interval: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })),
          first: Type.Optional(Seconds('Seconds before the first announcement')),
        },
        { additionalProperties: false },
      ),
    ),
    musicOnHold: Type.Optional(Type.String({ minLength: 1 })),
    maxWait: Seconds('Seconds a caller waits at most before the overflow destination'),
    overflow: Actions,
    relax: Type.Optional(
      Type.Array(
        Type.Object(
          {
            after: Seconds('Seconds of waiting'),
            minLevel: Type.Optional(SkillLevel),
            levels: Type.Optional(SkillMap),
            drop: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false, minProperties: 2 },
        ),
      ),
    ),
    ringTimeout: Type.Optional(Type.Integer({ minimum: 5, maximum: 300 })),
    maxMisses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Missed offers before an agent is set not ready' })),
    callbackKey: Type.Optional(doc(Id, 'Callback list offered when the caller presses * while waiting')),
    whisper: Type.Optional(doc(PromptRef, 'Played to the agent who answers, before the caller is connected (e.g. "scheduling call"); the caller language follows when it is not the clinic default')),
    smsOffer: Type.Optional(
      Type.Object(
        {
          message: doc(Id, 'The message of sms.messages texted to the caller who accepts'),
          whenWaitOver: Seconds('Offered to a caller once the estimated or actual wait passes this many seconds'),
          digit: Type.Optional(Type.String({ pattern: '^[0-9#]$', description: 'The key that asks for the text (default 2)' })),
        },
        { additionalProperties: false, description: '"Press 2 to get a text instead of waiting": offered to callers who may receive one' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MenuSchema = Type.Object(
  {
    prompt: PromptRef,
    options: Type.Record(Type.String({ pattern: '^[0-9*#]$' }), Actions),
    timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'Seconds to wait for a digit (default 5)' })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Replays after an invalid digit or a timeout (default 2)' })),
    invalidPrompt: Type.Optional(PromptRef),
    onInvalid: Actions,
    onTimeout: Actions,
  },
  { additionalProperties: false },
);

const Member = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    number: E164,
    ringTime: Type.Optional(Type.Integer({ minimum: 5, maximum: 120 })),
  },
  { additionalProperties: false },
);
export const RosterSchema = Type.Object(
  {
    site: Id,
    members: Type.Record(Id, Member),
    rotation: Type.Object(
      {
        every: Type.Union([Type.Literal('day'), Type.Literal('week')]),
        handoff: Type.String({
          pattern: '^((mon|tue|wed|thu|fri|sat|sun) )?([01][0-9]|2[0-3]):[0-5][0-9]$',
          description: 'HH:MM (daily) or "mon 08:00" (weekly), in the site time zone',
        }),
        order: Type.Array(Id, { minItems: 1 }),
        start: IsoDate,
      },
      { additionalProperties: false },
    ),
    overrides: Type.Optional(
      Type.Array(
        Type.Object({ member: Id, from: LocalDateTime, to: LocalDateTime }, { additionalProperties: false }),
      ),
    ),
    confirm: Type.Optional(
      Type.Object(
        {
          required: Type.Optional(Type.Boolean()),
          digit: Type.Optional(Type.String({ pattern: '^[0-9]$' })),
          timeout: Type.Optional(Type.Integer({ minimum: 3, maximum: 60 })),
        },
        { additionalProperties: false },
      ),
    ),
    escalation: Type.Optional(
      Type.Array(Type.String({ pattern: '^(on-call|next|[a-z0-9][a-z0-9_-]*)$' }), {
        description: 'Who is tried, in order: on-call, next (the following member in rotation) or a member id',
      }),
    ),
    ringTime: Type.Optional(Type.Integer({ minimum: 5, maximum: 120 })),
    final: Actions,
  },
  { additionalProperties: false },
);

export const MailboxSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    email: Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), { minItems: 1 }),
    attachAudio: Type.Optional(Type.Boolean({ description: 'Attach the WAV (patient data); default false: notification only' })),
    maxLength: Type.Optional(Type.Integer({ minimum: 10, maximum: 900 })),
    greeting: Type.Optional(PromptRef),
    site: Type.Optional(Id),
    transcribe: Type.Optional(
      Type.Boolean({
        description: "Transcribe each message on this server (the transcription section) and email the transcript after the voicemail's own email; default false. Its words go in the email only with attachAudio: true",
      }),
    ),
  },
  { additionalProperties: false },
);

const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' });

/** Offline transcription of voicemail (mailboxes with transcribe: true): the engine, its limits, and the words that flag a message urgent. */
export const TranscriptionSchema = Type.Object(
  {
    engine: Type.Optional(
      Type.Union([Type.Literal('pocketsphinx'), Type.Literal('whisper')], {
        description: "pocketsphinx (default; Debian's package, no model file needed) or whisper (whisper.cpp; needs model)",
      }),
    ),
    model: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The whisper model file already on this server (e.g. /var/lib/pbx-router/ggml-base.en.bin), relative to this file or absolute; required for whisper; nothing is ever downloaded',
      }),
    ),
    timeout: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600, description: 'Seconds one transcription may take before it is given up as failed (default 120)' })),
    urgentWords: Type.Optional(
      Type.Array(Type.String(), {
        description: "Words and phrases that flag a message urgent when its transcript has them (whole words, any case, can't = cant); default a clinical list (chest pain, can't breathe, bleeding...); [] flags nothing",
      }),
    ),
    onUrgent: Type.Optional(
      Type.Object(
        {
          email: Type.Array(Email, {
            minItems: 1,
            description: "Who also gets a short notice (no caller number, no words) when a transcript flags a message urgent, e.g. an on-call pager's email gateway",
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'Voicemail transcription on the clinic server (off unless a mailbox has transcribe: true)' },
);

export const RingGroupSchema = Type.Object(
  {
    agents: Type.Array(Id, { minItems: 1 }),
    strategy: Type.Optional(Type.Union([Type.Literal('ring-all'), Type.Literal('hunt')])),
    ringTimeout: Type.Optional(Type.Integer({ minimum: 5, maximum: 300 })),
    noAnswer: Actions,
  },
  { additionalProperties: false },
);

export const CallbackListSchema = Type.Object(
  {
    site: Id,
    reasons: Type.Record(Type.String({ pattern: '^[0-9]$' }), Id, { description: 'Digit to reason' }),
    prompt: Type.Optional(PromptRef),
    webhook: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  { additionalProperties: false },
);

export const OutboundSchema = Type.Object(
  {
    // One target only: & (several targets), comma (Dial options), | and spaces separate things in
    // an Asterisk dial string, and ${...} would expand a channel variable.
    trunk: Type.String({
      pattern: '^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.+@:/=;-]*\\{number\\}[A-Za-z0-9_.+@:/=;-]*$',
      description: 'One dial target for external numbers, with {number}, e.g. PJSIP/{number}@carrier; only letters, digits and _ . + - @ : / = ; (no &, comma, | or spaces: they add targets or Dial options)',
    }),
    callerId: E164,
    country: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Home country code (default 1)' })),
    allowInternational: Type.Optional(Type.Boolean()),
    allowPremium: Type.Optional(Type.Boolean()),
    maxForwardsPerNumberPerHour: Type.Optional(Type.Integer({ minimum: 1 })),
    carrier: Type.Optional(
      Type.Object(
        {
          host: Type.String({
            pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$',
            description: "The carrier's SIP server (name or IPv4 address): calls from it are inbound calls, and forwards go to it",
          }),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'SIP port (default 5060)' })),
          match: Type.Optional(
            Type.Array(Type.String({ pattern: '^[A-Za-z0-9.:/-]+$' }), {
              minItems: 1,
              description: 'Addresses or networks the carrier sends calls from, when not only host (e.g. 203.0.113.0/24)',
            }),
          ),
          outboundAuth: Type.Optional(
            Type.String({
              pattern: '^[A-Za-z0-9_-]+$',
              description: 'A carrier that authenticates: the name of the auth section (with its password) you write in generated/carrier.conf',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'The SIP trunk that `pbx-router asterisk-config` writes for the endpoint named carrier (generated/pjsip-carrier.conf)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const HeaderName = Type.String({ pattern: '^[A-Za-z0-9-]+$', description: 'An HTTP header name' });

/** The SMS provider: a generic HTTP API (Twilio-compatible Messages API, a JSON webhook, ...). Credentials come from the secrets file. */
export const SmsProviderSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'Where each message is POSTed' }),
    auth: Type.Union([Type.Literal('basic'), Type.Literal('bearer'), Type.Literal('none')], {
      description: 'basic: SMS_PROVIDER_USER and SMS_PROVIDER_PASSWORD; bearer: SMS_PROVIDER_TOKEN; both from the secrets file or the environment, never from this file',
    }),
    body: Type.Union([Type.Literal('form'), Type.Literal('json')], { description: 'form: application/x-www-form-urlencoded; json: a JSON object' }),
    fields: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.\\[\\]-]+$' }), Type.String(), {
      minProperties: 1,
      description: 'The body: field name to a template with {to}, {from}, {text} and {key} (the idempotency key), e.g. To: "{to}"',
    }),
    idField: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$', description: "Where the provider's message id is in its JSON answer, e.g. sid (default id)" })),
    idempotencyHeader: Type.Optional(
      Type.Union([HeaderName, Type.Literal(false)], {
        description:
          'The header carrying a key unique to each message, the same on every retry (default Idempotency-Key; Twilio: I-Twilio-Idempotency-Token). false: the provider has none, so a send that timed out is not retried (it may have been sent)',
      }),
    ),
    timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'Seconds to wait for an answer (default 10)' })),
  },
  { additionalProperties: false },
);

/** Messages texted to callers, each one text per language (or one text in the clinic language). */
export const SmsMessages = Type.Record(
  Id,
  Type.Union([
    Type.String({ minLength: 1, description: 'The text, in the clinic language' }),
    Type.Record(Language, Type.String({ minLength: 1 }), { minProperties: 1, description: 'The text per language' }),
  ]),
  { description: 'Message id to text; placeholders {clinic}, {site} and {nextOpening}; never patient data' },
);

export const SmsSchema = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 20, description: 'The sender: an E.164 number the provider lets you send from, or a sender id' }),
    country: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Home country code: only its numbers get a text (default outbound.country, else 1)' })),
    maxPerNumberPerHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Texts to one number in any hour at most (default 2)' })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Tries before a message is given up as failed (default 5)' })),
    provider: SmsProviderSchema,
    messages: SmsMessages,
  },
  {
    additionalProperties: false,
    description: 'Texting callers (SMS deflection): who may get a text, the provider, and the messages. Opt-outs are kept per site in the database',
  },
);

const Named = <T extends TSchema>(s: T) => Type.Record(Id, s);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Optional(Type.Literal(1)),
    clinic: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          language: Type.Optional(Language),
          languageSkills: Type.Optional(
            Type.Record(Language, Type.String(), {
              description: 'A language and the agent skill that speaks it, e.g. es: spanish',
            }),
          ),
          entry: Type.Optional(doc(Id, 'The rule set every inbound call starts in (default inbound)')),
        },
        { additionalProperties: false },
      ),
    ),
    outbound: Type.Optional(OutboundSchema),
    retention: Type.Optional(
      Type.Object(
        {
          voicemailDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Days a voicemail recording is kept before it is purged (default 30)' })),
        },
        { additionalProperties: false, description: 'How long patient data is kept' },
      ),
    ),
    failsafe: Type.Optional(
      Type.Object(
        {
          email: Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), {
            minItems: 1,
            description: 'Who is emailed (once per message) about messages callers left in the failsafe box 100@default while the engine was down',
          }),
        },
        { additionalProperties: false, description: 'The failsafe voicemail box: the engine reads it through AMI and emails each new message once' },
      ),
    ),
    sites: Type.Optional(Named(SiteSchema)),
    schedules: Type.Optional(Named(ScheduleSchema)),
    agents: Type.Optional(Named(AgentSchema)),
    queues: Type.Optional(Named(QueueSchema)),
    menus: Type.Optional(Named(MenuSchema)),
    rosters: Type.Optional(Named(RosterSchema)),
    mailboxes: Type.Optional(Named(MailboxSchema)),
    ringGroups: Type.Optional(Named(RingGroupSchema)),
    callbacks: Type.Optional(Named(CallbackListSchema)),
    routes: Type.Optional(Named(Type.Array(RuleSchema, { minItems: 1 }))),
    prompts: Type.Optional(PromptTexts),
    sms: Type.Optional(SmsSchema),
    transcription: Type.Optional(TranscriptionSchema),
  },
  { additionalProperties: false, title: 'pbx-router routing configuration' },
);

export type Config = Static<typeof ConfigSchema>;
export type SiteConfig = Static<typeof SiteSchema>;
export type ScheduleConfig = Static<typeof ScheduleSchema>;
export type AgentConfig = Static<typeof AgentSchema>;
export type QueueConfig = Static<typeof QueueSchema>;
export type MenuConfig = Static<typeof MenuSchema>;
export type RosterConfig = Static<typeof RosterSchema>;
export type MailboxConfig = Static<typeof MailboxSchema>;
export type RingGroupConfig = Static<typeof RingGroupSchema>;
export type CallbackListConfig = Static<typeof CallbackListSchema>;
export type OutboundConfig = Static<typeof OutboundSchema>;
export type PromptConfig = Static<typeof PromptRef>;
export type PromptTextsConfig = Static<typeof PromptTexts>;
export type SmsConfig = Static<typeof SmsSchema>;
export type SmsProviderConfig = Static<typeof SmsProviderSchema>;
export type TranscriptionConfig = Static<typeof TranscriptionSchema>;

/**
 * TypeBox's Record leaves keys that match no pattern allowed; a map keyed by id (or digit, language,
 * skill) must reject them, so that `Front Desk:` or option `"10"` is an error and not silently ignored.
 */
function closeRecords<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => closeRecords(s)) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeRecords(v);
  if (out.patternProperties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out as T;
}

/** The schema with every map keyed by id, digit, language or skill closed to other keys. */
export const CLOSED_CONFIG_SCHEMA = closeRecords(JSON.parse(JSON.stringify(ConfigSchema)) as typeof ConfigSchema);

/** The JSON Schema document (draft-07) written to schema/pbx-router.schema.json. */
export function jsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://pbx-router.local/schema/pbx-router.schema.json',
    ...CLOSED_CONFIG_SCHEMA,
  };
}
