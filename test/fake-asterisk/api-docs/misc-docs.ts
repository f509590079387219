/** Asterisk, endpoints, device states, applications and mailboxes (written for the fake). */
import { model, op, param, pathParam, type ResourceDoc } from './swagger.js';

export const asteriskDoc: ResourceDoc = {
  name: 'asterisk',
  description: 'Asterisk resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/asterisk/info', description: 'System information', operations: [op('GET', 'getInfo', 'AsteriskInfo', 'Information about the system.', [param('only', 'query', 'string', 'Sections to return: build, system, config, status.', { multi: true })])] },
    { path: '/asterisk/ping', description: 'Ping', operations: [op('GET', 'ping', 'AsteriskPing', 'Answers with pong and the time.')] },
  ],
  models: {
    BuildInfo: model('BuildInfo', 'Build', { os: ['string', true], kernel: ['string', true], options: ['string', true], machine: ['string', true], date: ['string', true], user: ['string', true] }),
    SystemInfo: model('SystemInfo', 'System', { version: ['string', true], entity_id: ['string', true] }),
    SetId: model('SetId', 'Process owner', { user: ['string', true], group: ['string', true] }),
    ConfigInfo: model('ConfigInfo', 'Configuration', { name: ['string', true], default_language: ['string', true], max_channels: ['int', false], max_open_files: ['int', false], max_load: ['double', false], setid: ['SetId', true] }),
    StatusInfo: model('StatusInfo', 'Status', { startup_time: ['Date', true], last_reload_time: ['Date', true] }),
    AsteriskInfo: model('AsteriskInfo', 'System information', { build: ['BuildInfo', false], system: ['SystemInfo', false], config: ['ConfigInfo', false], status: ['StatusInfo', false] }),
    AsteriskPing: model('AsteriskPing', 'Ping answer', { asterisk_id: ['string', true], ping: ['string', true], timestamp: ['string', true] }),
    Variable: model('Variable', 'A variable value', { value: ['string', true] }),
  },
};

export const endpointsDoc: ResourceDoc = {
  name: 'endpoints',
  description: 'Endpoint resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/endpoints', description: 'Endpoints', operations: [op('GET', 'list', 'List[Endpoint]', 'List the endpoints.')] },
    { path: '/endpoints/{tech}', description: 'Endpoints of a technology', operations: [op('GET', 'listByTech', 'List[Endpoint]', 'Endpoints of a technology.', [param('tech', 'path', 'string', 'Technology, e.g. PJSIP.')])] },
    {
      path: '/endpoints/{tech}/{resource}',
      description: 'One endpoint',
      operations: [op('GET', 'get', 'Endpoint', 'Endpoint details.', [param('tech', 'path', 'string', 'Technology.'), param('resource', 'path', 'string', 'Endpoint name.')])],
    },
  ],
  models: {
    Endpoint: model('Endpoint', 'An endpoint', { technology: ['string', true], resource: ['string', true], state: ['string', false], channel_ids: ['List[string]', true] }),
  },
};

export const deviceStatesDoc: ResourceDoc = {
  name: 'deviceStates',
  description: 'Device state resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/deviceStates', description: 'Device states', operations: [op('GET', 'list', 'List[DeviceState]', 'List the application-controlled device states.')] },
    { path: '/deviceStates/{deviceName}', description: 'One device state', operations: [op('GET', 'get', 'DeviceState', 'State of a device.', [pathParam('deviceName', 'Device name, e.g. PJSIP/1001.')])] },
  ],
  models: { DeviceState: model('DeviceState', 'A device state', { name: ['string', true], state: ['string', true] }) },
};

const app = pathParam('applicationName', 'Application name.');
const source = param('eventSource', 'query', 'string', 'Sources: channel:<id>, bridge:<id>, endpoint:<tech>/<resource>, deviceState:<name>.', { required: true, multi: true });

export const applicationsDoc: ResourceDoc = {
  name: 'applications',
  description: 'Stasis application resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/applications', description: 'Applications', operations: [op('GET', 'list', 'List[Application]', 'List the applications.')] },
    { path: '/applications/{applicationName}', description: 'One application', operations: [op('GET', 'get', 'Application', 'Application details.', [app])] },
    {
      path: '/applications/{applicationName}/subscription',
      description: 'Subscriptions',
      operations: [op('POST', 'subscribe', 'Application', 'Subscribe to event sources.', [app, source]), op('DELETE', 'unsubscribe', 'Application', 'Unsubscribe from event sources.', [app, source])],
    },
  ],
  models: {
    Application: model('Application', 'A Stasis application', {
      name: ['string', true],
      channel_ids: ['List[string]', true],
      bridge_ids: ['List[string]', true],
      endpoint_ids: ['List[string]', true],
      device_names: ['List[string]', true],
      events_allowed: ['List[object]', true],
      events_disallowed: ['List[object]', true],
    }),
  },
};

export const mailboxesDoc: ResourceDoc = {
  name: 'mailboxes',
  description: 'Mailboxes resources',
  swaggerVersion: '1.1',
  apis: [
    { path: '/mailboxes', description: 'Mailboxes', operations: [op('GET', 'list', 'List[Mailbox]', 'List the application-controlled mailboxes.')] },
    { path: '/mailboxes/{mailboxName}', description: 'One mailbox', operations: [op('GET', 'get', 'Mailbox', 'Mailbox details.', [pathParam('mailboxName', 'Mailbox name.')])] },
  ],
  models: { Mailbox: model('Mailbox', 'A mailbox', { name: ['string', true], old_messages: ['int', true], new_messages: ['int', true] }) },
};
