/**
 * The event socket and the event models the fake sends (written for the fake). ari-client looks
 * every received event's `type` up in these models and throws on an unknown one, so the fake
 * only ever emits the types listed in EVENT_TYPES.
 */
import { model, op, param, type ResourceDoc, type SwaggerModel } from './swagger.js';

type Props = Readonly<Record<string, readonly [string, boolean]>>;

const EVENTS: Readonly<Record<string, Props>> = {
  StasisStart: { args: ['List[string]', true], channel: ['Channel', true], replace_channel: ['Channel', false] },
  StasisEnd: { channel: ['Channel', true] },
  ChannelCreated: { channel: ['Channel', true] },
  ChannelDestroyed: { cause: ['int', true], cause_txt: ['string', true], channel: ['Channel', true] },
  ChannelStateChange: { channel: ['Channel', true] },
  ChannelHangupRequest: { cause: ['int', false], soft: ['boolean', false], channel: ['Channel', true] },
  ChannelDialplan: { channel: ['Channel', true], dialplan_app: ['string', true], dialplan_app_data: ['string', true] },
  ChannelVarset: { variable: ['string', true], value: ['string', true], channel: ['Channel', false] },
  ChannelCallerId: { caller_presentation: ['int', true], caller_presentation_txt: ['string', true], channel: ['Channel', true] },
  ChannelConnectedLine: { channel: ['Channel', true] },
  ChannelDtmfReceived: { digit: ['string', true], duration_ms: ['int', true], channel: ['Channel', true] },
  ChannelEnteredBridge: { bridge: ['Bridge', true], channel: ['Channel', false] },
  ChannelLeftBridge: { bridge: ['Bridge', true], channel: ['Channel', true] },
  BridgeDestroyed: { bridge: ['Bridge', true] },
  Dial: { caller: ['Channel', false], peer: ['Channel', true], forward: ['string', false], dialstring: ['string', false], dialstatus: ['string', true] },
  PlaybackStarted: { playback: ['Playback', true] },
  PlaybackContinuing: { playback: ['Playback', true] },
  PlaybackFinished: { playback: ['Playback', true] },
  RecordingStarted: { recording: ['LiveRecording', true] },
  RecordingFinished: { recording: ['LiveRecording', true] },
  RecordingFailed: { recording: ['LiveRecording', true] },
  DeviceStateChanged: { device_state: ['DeviceState', true] },
  EndpointStateChange: { endpoint: ['Endpoint', true] },
  PeerStatusChange: { endpoint: ['Endpoint', true], peer: ['Peer', true] },
  ContactStatusChange: { endpoint: ['Endpoint', true], contact_info: ['ContactInfo', true] },
  ApplicationReplaced: {},
};

/** The event types the fake may send (and describes). */
export const EVENT_TYPES: readonly string[] = Object.keys(EVENTS);

const eventModels: Record<string, SwaggerModel> = {};
for (const [type, props] of Object.entries(EVENTS)) eventModels[type] = model(type, `${type} event`, props);

export const eventsDoc: ResourceDoc = {
  name: 'events',
  description: 'WebSocket resource',
  swaggerVersion: '1.2',
  apis: [
    {
      path: '/events',
      description: 'Events to applications',
      operations: [
        {
          ...op('GET', 'eventWebsocket', 'Message', 'WebSocket connection for events.', [
            param('app', 'query', 'string', 'Applications to register.', { required: true, multi: true }),
            param('subscribeAll', 'query', 'boolean', 'Send every event to these applications.'),
          ]),
          upgrade: 'websocket',
          websocketProtocol: 'ari',
        },
      ],
    },
  ],
  models: {
    Message: { ...model('Message', 'Base of every message', { type: ['string', true], asterisk_id: ['string', false] }), discriminator: 'type', subTypes: ['Event'] },
    Event: { ...model('Event', 'Base of events to applications', { application: ['string', true], timestamp: ['Date', true] }), subTypes: EVENT_TYPES },
    Peer: model('Peer', 'SIP peer details', { peer_status: ['string', true], cause: ['string', false], address: ['string', false], port: ['string', false], time: ['string', false] }),
    ContactInfo: model('ContactInfo', 'A contact of an AOR', { uri: ['string', true], contact_status: ['string', true], aor: ['string', true], roundtrip_usec: ['string', false] }),
    ...eventModels,
  },
};
