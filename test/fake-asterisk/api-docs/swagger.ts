/**
 * Types and helpers for the hand-written Swagger 1.1 subset the fake serves. Only the
 * operations, parameters and models pbx-router uses are described; the contract test checks
 * each of them against Asterisk 22's own description.
 */
import type { Json } from '../model/types.js';

export type ParamType = 'path' | 'query' | 'body';

/** One operation parameter. */
export interface SwaggerParam {
  readonly name: string;
  readonly description: string;
  readonly paramType: ParamType;
  readonly required: boolean;
  readonly allowMultiple: boolean;
  readonly dataType: string;
  readonly defaultValue?: Json;
  readonly allowableValues?: { readonly valueType: 'LIST'; readonly values: readonly string[] };
}

/** One operation of an API path. */
export interface SwaggerOperation {
  readonly httpMethod: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly summary: string;
  readonly nickname: string;
  readonly responseClass: string;
  readonly parameters?: readonly SwaggerParam[];
  readonly upgrade?: 'websocket';
  readonly websocketProtocol?: 'ari';
}

/** An API path and its operations. */
export interface SwaggerApi {
  readonly path: string;
  readonly description: string;
  readonly operations: readonly SwaggerOperation[];
}

/** A model property. */
export interface SwaggerProperty {
  readonly type: string;
  readonly required?: boolean;
  readonly description?: string;
}

/** A model. */
export interface SwaggerModel {
  readonly id: string;
  readonly description: string;
  readonly properties: Readonly<Record<string, SwaggerProperty>>;
  readonly subTypes?: readonly string[];
  readonly discriminator?: string;
}

/** One resource file (`channels.json`...). */
export interface ResourceDoc {
  /** File name without `.json`. */
  readonly name: string;
  readonly description: string;
  readonly swaggerVersion: '1.1' | '1.2';
  readonly apis: readonly SwaggerApi[];
  readonly models: Readonly<Record<string, SwaggerModel>>;
}

/** A parameter (`required` and `allowMultiple` default to false). */
export function param(name: string, paramType: ParamType, dataType: string, description: string, opts: { required?: boolean; multi?: boolean; dflt?: Json; values?: readonly string[] } = {}): SwaggerParam {
  return {
    name,
    description,
    paramType,
    required: opts.required ?? false,
    allowMultiple: opts.multi ?? false,
    dataType,
    ...(opts.dflt !== undefined ? { defaultValue: opts.dflt } : {}),
    ...(opts.values ? { allowableValues: { valueType: 'LIST' as const, values: opts.values } } : {}),
  };
}

/** A required path parameter. */
export function pathParam(name: string, description: string): SwaggerParam {
  return param(name, 'path', 'string', description, { required: true });
}

/** A model whose properties are `name: [type, required]`. */
export function model(id: string, description: string, props: Readonly<Record<string, readonly [string, boolean]>>): SwaggerModel {
  const properties: Record<string, SwaggerProperty> = {};
  for (const [k, [type, required]] of Object.entries(props)) properties[k] = { type, required };
  return { id, description, properties };
}

/** An operation. */
export function op(httpMethod: SwaggerOperation['httpMethod'], nickname: string, responseClass: string, summary: string, parameters: readonly SwaggerParam[] = []): SwaggerOperation {
  return { httpMethod, summary, nickname, responseClass, ...(parameters.length ? { parameters } : {}) };
}
