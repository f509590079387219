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

export class FakeAmi {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private readonly authed = new Set<Socket>();
  readonly devices = new Map<string, string>();
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
  ) {}

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
    if (name === 'logoff') {
      send(s, [['Response', 'Goodbye'], ...id, ['Message', 'Thanks for all the fish.']]);
      s.end();
      return;
    }
    send(s, [['Response', 'Error'], ...id, ['Message', 'Invalid/unknown command']]);
  }
}

function send(s: Socket, fields: Fields): void {
  if (s.destroyed) return;
  s.write(`${fields.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
}
