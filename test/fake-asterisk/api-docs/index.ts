/**
 * Serving the api-docs like ast_ari_get_docs(): the listing and each resource file as one
 * compact line; `basePath` becomes `http://<Host header>/ari`, and is deleted when the request
 * has no Host header (15). ari-client sends every REST call to that basePath.
 */
import type { Json, JsonObject } from '../model/types.js';
import { bridgesDoc } from './bridges-doc.js';
import { channelsDoc } from './channels-doc.js';
import { eventsDoc } from './events-doc.js';
import { playbacksDoc, recordingsDoc, soundsDoc } from './media-docs.js';
import { applicationsDoc, asteriskDoc, deviceStatesDoc, endpointsDoc, mailboxesDoc } from './misc-docs.js';
import type { ResourceDoc } from './swagger.js';

/** The resources in the order Asterisk's resources.json lists them. */
export const RESOURCE_DOCS: readonly ResourceDoc[] = [asteriskDoc, endpointsDoc, channelsDoc, bridgesDoc, recordingsDoc, soundsDoc, playbacksDoc, deviceStatesDoc, mailboxesDoc, eventsDoc, applicationsDoc];

/** The JSON served for `api-docs/<file>`, or undefined (404 Resource not found). */
export function apiDoc(file: string, host: string | undefined): JsonObject | undefined {
  const base: JsonObject = host === undefined ? {} : { basePath: `http://${host}/ari` };
  if (file === 'resources.json') {
    return {
      apiVersion: '10.0.0',
      swaggerVersion: '1.1',
      ...base,
      apis: RESOURCE_DOCS.map((d) => ({ path: `/api-docs/${d.name}.{format}`, description: d.description })),
    };
  }
  const doc = RESOURCE_DOCS.find((d) => `${d.name}.json` === file);
  if (!doc) return undefined;
  return {
    apiVersion: '2.0.0',
    swaggerVersion: doc.swaggerVersion,
    ...base,
    resourcePath: `/api-docs/${doc.name}.{format}`,
    apis: doc.apis as unknown as Json,
    models: doc.models as unknown as Json,
  };
}

/** One operation the served docs describe (for checking that the fake implements each). */
export interface DescribedOperation {
  readonly resource: string;
  readonly method: string;
  readonly path: string;
  readonly nickname: string;
}

/** Every operation of the served docs, in file order. */
export function describedOperations(): DescribedOperation[] {
  return RESOURCE_DOCS.flatMap((d) => d.apis.flatMap((a) => a.operations.map((o) => ({ resource: d.name, method: o.httpMethod, path: a.path, nickname: o.nickname }))));
}
