/**
 * The shared live scenarios (test/scenarios/shared-scenarios.ts) on a real Asterisk 22.10.1: SIPp
 * callers through the carrier trunk, baresip desk phones, the carrier's far end for the cells.
 */
import { SCENARIOS } from '../scenarios/shared-scenarios.js';
import { describeOnRealAsterisk } from './run-real.js';

describeOnRealAsterisk('shared live scenarios on a real Asterisk', SCENARIOS);
