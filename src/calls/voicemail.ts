/**
 * Voicemail's effects (the transitions are in voicemail-session.ts): the mailbox opened, the
 * recording made or taken back after a restart, an empty or failed one deleted, and a message
 * kept: stored with its email in one transaction, then the outbox is flushed (a failed flush is
 * kept in the outbox and retried, never lost). A message of a mailbox that transcribes is stored
 * with its transcript pending and handed to the transcription queue after the flush has started:
 * the message's email never waits for its transcript.
 */
import { voicemailEmail } from '../notify/voicemail-email.js';
import type { Handlers } from './effect-context.js';

export const voicemailEffects: Pick<Handlers, 'open-mailbox' | 'record' | 'await-recording' | 'delete-recording' | 'keep-voicemail'> = {
  'open-mailbox'(ctx, id, live, e) {
    // Without a place to keep the message, the failsafe dialplan's own voicemail takes it.
    if (!ctx.voicemail) return ctx.fail(id, `voicemail ${e.mailbox}: no voicemail store is set up`);
    if (!live.plan.mailboxes.has(e.mailbox)) return ctx.fail(id, `unknown mailbox ${e.mailbox}`);
    ctx.journal.event(id, 'voicemail', { mailbox: e.mailbox });
  },
  record(ctx, id, live, e) {
    const name = e.name;
    ctx.pbx(
      id,
      'voicemail recording',
      ctx.leftQueue(live).then(() => ctx.telephony.record(live.session.channel, name, e.options)).then((result) => ctx.deliver(id, { type: 'recording-ended', name, result })),
    );
  },
  'await-recording'(ctx, id, live, e) {
    const name = e.name;
    ctx.pbx(id, 'voicemail recording', ctx.telephony.awaitRecording(live.session.channel, name).then((result) => ctx.deliver(id, { type: 'recording-ended', name, result })));
  },
  'delete-recording'(ctx, id, live, e) {
    const mailbox = live.session.voicemail?.mailbox ?? live.session.outcome?.target ?? '?';
    if (e.why.startsWith('empty')) ctx.logOf(id).info({ step: 'voicemail-empty', mailbox }, `call ${id}: voicemail for ${mailbox} was ${e.why}; not kept`);
    ctx.rescue.tolerate(ctx.logOf(id), `deleting the recording ${e.name}`, ctx.telephony.deleteRecording(e.name));
  },
  'keep-voicemail'(ctx, id, live, e) {
    const vm = ctx.voicemail;
    const s = live.session;
    const o = s.outcome;
    const mailbox = live.plan.mailboxes.get(e.mailbox);
    if (!vm || !mailbox || o?.action !== 'voicemail') return ctx.fail(id, `voicemail ${e.mailbox}: the message cannot be kept`);
    const site = o.site ? live.plan.sites.get(o.site) : undefined;
    const urgent = o.tags.includes('urgent');
    const reason = urgent ? 'urgent' : s.inputs.length ? `menu keys ${s.inputs.join(',')}` : null;
    const at = ctx.clock.now();
    const transcribe = mailbox.transcribe;
    const facts = { clinic: live.plan.clinic.name, mailbox: mailbox.id, mailboxName: mailbox.name, caller: s.caller, did: s.did, site: o.site, timezone: site?.timezone ?? 'UTC', at, duration: e.result.duration, reason, urgent, attachAudio: mailbox.attachAudio, transcribe };
    const vmId = vm.store.add(
      { callId: id, mailbox: mailbox.id, caller: s.caller, did: s.did, site: o.site, reason, urgent, recording: e.name, duration: e.result.duration, createdAt: at, transcribe },
      { recipients: mailbox.email, attach: mailbox.attachAudio, compose: (n) => voicemailEmail({ ...facts, id: n }) },
    );
    const log = ctx.logOf(id);
    log.info({ step: 'voicemail-kept', voicemail: vmId, mailbox: mailbox.id, seconds: e.result.duration }, `call ${id}: voicemail ${vmId} for ${mailbox.id} kept (${e.result.duration} s); email to ${mailbox.email.length} recipient(s) queued`);
    vm.flush().catch((err: Error) => log.warn({ voicemail: vmId, err }, `voicemail ${vmId}: email flush failed: ${err.message}`));
    if (transcribe) vm.transcribe?.(vmId);
  },
};
