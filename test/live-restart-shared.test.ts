/**
 * The restart scenarios (test/scenarios/restart-scenarios.ts) against the fake Asterisk; the same
 * run against a real Asterisk 22 in `npm run test:asterisk` (test/asterisk/restart.test.ts).
 */
import { describeOnFake } from './scenarios/run-on-fake.js';
import { RESTART_SCENARIOS } from './scenarios/restart-scenarios.js';

describeOnFake('restart scenarios on the fake Asterisk', RESTART_SCENARIOS, 60_000);
