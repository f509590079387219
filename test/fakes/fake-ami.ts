/**
 * A fake Asterisk Manager Interface speaking the real protocol as Asterisk 22.10.1 does (see
 * shared/asterisk/recorded-22.10.1/ami/): the greeting line without a blank line after it, Login
 * with Response/Message then FullyBooted and SuccessfulAuth, list actions with `EventList: start`
 * and a `...Complete` event, Ping/Pong, CRLF line ends, and a wrong secret answered after about a
 * second with "Authentication failed" and a closed connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

type Fields = [string, string][];

/** A message in an Asterisk voicemail box as VoicemailBoxSummary reports it (app_voicemail.c, 22.10.1). */
export interface FakeVoicemailMessage {
  /** `msg_id`: `<epoch seconds>-<8 hex digits>` (generate_msg_id). */
  readonly id: string;
  readonly folder: 'INBOX' | 'Old' | 'Urgent' | 'Work' | 'Family' | 'Friends';
  /** `"Name" <number>`, a bare number, or `Unknown`. */
  readonly callerId: string;
  /** `origdate`: get_date()'s `%a %b %e %r UTC %Y`, e.g. `Tue Nov 24 07:05:03 PM UTC 2026`. */
  readonly date: string;
  readonly duration: number;
  readonly flag?: '' | 'Urgent';
}

