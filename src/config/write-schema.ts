/** Writes schema/pbx-router.schema.json from the TypeBox definition (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchema } from './schema.js';

const target = fileURLToPath(new URL('../../schema/pbx-router.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(jsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
