/**
 * The sounds the engine plays on its own, beside the clinic's prompts: pbx-router's (shipped in
 * sounds/<lang>/pbx-router/, texts in sounds/engine-prompts.yaml) and Asterisk's core sounds
 * (Debian's asterisk-core-sounds-<lang>-wav). src/calls is where they are played; a test reads
 * src/ for every `pbx-router/...` name so that a new one cannot be left out of this list.
 */

/** Folder (under sounds/<lang>/) of pbx-router's own prompts: the sound names start with it. */
export const ENGINE_FOLDER = 'pbx-router';

/** pbx-router's fixed prompts, by what plays them. */
export const ONCALL_SOUNDS = {
  /** To the caller (in the caller's language) while the on-call clinician is called; music on hold follows. */
  hold: `${ENGINE_FOLDER}/oncall-please-hold`,
  /** To the clinician who answers a forwarded call, followed by `digits/<confirm digit>`. */
  urgent: `${ENGINE_FOLDER}/oncall-urgent-call`,
} as const;

/** Callback capture (`callback:` action), in the order a caller hears them. */
export const CALLBACK_SOUNDS = [
  `${ENGINE_FOLDER}/callback-we-will-call`,
  `${ENGINE_FOLDER}/callback-press-1-or-2`,
  `${ENGINE_FOLDER}/callback-enter-number`,
  `${ENGINE_FOLDER}/callback-number-not-valid`,
  `${ENGINE_FOLDER}/callback-choose-reason`,
  `${ENGINE_FOLDER}/callback-thank-you`,
] as const;

/** To a caller who pressed * in a queue with a callback list: the request keeps their place. */
export const QUEUE_CALLBACK_SOUND = `${ENGINE_FOLDER}/callback-confirmed`;

/** A queue's text offer (`smsOffer`): the offer, then, to a caller who took it, that it was sent (they keep their place). */
export const SMS_OFFER_SOUNDS = { offer: `${ENGINE_FOLDER}/sms-offer`, sent: `${ENGINE_FOLDER}/sms-sent` } as const;

/** Each reason of a callback list is read as `pbx-router/reason-<reason>` and its digit. */
export const reasonSound = (reason: string): string => `${ENGINE_FOLDER}/reason-${reason}`;

/** Whispered to the agent after the queue's whisper when the caller's language is not the clinic's. */
export const languageSound = (language: string): string => `${ENGINE_FOLDER}/language-${language}`;

/** Asterisk's core sounds for queue announcements (src/calls/queues.ts). */
export const POSITION_SOUNDS = ['queue-youarenext', 'queue-thereare', 'queue-callswaiting'] as const;
export const WAIT_SOUNDS = ['queue-holdtime', 'queue-minutes'] as const;

/** Asterisk's core sounds around a voicemail (src/calls/voicemail.ts); vm-intro only for a mailbox without a greeting. */
export const VOICEMAIL_SOUNDS = ['beep', 'vm-goodbye'] as const;
export const DEFAULT_GREETING = 'vm-intro';

/** Digits read one by one (callback numbers, the on-call confirmation digit, announcements' numbers). */
export const DIGIT_SOUNDS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => `digits/${d}`);
