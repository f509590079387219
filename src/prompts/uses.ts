/**
 * Every sound a configuration and the engine can play, in each language a call can be in, with
 * where it is used: the clinic's prompts (rules, menus, queue whispers, mailbox greetings),
 * pbx-router's own prompts and the Asterisk core sounds the engine relies on. Pure: a plan in, a
 * list out; `pbx-router prompts list`, `prompts check` and the engine's start check all use it.
 */
import type { Action, Plan, Prompt } from '../routing/types.js';
import { sound } from '../routing/engine.js';
import { CALLBACK_SOUNDS, DEFAULT_GREETING, DIGIT_SOUNDS, languageSound, ONCALL_SOUNDS, POSITION_SOUNDS, QUEUE_CALLBACK_SOUND, reasonSound, SMS_OFFER_SOUNDS, VOICEMAIL_SOUNDS, WAIT_SOUNDS, ENGINE_FOLDER } from './engine-sounds.js';

/** Whose sound it is: the clinic's (its config names it), pbx-router's (shipped), or Asterisk's core sounds. */
export type PromptSource = 'clinic' | 'engine' | 'core';

/** One sound in one language, and everywhere it is played. */
export interface PromptUse {
  readonly sound: string;
  /** The language of the call when it is played (the config's code, e.g. en or es-MX). */
  readonly language: string;
  readonly source: PromptSource;
  readonly where: readonly string[];
  /** False for a sound the config names that this version never plays (a callback list's `prompt`). */
  readonly played: boolean;
}

type Add = (sound: string, languages: readonly string[], where: string, played?: boolean) => void;

/** The languages a call can be in: the clinic's, and every `setLanguage` of the config. */
export function callLanguages(plan: Plan): string[] {
  const out = new Set([plan.clinic.language]);
  for (const list of actionLists(plan)) for (const a of list.actions) if (a.kind === 'set-language') out.add(a.language);
  return [...out];
}

/** Every action list of the plan with a label saying where it is. */
function actionLists(plan: Plan): { label: string; actions: readonly Action[] }[] {
  const out: { label: string; actions: readonly Action[] }[] = [];
  for (const set of plan.ruleSets.values()) for (const r of set.rules) out.push({ label: `rule ${set.id}/"${r.name}"`, actions: r.then });
  for (const m of plan.menus.values()) {
    for (const [key, actions] of m.options) out.push({ label: `menu ${m.id}, key ${key}`, actions });
    out.push({ label: `menu ${m.id}, onInvalid`, actions: m.onInvalid }, { label: `menu ${m.id}, onTimeout`, actions: m.onTimeout });
  }
  for (const q of plan.queues.values()) out.push({ label: `queue ${q.id}, overflow`, actions: q.overflow });
  for (const g of plan.ringGroups.values()) out.push({ label: `ring group ${g.id}, noAnswer`, actions: g.noAnswer });
  for (const r of plan.rosters.values()) out.push({ label: `roster ${r.id}, final`, actions: r.final });
  return out;
}

/** The sound of a prompt for each call language, as the routing core picks it (with its fallbacks). */
function promptUses(plan: Plan, languages: readonly string[], prompt: Prompt, where: string, add: Add, played = true): void {
  for (const language of languages) add(sound({ plan, language }, prompt), [language], where, played);
}

