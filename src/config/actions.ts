/** Normalising the config's one-key action objects into the routing core's Action union. */
import type { ActionConfig, PromptConfig } from './schema.js';
import type { Action, Prompt } from '../routing/types.js';

/** Turns a prompt (one sound or one per language) into a language map; `default` for one sound. */
export function toPrompt(p: PromptConfig): Prompt {
  return Object.freeze(typeof p === 'string' ? { default: p } : { ...p });
}

/** Converts one validated action object of the config. */
export function toAction(a: ActionConfig): Action {
  if (a.menu !== undefined) return { kind: 'menu', target: a.menu };
  if (a.queue !== undefined) return { kind: 'queue', target: a.queue };
  if (a.agent !== undefined) return { kind: 'agent', target: a.agent };
  if (a.ringGroup !== undefined) return { kind: 'ring-group', target: a.ringGroup };
  if (a.forward !== undefined) return { kind: 'forward', target: a.forward };
  if (a.voicemail !== undefined) return { kind: 'voicemail', target: a.voicemail };
  if (a.callback !== undefined) return { kind: 'callback', target: a.callback };
  if (a.hangup !== undefined) return { kind: 'hangup' };
  if (a.goto !== undefined) return { kind: 'goto', target: a.goto };
  if (a.site !== undefined) return { kind: 'site', by: a.site.by, site: a.site.site ?? null, overflow: a.site.overflow ?? true };
  if (a.play !== undefined) return { kind: 'play', prompt: toPrompt(a.play) };
  if (a.setPriority !== undefined) return { kind: 'set-priority', priority: a.setPriority };
  if (a.raisePriority !== undefined) return { kind: 'raise-priority', by: a.raisePriority };
  if (a.setLanguage !== undefined) return { kind: 'set-language', language: a.setLanguage };
  if (a.tag !== undefined) return { kind: 'tag', tags: Array.isArray(a.tag) ? a.tag : [a.tag] };
  if (a.sms !== undefined) return { kind: 'sms', message: a.sms };
  throw new Error(`unknown action ${JSON.stringify(a)}`);
}

/** Converts an action list. */
export function toActions(list: readonly ActionConfig[]): readonly Action[] {
  return Object.freeze(list.map(toAction));
}

/** Says an action in the words of the config, e.g. `queue scheduling`. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'hangup':
      return 'hangup';
    case 'site':
      return a.by === 'fixed' ? `site ${a.site ?? '?'}` : `site by ${a.by}${a.overflow ? ' (with overflow)' : ''}`;
    case 'play':
      return `play ${Object.values(a.prompt)[0] ?? ''}`;
    case 'set-priority':
      return `set priority ${a.priority}`;
    case 'raise-priority':
      return `raise priority by ${a.by}`;
    case 'set-language':
      return `set language ${a.language}`;
    case 'tag':
      return `tag ${a.tags.join(', ')}`;
    case 'sms':
      return `sms ${a.message}`;
    default:
      return `${a.kind} ${a.target}`;
  }
}
