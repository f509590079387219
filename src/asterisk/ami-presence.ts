/**
 * Presence of the desk phones from AMI (asterisk-manager): DeviceStateList at every connect, then
 * DeviceStateChange and ContactStatus events. An unregistered or unreachable phone makes its agent
 * offline; a phone in use for another call makes its agent busy. FullyBooted feeds health.
 * asterisk-manager's own reconnect drops the callbacks of actions in flight, so this module runs
 * its own supervisor (reconnect for ever, capped backoff) and gives every action a timeout.
 * The same connection reads the failsafe voicemail box (VoicemailBoxSummary, MessageWaiting).
 */
import type { BoxMessage } from '../notify/failsafe-box.js';
import AsteriskManager from 'asterisk-manager';
import type { PresenceState } from '../calls/agents.js';

export interface AmiSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly actionTimeoutMs?: number;
}

export type AmiState = 'connecting' | 'connected' | 'disconnected' | 'stopped';


/** Asterisk device states (DeviceStateChange `State:`) as presence. */
export function presenceOf(state: string): PresenceState {
  switch (state.toUpperCase()) {
    case 'NOT_INUSE':
    case 'RINGING':
      return 'reachable';
    case 'INUSE':
    case 'BUSY':
    case 'ONHOLD':
    case 'RINGINUSE':
      return 'in-use';
    default:
      // UNAVAILABLE, INVALID, UNKNOWN: the phone is not registered or not reachable.
      return 'unreachable';
  }
}

const MAX_BACKOFF_MS = 30_000;

type BoxEvent = { readonly actionid?: string; readonly [key: string]: unknown };

export class AmiPresence {
  private manager: ReturnType<typeof AsteriskManager> | null = null;
  private state: AmiState = 'disconnected';
  private stopped = false;
  private delay = 500;
  private booted = false;
  private boxAsks = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private readonly boxWatchers = new Map<string, () => void>();

  constructor(
    private readonly settings: AmiSettings,
    /** Desk phone device (e.g. PJSIP/1001) to agent id. */
    private agentsByDevice: ReadonlyMap<string, string>,
    private readonly onPresence: (agent: string, presence: PresenceState) => void,
    private readonly log: (m: string) => void = () => {},
  ) {}

  /** Every change of the connection state (several nodes: a node's presence counts while it is connected). */
  onState: (s: AmiState) => void = () => {};

  private setState(s: AmiState): void {
    if (this.state === s) return;
    this.state = s;
    this.onState(s);
  }

  /** The connection state and whether Asterisk said it is fully booted (health). */
  health(): { state: AmiState; fullyBooted: boolean } {
    return { state: this.state, fullyBooted: this.booted };
  }

  /**
   * The desk phones of a reloaded config. Connected, it asks for the device list again, so an
   * agent who is new or has another phone gets that phone's presence now, not at its next change.
   */
  setAgents(agentsByDevice: ReadonlyMap<string, string>): void {
    const before = this.agentsByDevice;
    this.agentsByDevice = agentsByDevice;
    const changed = agentsByDevice.size !== before.size || [...agentsByDevice].some(([device, agent]) => before.get(device) !== agent);
    const m = this.manager;
    if (!changed || !m || this.state !== 'connected') return;
    void this.action(m, { action: 'DeviceStateList' }).catch((e: Error) => this.log(`AMI: DeviceStateList after a reload failed: ${e.message}`));
  }

  /**
   * Calls `changed` at every (re)connect and whenever Asterisk says the box (`100@default`)
   * changed (MessageWaiting, read class call): messages left while the engine or AMI was away are
   * noticed at the connect, later ones at once.
   */
  watchMailbox(box: string, changed: () => void): void {
    this.boxWatchers.set(box, changed);
  }

