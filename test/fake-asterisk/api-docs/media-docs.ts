/** Playbacks, recordings and sounds as pbx-router uses them (written for the fake). */
import { model, op, pathParam, param, type ResourceDoc } from './swagger.js';

const pb = pathParam('playbackId', 'Playback id.');
const rec = pathParam('recordingName', 'Recording name.');

export const playbacksDoc: ResourceDoc = {
  name: 'playbacks',
  description: 'Playback control resources',
  swaggerVersion: '1.1',
  apis: [
    {
      path: '/playbacks/{playbackId}',
      description: 'One playback',
      operations: [op('GET', 'get', 'Playback', 'Playback details.', [pb]), op('DELETE', 'stop', 'void', 'Stop a playback.', [pb])],
    },
  ],
  models: {
    Playback: model('Playback', 'Media being played', {
      id: ['string', true],
      media_uri: ['string', true],
      next_media_uri: ['string', false],
      target_uri: ['string', true],
      language: ['string', false],
      state: ['string', true],
    }),
  },
};

export const recordingsDoc: ResourceDoc = {
  name: 'recordings',
  description: 'Recording resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/recordings/stored', description: 'Stored recordings', operations: [op('GET', 'listStored', 'List[StoredRecording]', 'List stored recordings.')] },
    {
      path: '/recordings/stored/{recordingName}',
      description: 'One stored recording',
      operations: [op('GET', 'getStored', 'StoredRecording', 'Stored recording details.', [rec]), op('DELETE', 'deleteStored', 'void', 'Delete a stored recording.', [rec])],
    },
    { path: '/recordings/stored/{recordingName}/file', description: 'Recording file', operations: [op('GET', 'getStoredFile', 'binary', 'The file of a stored recording.', [rec])] },
    {
      path: '/recordings/live/{recordingName}',
      description: 'One live recording',
      operations: [op('GET', 'getLive', 'LiveRecording', 'Live recording details.', [rec]), op('DELETE', 'cancel', 'void', 'Stop a live recording and discard it.', [rec])],
    },
    { path: '/recordings/live/{recordingName}/stop', description: 'Stop a recording', operations: [op('POST', 'stop', 'void', 'Stop a live recording and keep it.', [rec])] },
  ],
  models: {
    StoredRecording: model('StoredRecording', 'A recording on disk', { name: ['string', true], format: ['string', true] }),
    LiveRecording: model('LiveRecording', 'A recording in progress', {
      name: ['string', true],
      format: ['string', true],
      target_uri: ['string', true],
      state: ['string', true],
      duration: ['int', false],
      talking_duration: ['int', false],
      silence_duration: ['int', false],
      cause: ['string', false],
    }),
  },
};

export const soundsDoc: ResourceDoc = {
  name: 'sounds',
  description: 'Sound resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/sounds', description: 'Sounds', operations: [op('GET', 'list', 'List[Sound]', 'List the sounds.', [param('lang', 'query', 'string', 'Language.'), param('format', 'query', 'string', 'Format.')])] },
    { path: '/sounds/{soundId}', description: 'One sound', operations: [op('GET', 'get', 'Sound', 'Sound details.', [pathParam('soundId', 'Sound name.')])] },
  ],
  models: {
    FormatLangPair: model('FormatLangPair', 'A format and language of a sound', { language: ['string', true], format: ['string', true] }),
    Sound: model('Sound', 'A sound file', { id: ['string', true], text: ['string', false], formats: ['List[FormatLangPair]', true] }),
  },
};
