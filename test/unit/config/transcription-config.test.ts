/** The `transcription:` section and mailboxes' `transcribe`: checked by validate (located problems), compiled with defaults. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compileSources, loadPlan } from '../../../src/config/index.js';
import { DEFAULT_URGENT_WORDS } from '../../../src/config/compile-transcription.js';
import { jsonSchema } from '../../../src/config/schema.js';

const BASE = `
clinic: { name: Riverside Clinic }
sites:
  main: { name: Riverside, timezone: America/Chicago, schedule: hours, dids: ["+15125550100"] }
schedules:
  hours: { weekly: { mon: ["08:00-17:00"] } }
mailboxes:
  desk: { email: [desk@clinic.example], transcribe: true }
  billing: { email: [billing@clinic.example] }
routes:
  inbound:
    - name: Everyone
      then: [{ voicemail: desk }]
`;

type Cfg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function load(change: (c: Cfg) => void = () => {}) {
  const cfg = parse(BASE) as Cfg;
  change(cfg);
  const r = compileSources([{ path: 'x.yaml', text: stringify(cfg) }]);
  const at = (p: (typeof r.problems)[number]) => `${p.file}:${p.line} ${p.code}: ${p.message}`;
  return { ...r, errors: r.problems.map(at), warns: r.warnings.map(at) };
}

describe('transcription config', () => {
  it('off by default: no section, mailboxes do not transcribe unless they say so; defaults pocketsphinx, 120 s, the clinical word list, no pager', () => {
    const { plan, errors, warns } = load();
    expect(errors).toEqual([]);
    expect(warns).toEqual([]);
    expect(plan!.mailboxes.get('desk')!.transcribe).toBe(true);
    expect(plan!.mailboxes.get('billing')!.transcribe).toBe(false);
    expect(plan!.transcription).toEqual({ engine: 'pocketsphinx', model: null, timeoutMs: 120_000, urgentWords: DEFAULT_URGENT_WORDS, onUrgent: { email: [] } });
    expect(plan!.transcription.urgentWords).toEqual(expect.arrayContaining(['chest pain', "can't breathe", 'bleeding']));
  });

  it('compiles a whisper section: model resolved against the config folder, timeout in ms, the clinic words and the pager', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-tx-'));
    writeFileSync(join(dir, 'ggml-base.en.bin'), 'model');
    const cfg = parse(BASE) as Cfg;
    cfg.transcription = { engine: 'whisper', model: 'ggml-base.en.bin', timeout: 300, urgentWords: ['Chest pain', 'fall'], onUrgent: { email: ['pager@oncall.example'] } };
    writeFileSync(join(dir, 'clinic.yaml'), stringify(cfg));
    const r = loadPlan(join(dir, 'clinic.yaml'), dir);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.plan!.transcription).toEqual({ engine: 'whisper', model: join(dir, 'ggml-base.en.bin'), timeoutMs: 300_000, urgentWords: ['Chest pain', 'fall'], onUrgent: { email: ['pager@oncall.example'] } });
  });

  it('whisper without a model is an error naming transcription.model, at the engine line', () => {
    const { plan, errors } = load((c) => (c.transcription = { engine: 'whisper' }));
    expect(plan).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^x\.yaml:\d+ missing-model: transcription\.engine whisper needs transcription\.model/);
    expect(errors[0]).toMatch(/nothing is downloaded/);
  });

  it('a model file that is not on this machine is a warning (it lives on the clinic server); the plan is still made', () => {
    const { plan, errors, warns } = load((c) => (c.transcription = { engine: 'whisper', model: '/nowhere/ggml-base.en.bin' }));
    expect(errors).toEqual([]);
    expect(plan).not.toBeNull();
    expect(warns).toEqual([expect.stringMatching(/^x\.yaml:\d+ missing-model: the model file \/nowhere\/ggml-base\.en\.bin does not exist here/)]);
  });

  it.each([
    ['', /urgent word 2 is empty/],
    ['   ', /urgent word 2 is empty/],
    ['?!', /urgent word 2 '\?!' has no letters or digits/],
  ])('urgent word %j is an error at its place in the list', (bad, message) => {
    const { plan, errors, problems } = load((c) => (c.transcription = { urgentWords: ['chest pain', bad] }));
    expect(plan).toBeNull();
    expect(errors).toEqual([expect.stringMatching(message)]);
    expect(problems[0]!.code).toBe('empty-urgent-word');
  });

  it('an empty urgent word list is allowed (nothing is flagged)', () => {
    const { plan, errors } = load((c) => (c.transcription = { urgentWords: [] }));
    expect(errors).toEqual([]);
    expect(plan!.transcription.urgentWords).toEqual([]);
  });

  it.each([
    [(c: Cfg) => (c.transcription = { engine: 'vosk' }), /transcription\.engine|engine/],
    [(c: Cfg) => (c.transcription = { timeout: 2 }), /timeout/],
    [(c: Cfg) => (c.transcription = { onUrgent: { email: ['not-an-address'] } }), /email/],
    [(c: Cfg) => (c.transcription = { download: true }), /download/],
    [(c: Cfg) => (c.mailboxes.desk.transcribe = 'yes'), /transcribe/],
  ])('bad values are structural errors naming the key (%#)', (change, named) => {
    const { plan, errors } = load(change);
    expect(plan).toBeNull();
    expect(errors.join('\n')).toMatch(named);
  });

  it('warns when the section is there but no mailbox transcribes, and when pocketsphinx is given a model', () => {
    const { errors, warns } = load((c) => {
      c.mailboxes.desk.transcribe = false;
      c.transcription = { model: '/etc/hostname' };
    });
    expect(errors).toEqual([]);
    expect(warns.join('\n')).toMatch(/unused-transcription: no mailbox has transcribe: true/);
    expect(warns.join('\n')).toMatch(/unused-model: transcription\.model is only used by engine: whisper/);
  });

  it('the JSON Schema has the section and the mailbox key, with descriptions for editors', () => {
    const s = jsonSchema() as { properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(s.properties.transcription.properties)).toEqual(['engine', 'model', 'timeout', 'urgentWords', 'onUrgent']);
    expect(s.properties.mailboxes.patternProperties['^[a-z0-9][a-z0-9_-]*$'].properties.transcribe.type).toBe('boolean');
  });
});
