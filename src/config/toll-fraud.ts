/**
 * The toll-fraud guard's rules for an external number, shared by validation and (later) by the
 * engine right before it dials: E.164 only, no premium-rate and no international numbers unless
 * the config allows them explicitly.
 */
import type { OutboundConfig } from './schema.js';

/** NANP premium-rate and pay-per-call prefixes (900, 976) and Caribbean "one-ring" scam areas that bill internationally. */
export const NANP_PREMIUM = /^\+1(900|976)/;
export const NANP_CARIBBEAN = /^\+1(242|246|264|268|284|345|441|473|649|658|664|721|758|767|784|809|829|849|868|869|876)/;
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Why this number must not be dialled under this outbound policy, or null when it may be. */
export function tollFraudReason(number: string, outbound: Pick<OutboundConfig, 'country' | 'allowInternational' | 'allowPremium'> | undefined): string | null {
  if (!E164.test(number)) return 'not an E.164 number (expected + and country code, e.g. +15125550199)';
  const country = outbound?.country ?? '1';
  if (!outbound?.allowPremium && country === '1' && NANP_PREMIUM.test(number)) {
    return 'a premium-rate number (set outbound.allowPremium: true to allow it)';
  }
  const international = !number.startsWith(`+${country}`) || (country === '1' && NANP_CARIBBEAN.test(number));
  if (!outbound?.allowInternational && international) {
    return `an international number outside +${country} (set outbound.allowInternational: true to allow it)`;
  }
  return null;
}
