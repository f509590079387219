/**
 * The grammar of SMS message templates: `{clinic}`, `{site}` and `{nextOpening}` only. A text
 * leaves the clinic over a carrier and lands on a lock screen, so no placeholder may carry patient
 * data (who called, their number or name, why); `validate` refuses those by name.
 */

/** The placeholders a message may use. */
export const SMS_PLACEHOLDERS = ['clinic', 'site', 'nextOpening'] as const;
export type SmsPlaceholder = (typeof SMS_PLACEHOLDERS)[number];

/** Placeholder names that would put patient data in a text: refused, with their own message. */
const PATIENT_DATA = /^(caller|callerid|callername|number|phone|mobile|name|patient|firstname|lastname|dob|birthdate|dateofbirth|reason|email|address|mrn)$/i;

/** Characters of the GSM 03.38 basic set (one septet each). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The GSM extension table: two septets each (escape + character). */
const GSM_EXTENDED = '^{}\\[~]|€\f';

/** One SMS holds 160 GSM-7 septets, or 70 UCS-2 characters once any character is outside GSM-7. */
export const GSM_SINGLE = 160;
export const UCS2_SINGLE = 70;

/** How {nextOpening} is written, in the text's language: `Mon 23 Nov 08:00`, `sáb 28 nov 09:00`. */
export const NEXT_OPENING_FORMAT = 'ccc d LLL HH:mm';

/** Placeholders of a template, in order (with repeats). */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
}

/** Why a placeholder may not be used, or null when it is one of SMS_PLACEHOLDERS. */
export function placeholderProblem(name: string): { code: 'sms-patient-data' | 'sms-unknown-placeholder'; message: string } | null {
  if ((SMS_PLACEHOLDERS as readonly string[]).includes(name)) return null;
  if (PATIENT_DATA.test(name)) {
    return { code: 'sms-patient-data', message: `{${name}} would put patient data in a text message (it leaves the clinic over the carrier); use only {clinic}, {site} and {nextOpening}` };
  }
  return { code: 'sms-unknown-placeholder', message: `unknown placeholder {${name}} (known: {clinic}, {site}, {nextOpening})` };
}

/** Fills the placeholders; an unknown one is left as written (validation refuses it first). */
export function fillTemplate(template: string, values: Readonly<Record<SmsPlaceholder, string>>): string {
  return template.replace(/\{([^{}]*)\}/g, (all, name: string) => ((SMS_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as SmsPlaceholder] : all));
}

/** The encoding a phone would use for this text and its length in that encoding's units. */
export function smsLength(text: string): { readonly encoding: 'gsm-7' | 'ucs-2'; readonly units: number; readonly limit: number } {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENDED.includes(ch)) septets += 2;
    else return { encoding: 'ucs-2', units: [...text].reduce((n, c) => n + (c.codePointAt(0)! > 0xffff ? 2 : 1), 0), limit: UCS2_SINGLE };
  }
  return { encoding: 'gsm-7', units: septets, limit: GSM_SINGLE };
}