  /**
   * Every message of a voicemail box, all folders (VoicemailBoxSummary, Asterisk 18.20/20.5 and
   * later; write class call or reporting). A box Asterisk does not know answers with no list.
   */
  mailboxSummary(box: string): Promise<BoxMessage[]> {
    const m = this.manager;
    if (!m || this.state !== 'connected') return Promise.reject(new Error(`AMI is ${this.state}; cannot read voicemail box ${box}`));
    const [mailbox, context = 'default'] = box.split('@');
    const actionid = `box-${box}-${Date.now()}-${(this.boxAsks++).toString(36)}`;
    const timeoutMs = this.settings.actionTimeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const found: BoxMessage[] = [];
      const done = (err: Error | null) => {
        clearTimeout(timer);
        m.removeListener('voicemailboxdetail', detail);
        m.removeListener('voicemailboxdetailcomplete', complete);
        if (err) reject(err);
        else resolve(found);
      };
      const timer = setTimeout(() => done(new Error(`VoicemailBoxSummary ${box} got no complete answer within ${timeoutMs} ms`)), timeoutMs);
      const detail = (e: BoxEvent) => {
        if (e.actionid !== actionid) return;
        found.push({ id: String(e.id ?? ''), folder: String(e.folder ?? ''), callerId: String(e.callerid ?? ''), date: String(e.date ?? ''), duration: String(e.duration ?? ''), flag: String(e.flag ?? '') });
      };
      const complete = (e: BoxEvent) => {
        if (e.actionid === actionid) done(null);
      };
      m.on('voicemailboxdetail', detail);
      m.on('voicemailboxdetailcomplete', complete);
      m.action({ action: 'VoicemailBoxSummary', actionid, context, mailbox: mailbox ?? '' }, (err, res) => {
        if (err) return done(new Error(`VoicemailBoxSummary ${box} refused: ${String(err.message ?? 'error')}`));
        // Asterisk acks an unknown box with a plain Success and sends no list.
        if (res?.eventlist === undefined) done(new Error(`VoicemailBoxSummary ${box}: ${String(res?.message ?? 'no list')} (is the box in voicemail.conf?)`));
      });
    });
  }

  /** Connects and stays connected until stop(). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Disconnects for good. */
  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.manager) forget(this.manager);
    this.manager = null;
    this.setState('stopped');
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState('connecting');
    const m = AsteriskManager(null, this.settings.host, this.settings.user, this.settings.password, true);
    this.manager = m;
    let closed = false;
    const lost = (why: string) => {
      if (closed || this.manager !== m) return;
      closed = true;
      this.setState('disconnected');
      this.booted = false;
      forget(m);
      if (this.stopped) return;
      this.log(`AMI: ${why}; reconnecting in ${Math.round(this.delay / 1000)} s`);
      this.retry = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(MAX_BACKOFF_MS, this.delay * 2);
    };
    m.on('close', () => lost('connection closed'));
    m.on('end', () => lost('connection ended'));
    m.on('error', (e) => lost(`connection error ${(e as unknown as Error).message ?? ''}`.trim()));
    m.on('fullybooted', () => (this.booted = true));
    m.on('messagewaiting', (e) => this.boxWatchers.get(String(e.mailbox ?? ''))?.());
    m.on('devicestatechange', (e) => this.device(String(e.device ?? ''), String(e.state ?? '')));
    m.on('contactstatus', (e) => {
      const status = String(e.contactstatus ?? '');
      if (status === 'Removed' || status === 'Unreachable') this.device(`PJSIP/${String(e.endpointname ?? '')}`, 'UNAVAILABLE');
    });
    m.connect(this.settings.port, this.settings.host, (err) => {
      if (err) return lost(`cannot connect to ${this.settings.host}:${this.settings.port}`);
      m.login((loginErr) => {
        if (loginErr) {
          const msg = (loginErr as { message?: string }).message ?? 'login failed';
          return lost(`login as ${this.settings.user} refused: ${msg}`);
        }
        this.setState('connected');
        this.delay = 500;
        this.log('AMI connected');
        void this.action(m, { action: 'DeviceStateList' }).catch((e: Error) => this.log(`AMI: DeviceStateList failed: ${e.message}`));
        for (const changed of this.boxWatchers.values()) changed();
      });
    });
  }

  private device(device: string, state: string): void {
    const agent = this.agentsByDevice.get(device);
    if (agent) this.onPresence(agent, presenceOf(state));
  }

  /** One AMI action with a timeout (a lost connection would otherwise leave it pending for ever). */
  private action(m: ReturnType<typeof AsteriskManager>, action: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${action.action} got no answer within ${this.settings.actionTimeoutMs ?? 5000} ms`)), this.settings.actionTimeoutMs ?? 5000);
      m.action(action, (err) => {
        clearTimeout(timer);
        if (err) reject(new Error(String(err.message ?? 'error')));
        else resolve();
      });
    });
  }
}

/**
 * Drops a manager connection for good. Its socket may still report an error afterwards (a refused
 * or reset connection, "There is no connection yet"): an 'error' event with no listener would end
 * the process, so a silent one stays.
 */
function forget(m: ReturnType<typeof AsteriskManager>): void {
  m.removeAllListeners();
  m.on('error', () => {});
  m.disconnect();
}
