/**
 * The shared live scenarios (test/scenarios/shared-scenarios.ts) against the fake Asterisk: the
 * same scenarios `npm run test:asterisk` runs against a real Asterisk 22 with SIP phones.
 */
import { describeOnFake } from './scenarios/run-on-fake.js';
import { SCENARIOS } from './scenarios/shared-scenarios.js';

describeOnFake('shared live scenarios on the fake Asterisk', SCENARIOS);
