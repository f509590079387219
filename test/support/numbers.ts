/** Phone numbers of the example clinic (config/example-clinic.yaml) that the tests dial and expect. */

/** The example clinic's main number (its DID). */
export const MAIN = '+15125550100';

/** The caller most tests place calls from. */
export const CALLER = '+15125550123';

/** The example roster's cells: Dr. Chen, Priya Patel (on call the week of 2026-11-23), Dr. Okafor. */
export const CELL = { chen: '+15125550199', patel: '+15125550198', okafor: '+15125550197' } as const;
