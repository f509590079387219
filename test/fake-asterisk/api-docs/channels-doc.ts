/** The channel operations pbx-router uses, and the Channel model (written for the fake). */
import { model, op, param, pathParam, type ResourceDoc, type SwaggerParam } from './swagger.js';

const id = pathParam('channelId', 'Channel id.');
const vars = param('variables', 'body', 'containers', 'Body object whose "variables" key holds channel variables.');
const timeout = param('timeout', 'query', 'int', 'Seconds to dial before giving up (-1: no limit).', { dflt: 30 });

/** Originate parameters (the endpoint is required; app or extension decides what answers). */
function originateParams(withIdInPath: boolean): SwaggerParam[] {
  const p = [
    param('endpoint', 'query', 'string', 'Dial string, e.g. PJSIP/1001.', { required: true }),
    param('extension', 'query', 'string', 'Extension to run once answered.'),
    param('context', 'query', 'string', 'Context for the extension.'),
    param('priority', 'query', 'long', 'Priority for the extension.'),
    param('label', 'query', 'string', 'Label for the extension.'),
    param('app', 'query', 'string', 'Stasis application that receives the answered channel.'),
    param('appArgs', 'query', 'string', 'Comma separated application arguments.'),
    param('callerId', 'query', 'string', 'Caller id for the call.'),
    timeout,
    vars,
  ];
  if (withIdInPath) p.splice(0, 0, id);
  else p.push(param('channelId', 'query', 'string', 'Id to give the new channel.'));
  p.push(
    param('otherChannelId', 'query', 'string', 'Id of the second half of a Local channel.'),
    param('originator', 'query', 'string', 'Id of the calling channel.'),
    param('formats', 'query', 'string', 'Format names, e.g. "ulaw,alaw".'),
  );
  return p;
}

const playParams = (withId: boolean): SwaggerParam[] => [
  id,
  ...(withId ? [pathParam('playbackId', 'Playback id.')] : []),
  param('media', 'query', 'string', 'Media URIs (sound:, recording:, number:, digits:, characters:, tone:).', { required: true, multi: true }),
  param('lang', 'query', 'string', 'Language of the sounds.'),
  param('offsetms', 'query', 'int', 'Milliseconds to skip at the start.'),
  param('skipms', 'query', 'int', 'Milliseconds to skip on forward/reverse.', { dflt: 3000 }),
  ...(withId ? [] : [param('playbackId', 'query', 'string', 'Id to give the playback.')]),
];

