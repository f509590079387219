/**
 * PJSIP endpoints of the lab (1001-1006 desk phones, `carrier` trunk), their registration,
 * device state and the agent behaviour a test gives them.
 *
 * Asterisk facts (14, 14b, 09): an endpoint with no registered contact cannot be called
 * (originate answers 500 `{"error":"Allocation failed"}` and no event follows); EndpointStateChange
 * goes to apps with an explicit `endpoint:` subscription on register, unregister and whenever its
 * `channel_ids` change, never to subscribeAll apps; GET /deviceStates lists only `Stasis:` custom
 * states (so `[]`).
 */
import type { FakeChannel } from './channel.js';
import { deviceStateChanged, endpointDetailEvent, endpointStateChange } from './events.js';
import type { FakePbx } from './pbx.js';
import type { JsonObject, PartyId } from './types.js';

/** How a called agent (or any called party) behaves. */
export type AgentBehaviour =
  /** Answers after `answer` ms; presses `dtmf` keys (ms after the answer); hangs up after `hangupAfter`. */
  | { readonly answer: number; readonly hangupAfter?: number; readonly dtmf?: readonly { readonly at: number; readonly digit: string }[] }
  | 'busy'
  | 'noanswer'
  | 'congestion'
  | 'unregistered'
  /** Rings until the test calls answerAgent() (registers the phone). */
  | 'manual';

/** One PJSIP endpoint. */
export class FakeEndpoint {
  online: boolean;
  readonly channelIds: string[] = [];
  behaviour: AgentBehaviour | null = null;

  constructor(
    readonly resource: string,
    readonly context: string,
    readonly callerId: PartyId,
    online: boolean,
  ) {
    this.online = online;
  }

  /** ARI Endpoint JSON. */
  toJson(): JsonObject {
    return { technology: 'PJSIP', resource: this.resource, state: this.online ? 'online' : 'offline', channel_ids: [...this.channelIds] };
  }
}

/** The PJSIP endpoints and the behaviours tests gave to called parties. */
export class FakeEndpoints {
  readonly pjsip = new Map<string, FakeEndpoint>();
  /** Behaviours for dial strings that are not endpoints (`Local/x@sim-agent`, `PJSIP/<number>@carrier`). */
  readonly dialBehaviours = new Map<string, AgentBehaviour>();

  constructor(private readonly pbx: FakePbx) {
    const phones = pbx.options.phones ?? ['1001', '1002', '1003', '1004', '1005', '1006'];
    for (const n of phones) this.pjsip.set(n, new FakeEndpoint(n, 'phones', { name: `Desk ${n}`, number: n }, false));
    this.pjsip.set('carrier', new FakeEndpoint('carrier', 'from-carrier', { name: '', number: '' }, true));
  }

  /** Sets how an endpoint or dial string answers; PJSIP endpoints register (or unregister). */
  setBehaviour(endpoint: string, behaviour: AgentBehaviour): void {
    const ep = this.byDialString(endpoint);
    if (!ep || endpoint.includes('@')) {
      this.dialBehaviours.set(endpoint, behaviour);
      return;
    }
    ep.behaviour = behaviour;
    this.setRegistered(ep, behaviour !== 'unregistered');
  }

  /** The behaviour for a dial string, if a test set one. */
  behaviourFor(endpoint: string): AgentBehaviour | null {
    return this.dialBehaviours.get(endpoint) ?? this.byDialString(endpoint)?.behaviour ?? null;
  }

  /** `PJSIP/1001` or `PJSIP/+1555@carrier` -> the endpoint that carries the call. */
  byDialString(endpoint: string): FakeEndpoint | undefined {
    const m = /^PJSIP\/(?:([^@]+)@)?([^@]+)$/.exec(endpoint);
    return m ? this.pjsip.get(m[2] ?? '') : undefined;
  }

  /** Registers or unregisters a phone, with the events of 14 (endpoint, peer, contact, device). */
  setRegistered(ep: FakeEndpoint, online: boolean): void {
    if (ep.online === online) return;
    ep.online = online;
    const ts = this.pbx.ts();
    const json = ep.toJson();
    const contact = { uri: `sip:${ep.resource}@127.0.0.1:5102`, contact_status: online ? 'NonQualified' : 'Removed', aor: ep.resource, roundtrip_usec: '0' };
    this.pbx.emit(endpointStateChange(ts, json));
    this.pbx.emit(endpointDetailEvent('PeerStatusChange', ts, json, 'peer', { peer_status: online ? 'Reachable' : 'Unreachable' }));
    if (online) {
      this.pbx.emit(endpointDetailEvent('ContactStatusChange', ts, json, 'contact_info', contact));
      this.pbx.emit(deviceStateChanged(ts, `PJSIP/${ep.resource}`, 'NOT_INUSE'));
    } else {
      this.pbx.emit(deviceStateChanged(ts, `PJSIP/${ep.resource}`, 'UNAVAILABLE'));
      this.pbx.emit(endpointDetailEvent('ContactStatusChange', ts, json, 'contact_info', contact));
    }
  }

  /** A PJSIP channel of this endpoint appeared or went away. */
  channelsChanged(ep: FakeEndpoint, ch: FakeChannel, added: boolean): void {
    const i = ep.channelIds.indexOf(ch.id);
    if (added && i < 0) ep.channelIds.push(ch.id);
    if (!added && i >= 0) ep.channelIds.splice(i, 1);
    this.pbx.emit(endpointStateChange(this.pbx.ts(), ep.toJson()));
  }

  /** Emits DeviceStateChanged for an endpoint's device. */
  deviceChanged(ep: FakeEndpoint): void {
    this.pbx.emit(deviceStateChanged(this.pbx.ts(), `PJSIP/${ep.resource}`, this.deviceState(`PJSIP/${ep.resource}`)));
  }

  /** ast_device_state() for a device name. */
  deviceState(name: string): string {
    const m = /^PJSIP\/(.+)$/.exec(name);
    if (!m) return name.startsWith('Local/') ? 'NOT_INUSE' : 'INVALID';
    const ep = this.pjsip.get(m[1] ?? '');
    if (!ep) return 'INVALID';
    if (!ep.online) return 'UNAVAILABLE';
    const chans = ep.channelIds.map((id) => this.pbx.channel(id)).filter((c): c is FakeChannel => !!c);
    if (chans.some((c) => c.state === 'Up')) return 'INUSE';
    if (chans.some((c) => c.state === 'Ringing')) return 'RINGING';
    return 'NOT_INUSE';
  }
}
