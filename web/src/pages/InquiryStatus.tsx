import type { ObjectMeta } from '../api/metadata'
import { displayValue, type Picklists, type Row } from '../api/values'

/** The steps of an inquiry's life the rep follows: transfer, case, status, the answer. */
const STATUS_FIELDS = [
  'transfer_status__v',
  'case_number__v',
  'medical_inquiry_case_status__v',
  'transferred_date__v',
  'case_closed_date__v',
  'transfer_error__v',
  'response_notes__v',
  'response_package_link__v',
] as const

function failed(row: Row): boolean {
  const status = row.transfer_status__v
  return (Array.isArray(status) ? status[0] : status) === 'failure__v'
}

/**
 * The rep's view of Transfer to Medical: it updates as the record page re-reads the inquiry, and a
 * screen reader hears each change (a polite live region).
 */
export function InquiryStatus({
  meta,
  row,
  picklists,
}: {
  meta: ObjectMeta
  row: Row
  picklists: Picklists
}) {
  const fields = STATUS_FIELDS.flatMap((n) => meta.fields.find((f) => f.name === n) ?? [])
  const shown = fields.filter((f) => displayValue(f, row, meta, picklists) !== '')
  return (
    <section className="inquiry-status" aria-labelledby="inquiry-status-title">
      <h2 id="inquiry-status-title">Medical status</h2>
      <dl aria-live="polite">
        {shown.length === 0 ? (
          <div>
            <dt>Transfer status</dt>
            <dd>Not transferred yet</dd>
          </div>
        ) : (
          shown.map((f) => (
            <div key={f.name} className={f.name === 'transfer_error__v' ? 'error' : undefined}>
              <dt>{f.label}</dt>
              <dd>
                {f.name === 'response_package_link__v' ? (
                  <a href={String(row[f.name])} target="_blank" rel="noreferrer">
                    {String(row[f.name])}
                  </a>
                ) : (
                  displayValue(f, row, meta, picklists)
                )}
              </dd>
            </div>
          ))
        )}
      </dl>
      {failed(row) && (
        <p className="hint">
          The Medical Vault could not take this inquiry, for the reason above. Correct the inquiry and press
          Transfer to Medical again, or ask your admin: they see it as a User Exception Message and can
          reprocess it once the cause is fixed.
        </p>
      )}
    </section>
  )
}