/** origdate as app_voicemail writes it (get_date: strftime "%a %b %e %r UTC %Y" in UTC, C locale). */
export function origdate(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]!;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(h % 12 || 12)}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} UTC ${d.getUTCFullYear()}`;
}

export class FakeAmi {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private readonly authed = new Set<Socket>();
  readonly devices = new Map<string, string>();
  /** Voicemail boxes (`100@default`) and their messages, folder by folder in the order given. */
  readonly voicemail = new Map<string, FakeVoicemailMessage[]>();
  private msgCounter = 0;
  /** Actions received, for inspection. */
  readonly actions: Record<string, string>[] = [];

  /**
   * `write`: the user's write classes as in manager.conf. Asterisk refuses DeviceStateList with
   * "Permission denied" unless they include call or reporting (or all).
   */
  constructor(
    private readonly user = 'router',
    private readonly secret = 'ami-secret',
    private readonly write = 'reporting',
  ) {
    // The shipped voicemail.conf defines the failsafe box, empty until a caller leaves a message.
    this.voicemail.set('100@default', []);
  }

  /** Listens on 127.0.0.1 (port 0: any free port); resolves with the port. */
  async start(port = 0): Promise<number> {
    this.server = createServer((s) => this.accept(s));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Drops every connection without a goodbye (Asterisk restarting, a network cut). */
  dropAll(): void {
    for (const c of this.clients) c.destroy();
  }

  /** A device changes state; logged-in clients get DeviceStateChange. */
  deviceState(device: string, state: string): void {
    this.devices.set(device, state);
    this.broadcast([['Event', 'DeviceStateChange'], ['Privilege', 'call,all'], ['Device', device], ['State', state]]);
  }

  /** A contact changes (Removed on unregister), as ContactStatus. */
  contactStatus(endpoint: string, status: 'Created' | 'Removed' | 'Reachable' | 'Unreachable' | 'NonQualified'): void {
    this.broadcast([['Event', 'ContactStatus'], ['Privilege', 'system,all'], ['URI', `sip:${endpoint}@127.0.0.1:5102`], ['ContactStatus', status], ['AOR', endpoint], ['EndpointName', endpoint], ['RoundtripUsec', '0']]);
  }

  /**
   * A caller leaves a message in a box (VoiceMail() in the failsafe dialplan): the box holds it and
   * logged-in clients get MessageWaiting, as Asterisk 22.10.1 sends it when the caller's channel
   * leaves it (A6 transcript): the channel snapshot first, then Mailbox, Waiting, New, Old.
   */
  leaveVoicemail(box: string, m: { callerId: string; at: number; duration: number; folder?: FakeVoicemailMessage['folder'] }): FakeVoicemailMessage {
    const message: FakeVoicemailMessage = {
      id: `${Math.floor(m.at / 1000)}-${(this.msgCounter++).toString(16).padStart(8, '0')}`,
      folder: m.folder ?? 'INBOX',
      callerId: m.callerId,
      date: origdate(m.at),
      duration: m.duration,
      flag: m.folder === 'Urgent' ? 'Urgent' : '',
    };
    const messages = [...(this.voicemail.get(box) ?? []), message];
    this.voicemail.set(box, messages);
    const count = (f: (x: FakeVoicemailMessage) => boolean) => String(messages.filter(f).length);
    const name = /"([^"]*)"/.exec(m.callerId)?.[1] ?? '<unknown>';
    const num = /<([^>]*)>/.exec(m.callerId)?.[1] ?? (/^\+?\d+$/.test(m.callerId) ? m.callerId : '<unknown>');
    const uniqueid = `${Math.floor(m.at / 1000)}.${this.msgCounter}`;
    this.broadcast([
      ['Event', 'MessageWaiting'],
      ['Privilege', 'call,all'],
      ['Channel', `PJSIP/carrier-${String(this.msgCounter).padStart(8, '0')}`],
      ['ChannelState', '6'],
      ['ChannelStateDesc', 'Up'],
      ['CallerIDNum', num],
      ['CallerIDName', name],
      ['ConnectedLineNum', '<unknown>'],
      ['ConnectedLineName', '<unknown>'],
      ['Language', 'en'],
      ['AccountCode', ''],
      ['Context', 'router-failsafe'],
      ['Exten', 's'],
      ['Priority', '8'],
      ['Uniqueid', uniqueid],
      ['Linkedid', uniqueid],
      ['Mailbox', box],
      ['Waiting', messages.some((x) => x.folder === 'INBOX' || x.folder === 'Urgent') ? '1' : '0'],
      ['New', count((x) => x.folder === 'INBOX' || x.folder === 'Urgent')],
      ['Old', count((x) => x.folder === 'Old')],
    ]);
    return message;
  }

  private broadcast(fields: Fields): void {
    for (const c of this.authed) send(c, fields);
  }

  private accept(s: Socket): void {
    this.clients.add(s);
    s.on('close', () => {
      this.clients.delete(s);
      this.authed.delete(s);
    });
    s.on('error', () => {});
    s.write('Asterisk Call Manager/11.0.0\r\n');
    let buffer = '';
    s.on('data', (d) => {
      buffer += d.toString('utf8');
      let i: number;
      while ((i = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(buffer.slice(i).match(/^\r?\n\r?\n/)![0].length + i);
        const action: Record<string, string> = {};
        for (const line of block.split(/\r?\n/)) {
          const at = line.indexOf(':');
          if (at > 0) action[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
        }
        this.actions.push(action);
        this.handle(s, action);
      }
    });
  }

  private handle(s: Socket, a: Record<string, string>): void {
    const id: Fields = a.actionid ? [['ActionID', a.actionid]] : [];
    const name = (a.action ?? '').toLowerCase();
    if (name === 'login') {
      if (a.username === this.user && a.secret === this.secret) {
        this.authed.add(s);
        send(s, [['Response', 'Success'], ...id, ['Message', 'Authentication accepted']]);
        send(s, [['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', '264'], ['LastReload', '264'], ['Status', 'Fully Booted']]);
        send(s, [['Event', 'SuccessfulAuth'], ['Privilege', 'security,all'], ['Service', 'AMI'], ['AccountID', this.user]]);
      } else {
        setTimeout(() => {
          send(s, [['Response', 'Error'], ...id, ['Message', 'Authentication failed']]);
          s.end();
        }, 1000);
      }
      return;
    }
    if (!this.authed.has(s)) return send(s, [['Response', 'Error'], ...id, ['Message', 'Permission denied']]);
    if (name === 'ping') return send(s, [['Response', 'Success'], ...id, ['Ping', 'Pong'], ['Timestamp', (Date.now() / 1000).toFixed(6)]]);
    if (name === 'devicestatelist') {
      const classes = this.write.split(',').map((c) => c.trim());
      if (!classes.some((c) => c === 'call' || c === 'reporting' || c === 'all')) return send(s, [['Response', 'Error'], ...id, ['Message', 'Permission denied']]);
      send(s, [['Response', 'Success'], ...id, ['EventList', 'start'], ['Message', 'Device State Changes will follow']]);
      for (const [device, state] of this.devices) send(s, [['Event', 'DeviceStateChange'], ...id, ['Device', device], ['State', state]]);
      return send(s, [['Event', 'DeviceStateListComplete'], ...id, ['EventList', 'Complete'], ['ListItems', String(this.devices.size)]]);
    }
    if (name === 'voicemailboxsummary') return this.boxSummary(s, a, id);
    if (name === 'logoff') {
      send(s, [['Response', 'Goodbye'], ...id, ['Message', 'Thanks for all the fish.']]);
      s.end();
      return;
    }
    send(s, [['Response', 'Error'], ...id, ['Message', 'Invalid/unknown command']]);
  }

  /**
   * VoicemailBoxSummary as manager_get_mailbox_summary answers it: write class call or reporting;
   * both parameters required; an unknown box is a plain Success without a list; otherwise a list
   * ack, one VoicemailBoxDetail per message folder by folder (INBOX, Old, Work... Urgent), and
   * VoicemailBoxDetailComplete. The origtime (epoch) is not part of the answer, only origdate.
   */
  private boxSummary(s: Socket, a: Record<string, string>, id: Fields): void {
    const classes = this.write.split(',').map((c) => c.trim());
    if (!classes.some((c) => c === 'call' || c === 'reporting' || c === 'all')) return send(s, [['Response', 'Error'], ...id, ['Message', 'Permission denied']]);
    if (!a.context || !a.mailbox) return send(s, [['Response', 'Error'], ...id, ['Message', "Need 'Context' and 'Mailbox' parameters."]]);
    const messages = this.voicemail.get(`${a.mailbox}@${a.context}`);
    if (!messages) return send(s, [['Response', 'Success'], ...id, ['Message', 'There is no voicemail user matching the given user.']]);
    send(s, [['Response', 'Success'], ...id, ['EventList', 'start'], ['Message', 'Voicemail box detail will follow']]);
    const folders = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5', 'Deleted', 'Urgent'];
    const ordered = folders.flatMap((f) => messages.filter((m) => m.folder === f));
    for (const m of ordered) {
      send(s, [['Event', 'VoicemailBoxDetail'], ...id, ['Folder', m.folder], ['CallerID', m.callerId], ['Date', m.date], ['Duration', String(m.duration)], ['Flag', m.flag ?? ''], ['ID', m.id]]);
    }
    send(s, [['Event', 'VoicemailBoxDetailComplete'], ...id, ['EventList', 'Complete'], ['ListItems', String(ordered.length)]]);
  }
}

function send(s: Socket, fields: Fields): void {
  if (s.destroyed) return;
  s.write(`${fields.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
}
