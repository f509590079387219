/**
 * The fake AMI against a real Asterisk 22.10.1 for the failsafe box: the A6 transcript (recorded
 * for issue 13 on the shared build, app_voicemail with the box 100@default) is replayed action by
 * action, and the fake's answer to each VoicemailBoxSummary must be the real one line for line;
 * its MessageWaiting must carry the real event's fields in the real order.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAmi, type FakeVoicemailMessage } from './fakes/fake-ami.js';

interface Line {
  readonly kind: 'sent' | 'recv' | 'note';
  readonly line?: string;
}

const transcript = readFileSync(new URL('./fixtures/ari-transcripts/ami/A6-voicemailboxsummary-messagewaiting.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Line);

/** Lines of one direction cut into blank-line separated blocks. */
function blocks(lines: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l === '') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(l);
  }
  if (cur.length) out.push(cur);
  return out;
}

const real = blocks(transcript.filter((l) => l.kind === 'recv').map((l) => l.line!));
const sent = blocks(transcript.filter((l) => l.kind === 'sent').map((l) => l.line!));
const byAction = (bs: string[][], id: string) => bs.filter((b) => b.includes(`ActionID: ${id}`));
const sentAction = (id: string) => sent.find((b) => b.includes(`ActionID: ${id}`))!;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/** Logs in to the fake as `user` and sends `actions` one after the other; returns what came back. */
async function replay(ami: FakeAmi, user: string, secret: string, actions: string[][], between: (i: number) => void = () => {}): Promise<string[][]> {
  const port = await ami.start();
  stops.push(() => ami.stop());
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => (text += d.toString()));
  const send = (lines: string[]) => socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const pause = () => new Promise((r) => setTimeout(r, 100));
  await pause();
  send(['Action: Login', `Username: ${user}`, `Secret: ${secret}`, 'ActionID: login']);
  await pause();
  for (const [i, a] of actions.entries()) {
    between(i);
    send(a);
    await pause();
  }
  socket.destroy();
  return blocks(text.split('\r\n'));
}

describe('fake AMI VoicemailBoxSummary and MessageWaiting = Asterisk 22.10.1 (A6)', () => {
  it('empty box, unknown box, missing Context, one message: the same answers line for line', async () => {
    const ids = ['a6-empty', 'a6-unknown', 'a6-no-context', 'a6-one'];
    // The message the real box held at a6-one, from the transcript's own VoicemailBoxDetail.
    const detail = byAction(real, 'a6-one').find((b) => b[0] === 'Event: VoicemailBoxDetail')!;
    const field = (k: string) => detail.find((l) => l.startsWith(`${k}: `))!.slice(k.length + 2);
    const message: FakeVoicemailMessage = { id: field('ID'), folder: 'INBOX', callerId: field('CallerID'), date: field('Date'), duration: Number(field('Duration')), flag: '' };
    const ami = new FakeAmi();
    const got = await replay(ami, 'router', 'ami-secret', ids.map(sentAction), (i) => {
      if (ids[i] === 'a6-one') ami.voicemail.set('100@default', [message]);
    });
    for (const id of ids) expect(byAction(got, id), id).toEqual(byAction(real, id));
    expect(byAction(real, 'a6-one')).toHaveLength(3);
  });

  it('a user without call or reporting in write: Permission denied, as Asterisk answers', async () => {
    const got = await replay(new FakeAmi('weak', 'ami-secret', 'system'), 'weak', 'ami-secret', [sentAction('a6-denied')]);
    expect(byAction(got, 'a6-denied')).toEqual(byAction(real, 'a6-denied'));
  });

  it('MessageWaiting when a caller leaves a message: the real fields in the real order', async () => {
    const ami = new FakeAmi();
    const port = await ami.start();
    stops.push(() => ami.stop());
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.write('Action: Login\r\nUsername: router\r\nSecret: ami-secret\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    ami.leaveVoicemail('100@default', { callerId: '"Jane Doe" <+15125550123>', at: Date.UTC(2026, 11, 2, 18, 42, 10), duration: 0 });
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    const keys = (b: string[]) => b.map((l) => l.slice(0, l.indexOf(':')));
    const fake = blocks(text.split('\r\n')).find((b) => b[0] === 'Event: MessageWaiting')!;
    const recorded = real.find((b) => b[0] === 'Event: MessageWaiting')!;
    expect(keys(fake)).toEqual(keys(recorded));
    const tail = (b: string[]) => b.slice(-4);
    expect(tail(fake)).toEqual(tail(recorded));
    expect(fake).toEqual(expect.arrayContaining(['CallerIDNum: +15125550123', 'CallerIDName: Jane Doe']));
  });
});