/** Every sound the plan and the engine can play, sorted by source and name. */
export function soundUses(plan: Plan): PromptUse[] {
  const languages = callLanguages(plan);
  const clinic = [plan.clinic.language];
  const uses = new Map<string, { sound: string; language: string; where: string[]; played: boolean }>();
  const add: Add = (name, langs, where, played = true) => {
    if (!name) return;
    for (const language of langs) {
      const key = `${name}\u0000${language}`;
      const u = uses.get(key) ?? { sound: name, language, where: [], played: false };
      if (!u.where.includes(where)) u.where.push(where);
      u.played ||= played;
      uses.set(key, u);
    }
  };
  for (const list of actionLists(plan)) for (const a of list.actions) if (a.kind === 'play') promptUses(plan, languages, a.prompt, list.label, add);
  for (const m of plan.menus.values()) {
    promptUses(plan, languages, m.prompt, `menu ${m.id}, prompt`, add);
    if (m.invalidPrompt) promptUses(plan, languages, m.invalidPrompt, `menu ${m.id}, invalidPrompt`, add);
  }
  for (const q of plan.queues.values()) {
    // The whisper follows the caller's language but is played on the agent's phone, in the phone's own language.
    const whisper = q.whisper;
    if (whisper) for (const l of languages) add(sound({ plan, language: l }, whisper), clinic, `queue ${q.id}, whisper (to the agent)`);
    if (whisper) for (const l of languages) if (l !== plan.clinic.language) add(languageSound(l), clinic, `queue ${q.id}, whisper for a caller in ${l} (to the agent)`);
    if (q.announce.position) for (const s of POSITION_SOUNDS) add(s, languages, `queue ${q.id}, position announcements`);
    if (q.announce.estimatedWait) for (const s of WAIT_SOUNDS) add(s, languages, `queue ${q.id}, estimated-wait announcements`);
    if (q.announce.position || q.announce.estimatedWait) for (const s of DIGIT_SOUNDS) add(s, languages, 'queue announcements (numbers)');
    if (q.callbackKey) add(QUEUE_CALLBACK_SOUND, languages, `queue ${q.id}, * for a callback (list ${q.callbackKey})`);
    if (q.smsOffer) for (const s of Object.values(SMS_OFFER_SOUNDS)) add(s, languages, `queue ${q.id}, text offer (key ${q.smsOffer.digit})`);
  }
  for (const m of plan.mailboxes.values()) {
    if (m.greeting) promptUses(plan, languages, m.greeting, `mailbox ${m.id}, greeting`, add);
    else add(DEFAULT_GREETING, languages, `mailbox ${m.id}, greeting (none in the config: Asterisk's)`);
    for (const s of VOICEMAIL_SOUNDS) add(s, languages, 'every mailbox');
  }
  for (const r of plan.rosters.values()) {
    add(ONCALL_SOUNDS.hold, languages, `roster ${r.id}, caller on hold`);
    if (r.confirm.required) {
      add(ONCALL_SOUNDS.urgent, clinic, `roster ${r.id}, to the clinician who answers`);
      add(`digits/${r.confirm.digit}`, clinic, `roster ${r.id}, the digit to accept`);
    }
  }
  for (const c of plan.callbacks.values()) {
    for (const s of CALLBACK_SOUNDS) add(s, languages, `callback list ${c.id}`);
    for (const [digit, reason] of c.reasons) add(reasonSound(reason), languages, `callback list ${c.id}, reason ${digit}`);
    for (const s of DIGIT_SOUNDS) add(s, languages, 'callback numbers read back');
    if (c.prompt) promptUses(plan, languages, c.prompt, `callback list ${c.id}, prompt (not played: the engine reads the reasons itself)`, add, false);
  }
  const sourceOf = (s: string): PromptSource => (s.startsWith(`${ENGINE_FOLDER}/`) ? 'engine' : isCore(s) ? 'core' : 'clinic');
  const order: Record<PromptSource, number> = { clinic: 0, engine: 1, core: 2 };
  return [...uses.values()]
    .map((u) => ({ ...u, source: sourceOf(u.sound) }))
    .sort((a, b) => order[a.source] - order[b.source] || a.sound.localeCompare(b.sound) || languages.indexOf(a.language) - languages.indexOf(b.language));
}

const CORE = new Set<string>([...POSITION_SOUNDS, ...WAIT_SOUNDS, ...VOICEMAIL_SOUNDS, DEFAULT_GREETING, ...DIGIT_SOUNDS]);

/** A sound of Asterisk's core set that the engine plays (not the clinic's, even when a config names it). */
function isCore(s: string): boolean {
  return CORE.has(s);
}
