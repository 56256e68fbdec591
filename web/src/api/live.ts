/**
 * Objects whose records change while a person looks at them (the connection writes them): their
 * pages read them again every second, so a status reaches an open page within 2 s.
 */
export const LIVE_OBJECTS: ReadonlySet<string> = new Set([
  'medical_inquiry__v',
  'case__v',
  'case_request__v',
  'exception_message__sys',
])
export const LIVE_REFRESH_MS = 1_000
/** Lists longer than this are not re-read on their own (a 1,000-row page stays still while read). */
export const LIVE_LIST_MAX_ROWS = 100
