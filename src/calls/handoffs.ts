/**
 * The destinations the engine hands a call to once routing has chosen them and they are not the
 * engine's own queues or rings: voicemail now; on-call forwarding and callback capture follow
 * (issue 4). An unbuilt destination rejects, which sends the call to the failsafe dialplan.
 */
import type { HandoffHandler } from './call-engine.js';
import { takeVoicemail, type VoicemailDeps } from './voicemail.js';

/** The handler that carries out voicemail (and, later, forwarding and callbacks). */
export function destinations(d: VoicemailDeps): HandoffHandler {
  return async ({ session, outcome, resume }, engine) => {
    switch (outcome.action) {
      case 'voicemail': {
        const plan = engine.planOf(session.id);
        if (!plan) return;
        await takeVoicemail(plan, session, outcome, d, resume === true);
        engine.finish(session.id, 'voicemail');
        return;
      }
      default:
        throw new Error(`${outcome.action} ${outcome.target ?? ''} is not built yet`);
    }
  };
}
