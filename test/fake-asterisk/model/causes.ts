/**
 * Q.850 hangup causes as Asterisk names them (ast_cause2str), and the `reason` values of
 * DELETE /channels/{id}. Note: ChannelHangupRequest's `cause` is not the Q.850 cause of the
 * hangup: an ARI DELETE always reports `{"cause":32,"soft":true}` (32 is the soft-hangup flag
 * AST_SOFTHANGUP_EXPLICIT), whatever the reason; the reason only shows in ChannelDestroyed.
 */

const CAUSES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  3: 'No route to destination',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  28: 'Invalid number format',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Switching equipment congestion',
  44: 'Requested channel not available',
  58: 'Bearer capability not available',
  66: 'Channel not implemented',
  127: 'Interworking, unspecified',
};

/** ast_cause2str(); unknown codes read "Unknown" as in Asterisk. */
export function causeText(cause: number): string {
  return CAUSES[cause] ?? 'Unknown';
}

/** The ARI hangup `reason` values and their causes (convert_reason_to_hangup_code). */
export const HANGUP_REASONS: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** ChannelHangupRequest cause of an ARI DELETE: the soft-hangup flag, not a Q.850 code. */
export const SOFTHANGUP_EXPLICIT = 32;
