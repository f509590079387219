/**
 * The restart scenarios (test/scenarios/restart-scenarios.ts) on a real Asterisk 22.10.1: SIGKILL
 * of `pbx-router run` with a call in every live state, checked from Asterisk's side.
 */
import { RESTART_SCENARIOS } from '../scenarios/restart-scenarios.js';
import { describeOnRealAsterisk } from './run-real.js';

describeOnRealAsterisk('restart scenarios on a real Asterisk', RESTART_SCENARIOS);
