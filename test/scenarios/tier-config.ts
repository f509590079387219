/**
 * The config the shared live scenarios run on, on both backends: the example clinic with its
 * carrier trunk at the test carrier (127.0.0.2:5062, where the real tier's SIPp answers for the
 * clinicians' cells) and short wrap-up times, so a scenario of real seconds can reuse its agents.
 * Scenario-specific changes go on top (see `variant`).
 */
export const TEST_CARRIER = { host: '127.0.0.2', port: 5062 } as const;

/** Dotted-path changes to config/example-clinic.yaml shared by every scenario. */
export function tierConfig(): Record<string, unknown> {
  const wrap: Record<string, unknown> = {};
  for (const agent of ['maria', 'james', 'aisha', 'linda', 'carlos', 'emily', 'sofia']) wrap[`agents.${agent}.wrapUp`] = 3;
  return { 'outbound.carrier': { ...TEST_CARRIER }, ...wrap };
}
