/**
 * Contract test: every operation, parameter, model field and event type the fake's hand-written
 * api-docs declare must exist, identically, in Asterisk 22's own description
 * (/work/shared/asterisk/ari-api-docs-22, read here, never copied into the project).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESOURCE_DOCS } from './fake-asterisk/api-docs/index.js';
import { EVENT_TYPES } from './fake-asterisk/api-docs/events-doc.js';

const REAL_DIR = process.env.ARI_API_DOCS_DIR ?? '/work/shared/asterisk/ari-api-docs-22';

interface RealParam {
  name: string;
  paramType: string;
  required?: boolean;
  allowMultiple?: boolean;
  dataType: string;
}
interface RealOperation {
  httpMethod: string;
  nickname: string;
  responseClass: string;
  parameters?: RealParam[];
}
interface RealModel {
  id: string;
  properties?: Record<string, { type: string; required?: boolean }>;
  subTypes?: string[];
}
interface RealDoc {
  apis: { path: string; operations: RealOperation[] }[];
  models?: Record<string, RealModel>;
}

const real = (file: string): RealDoc => JSON.parse(readFileSync(join(REAL_DIR, file), 'utf8')) as RealDoc;

describe.skipIf(!existsSync(REAL_DIR))('api-docs subset against Asterisk 22', () => {
  const allRealModels = new Map<string, RealModel>();
  if (existsSync(REAL_DIR)) {
    for (const doc of RESOURCE_DOCS) for (const [k, m] of Object.entries(real(`${doc.name}.json`).models ?? {})) allRealModels.set(k, m);
  }

  it('lists only resources that resources.json lists', () => {
    const listing = real('resources.json').apis.map((a) => a.path);
    for (const doc of RESOURCE_DOCS) expect(listing).toContain(`/api-docs/${doc.name}.{format}`);
  });

  for (const doc of RESOURCE_DOCS) {
    describe(`${doc.name}.json`, () => {
      for (const api of doc.apis) {
        for (const op of api.operations) {
          it(`${op.httpMethod} ${api.path} (${op.nickname})`, () => {
            const realApi = real(`${doc.name}.json`).apis.find((a) => a.path === api.path);
            expect(realApi, `path ${api.path}`).toBeDefined();
            const realOp = realApi!.operations.find((o) => o.httpMethod === op.httpMethod);
            expect(realOp, `${op.httpMethod} ${api.path}`).toBeDefined();
            expect(op.nickname).toBe(realOp!.nickname);
            expect(op.responseClass).toBe(realOp!.responseClass);
            for (const p of op.parameters ?? []) {
              const rp = (realOp!.parameters ?? []).find((x) => x.name === p.name);
              expect(rp, `parameter ${p.name}`).toBeDefined();
              expect({ name: p.name, paramType: p.paramType, required: p.required, allowMultiple: p.allowMultiple, dataType: p.dataType }).toEqual({
                name: rp!.name,
                paramType: rp!.paramType,
                required: rp!.required ?? false,
                allowMultiple: rp!.allowMultiple ?? false,
                dataType: rp!.dataType,
              });
            }
          });
        }
      }
      for (const [name, model] of Object.entries(doc.models)) {
        it(`model ${name}`, () => {
          const rm = allRealModels.get(name);
          expect(rm, `model ${name}`).toBeDefined();
          expect(model.id).toBe(rm!.id);
          for (const [prop, def] of Object.entries(model.properties)) {
            const rp = rm!.properties?.[prop];
            expect(rp, `${name}.${prop}`).toBeDefined();
            expect({ prop, type: def.type, required: def.required ?? false }).toEqual({ prop, type: rp!.type, required: rp!.required ?? false });
          }
        });
      }
    });
  }

  it('sends only event types that Asterisk 22 describes', () => {
    const events = real('events.json').models ?? {};
    const subTypes = events.Event?.subTypes ?? [];
    for (const type of EVENT_TYPES) {
      expect(subTypes, type).toContain(type);
      expect(events[type], type).toBeDefined();
    }
  });
});
