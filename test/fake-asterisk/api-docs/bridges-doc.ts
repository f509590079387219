/** The bridge operations pbx-router uses, and the Bridge model (written for the fake). */
import { model, op, param, pathParam, type ResourceDoc, type SwaggerParam } from './swagger.js';

const id = pathParam('bridgeId', 'Bridge id.');
const vars = param('variables', 'body', 'containers', 'Body object whose "variables" key holds bridge variables.');

const createParams = (withId: boolean): SwaggerParam[] => [
  param('type', 'query', 'string', 'Comma separated features: mixing, holding, dtmf_events, proxy_media, video_sfu, video_single, sdp_label.'),
  withId ? id : param('bridgeId', 'query', 'string', 'Id to give the bridge.'),
  param('name', 'query', 'string', 'Name of the bridge.'),
  vars,
];

const playParams = (withId: boolean): SwaggerParam[] => [
  id,
  ...(withId ? [pathParam('playbackId', 'Playback id.')] : []),
  param('media', 'query', 'string', 'Media URIs.', { required: true, multi: true }),
  param('announcer_format', 'query', 'string', 'Format of the announcer channel.'),
  param('lang', 'query', 'string', 'Language of the sounds.'),
  param('offsetms', 'query', 'int', 'Milliseconds to skip at the start.'),
  param('skipms', 'query', 'int', 'Milliseconds to skip on forward/reverse.', { dflt: 3000 }),
  ...(withId ? [] : [param('playbackId', 'query', 'string', 'Id to give the playback.')]),
];

export const bridgesDoc: ResourceDoc = {
  name: 'bridges',
  description: 'Bridge resources',
  swaggerVersion: '1.1',
  apis: [
    {
      path: '/bridges',
      description: 'Bridges',
      operations: [op('GET', 'list', 'List[Bridge]', 'List the bridges.'), op('POST', 'create', 'Bridge', 'Create a bridge.', createParams(false))],
    },
    {
      path: '/bridges/{bridgeId}',
      description: 'One bridge',
      operations: [
        op('POST', 'createWithId', 'Bridge', 'Create a bridge with the given id.', createParams(true)),
        op('GET', 'get', 'Bridge', 'Bridge details.', [id]),
        op('DELETE', 'destroy', 'void', 'Destroy a bridge (its channels stay in the application).', [id]),
      ],
    },
    {
      path: '/bridges/{bridgeId}/addChannel',
      description: 'Add channels',
      operations: [
        op('POST', 'addChannel', 'void', 'Add channels to a bridge.', [
          id,
          param('channel', 'query', 'string', 'Channel ids.', { required: true, multi: true }),
          param('role', 'query', 'string', 'Role of the channels.'),
          param('absorbDTMF', 'query', 'boolean', 'Absorb DTMF from these channels.', { dflt: false }),
          param('mute', 'query', 'boolean', 'Mute these channels.', { dflt: false }),
          param('inhibitConnectedLineUpdates', 'query', 'boolean', 'Do not update connected line.', { dflt: false }),
        ]),
      ],
    },
    {
      path: '/bridges/{bridgeId}/removeChannel',
      description: 'Remove channels',
      operations: [op('POST', 'removeChannel', 'void', 'Remove channels from a bridge.', [id, param('channel', 'query', 'string', 'Channel ids.', { required: true, multi: true })])],
    },
    {
      path: '/bridges/{bridgeId}/moh',
      description: 'Music on hold',
      operations: [op('POST', 'startMoh', 'void', 'Play music on hold to the bridge.', [id, param('mohClass', 'query', 'string', 'MOH class.')]), op('DELETE', 'stopMoh', 'void', 'Stop music on hold.', [id])],
    },
    { path: '/bridges/{bridgeId}/play', description: 'Play media', operations: [op('POST', 'play', 'Playback', 'Play media to a bridge.', playParams(false))] },
    { path: '/bridges/{bridgeId}/play/{playbackId}', description: 'Play media with an id', operations: [op('POST', 'playWithId', 'Playback', 'Play media to a bridge with the given playback id.', playParams(true))] },
  ],
  models: {
    Bridge: model('Bridge', 'A bridge', {
      id: ['string', true],
      technology: ['string', true],
      bridge_type: ['string', true],
      bridge_class: ['string', true],
      creator: ['string', true],
      name: ['string', true],
      channels: ['List[string]', true],
      video_mode: ['string', false],
      video_source_id: ['string', false],
      creationtime: ['Date', true],
    }),
  },
};
