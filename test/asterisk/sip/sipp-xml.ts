/** Pieces of SIPp scenario XML shared by the callers and the carrier's far end. */

/** A 200 OK to the request just received (BYE, MESSAGE, CANCEL). */
export const OK_TO_LAST = `  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
`;

/** The end of a scenario: the answer to our BYE, or our answer to theirs (label `byein`), then `end`. */
export const BYE_ENDING = `  <recv response="200" next="end"/>
  <label id="byein"/>
${OK_TO_LAST}  <label id="end"/>
</scenario>
`;