export const channelsDoc: ResourceDoc = {
  name: 'channels',
  description: 'Channel resources',
  swaggerVersion: '1.1',
  apis: [
    {
      path: '/channels',
      description: 'Channels',
      operations: [op('GET', 'list', 'List[Channel]', 'List the active channels.'), op('POST', 'originate', 'Channel', 'Originate a call.', originateParams(false))],
    },
    {
      path: '/channels/create',
      description: 'Create a channel without dialling it',
      operations: [
        op('POST', 'create', 'Channel', 'Create a channel that enters the application at once.', [
          param('endpoint', 'query', 'string', 'Dial string.', { required: true }),
          param('app', 'query', 'string', 'Stasis application.', { required: true }),
          param('appArgs', 'query', 'string', 'Comma separated application arguments.'),
          param('channelId', 'query', 'string', 'Id to give the new channel.'),
          param('otherChannelId', 'query', 'string', 'Id of the second half of a Local channel.'),
          param('originator', 'query', 'string', 'Id of the calling channel.'),
          param('formats', 'query', 'string', 'Format names.'),
          vars,
        ]),
      ],
    },
    {
      path: '/channels/{channelId}',
      description: 'One channel',
      operations: [
        op('GET', 'get', 'Channel', 'Channel details.', [id]),
        op('POST', 'originateWithId', 'Channel', 'Originate a call with the given id.', originateParams(true)),
        op('DELETE', 'hangup', 'void', 'Hang up a channel.', [
          id,
          param('reason_code', 'query', 'string', 'Q.850 cause to hang up with.'),
          param('reason', 'query', 'string', 'Reason to hang up with.', {
            values: ['normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated', 'normal_unspecified', 'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere'],
          }),
        ]),
      ],
    },
    {
      path: '/channels/{channelId}/continue',
      description: 'Leave the application',
      operations: [
        op('POST', 'continueInDialplan', 'void', 'Continue in the dialplan.', [
          id,
          param('context', 'query', 'string', 'Context.'),
          param('extension', 'query', 'string', 'Extension.'),
          param('priority', 'query', 'int', 'Priority.'),
          param('label', 'query', 'string', 'Label.'),
        ]),
      ],
    },
    { path: '/channels/{channelId}/answer', description: 'Answer', operations: [op('POST', 'answer', 'void', 'Answer a channel.', [id])] },
    {
      path: '/channels/{channelId}/ring',
      description: 'Ringing indication',
      operations: [op('POST', 'ring', 'void', 'Indicate ringing.', [id]), op('DELETE', 'ringStop', 'void', 'Stop ringing.', [id])],
    },
    {
      path: '/channels/{channelId}/moh',
      description: 'Music on hold',
      operations: [op('POST', 'startMoh', 'void', 'Play music on hold.', [id, param('mohClass', 'query', 'string', 'MOH class.')]), op('DELETE', 'stopMoh', 'void', 'Stop music on hold.', [id])],
    },
    { path: '/channels/{channelId}/play', description: 'Play media', operations: [op('POST', 'play', 'Playback', 'Play media to a channel.', playParams(false))] },
    { path: '/channels/{channelId}/play/{playbackId}', description: 'Play media with an id', operations: [op('POST', 'playWithId', 'Playback', 'Play media with the given playback id.', playParams(true))] },
    {
      path: '/channels/{channelId}/record',
      description: 'Record',
      operations: [
        op('POST', 'record', 'LiveRecording', 'Record audio from a channel.', [
          id,
          param('name', 'query', 'string', 'Recording name.', { required: true }),
          param('format', 'query', 'string', 'File format, e.g. wav.', { required: true }),
          param('maxDurationSeconds', 'query', 'int', 'Longest recording (0: no limit).', { dflt: 0 }),
          param('maxSilenceSeconds', 'query', 'int', 'Silence that ends it (0: no limit).', { dflt: 0 }),
          param('ifExists', 'query', 'string', 'What to do with an existing recording.', { dflt: 'fail', values: ['fail', 'overwrite', 'append'] }),
          param('beep', 'query', 'boolean', 'Beep first.', { dflt: false }),
          param('terminateOn', 'query', 'string', 'DTMF that ends the recording.', { dflt: 'none', values: ['none', 'any', '*', '#'] }),
        ]),
      ],
    },
    {
      path: '/channels/{channelId}/variable',
      description: 'Channel variables',
      operations: [
        op('GET', 'getChannelVar', 'Variable', 'Read a variable or function.', [id, param('variable', 'query', 'string', 'Name.', { required: true })]),
        op('POST', 'setChannelVar', 'void', 'Set a variable or function.', [
          id,
          param('variable', 'query', 'string', 'Name.', { required: true }),
          param('value', 'query', 'string', 'Value.'),
          param('report_events', 'query', 'boolean', 'Report changes in events.', { dflt: false }),
        ]),
      ],
    },
    {
      path: '/channels/{channelId}/dial',
      description: 'Dial a created channel',
      operations: [op('POST', 'dial', 'void', 'Dial a channel made by create.', [id, param('caller', 'query', 'string', 'Calling channel id.'), param('timeout', 'query', 'int', 'Seconds to ring (0: no limit).', { dflt: 0 })])],
    },
  ],
  models: {
    CallerID: model('CallerID', 'Caller identification', { name: ['string', true], number: ['string', true] }),
    DialplanCEP: model('DialplanCEP', 'Dialplan location', { context: ['string', true], exten: ['string', true], priority: ['long', true], app_name: ['string', true], app_data: ['string', true] }),
    Channel: model('Channel', 'A channel', {
      id: ['string', true],
      protocol_id: ['string', true],
      name: ['string', true],
      state: ['string', true],
      caller: ['CallerID', true],
      connected: ['CallerID', true],
      accountcode: ['string', true],
      dialplan: ['DialplanCEP', true],
      creationtime: ['Date', true],
      language: ['string', true],
      channelvars: ['object', false],
    }),
  },
};
