import { LiaisonError } from '../errors/index.js'
import { RECORD_FIELDS_MAX } from './record-types.js'

/** A parsed CSV body: the header names and the rows, each with one value per header name. */
export interface ParsedCsv {
  readonly header: string[]
  readonly rows: string[][]
}

/** A value `formatCsv` can write: arrays become one comma-joined cell, null an empty one. */
export type CsvValue = string | number | boolean | null | readonly string[]

const QUOTE = 0x22
const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a
const BOM = 0xfeff

function malformed(line: number, problem: string): LiaisonError {
  return new LiaisonError('BODY_MALFORMED', `CSV line ${line}: ${problem}`, { details: { line } })
}

/** Line breaks in a piece of text, counting CRLF, a lone CR and a lone LF as one each. */
function countLineBreaks(text: string): number {
  let count = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === LF) count++
    else if (c === CR) {
      count++
      if (text.charCodeAt(i + 1) === LF) i++
    }
  }
  return count
}

function checkHeader(header: readonly string[]): void {
  const seen = new Map<string, number>()
  header.forEach((name, index) => {
    if (name.trim() === '')
      throw malformed(
        1,
        `column ${index + 1} of the header row has no name. The first row must name every column (e.g. name__v,external_id__v).`,
      )
    const earlier = seen.get(name)
    if (earlier !== undefined)
      throw malformed(
        1,
        `the header names "${name}" twice (columns ${earlier + 1} and ${index + 1}); name each field once.`,
      )
    seen.set(name, index)
  })
}

/**
 * Parses RFC 4180 CSV: the first row is the header. Accepts CRLF, LF or CR line ends, a UTF-8 BOM,
 * and a last line with or without a line break (blank lines at the very end are ignored). Throws
 * BODY_MALFORMED, with the line number, for an unclosed quote, a quote inside an unquoted field,
 * a row whose field count differs from the header, and an empty or repeated header name.
 */
export function parseCsv(text: string): ParsedCsv {
  let pos = text.charCodeAt(0) === BOM ? 1 : 0
  let end = text.length
  // Blank lines at the end carry no record (a line break after a closing quote is outside it).
  while (end > pos && (text.charCodeAt(end - 1) === LF || text.charCodeAt(end - 1) === CR)) end--
  if (pos >= end)
    throw malformed(1, 'the CSV body is empty. Send a header row naming the fields, then one row per record.')

  let line = 1
  let header: string[] | undefined
  const rows: string[][] = []
  while (pos < end) {
    const recordLine = line
    const record: string[] = []
    for (;;) {
      if (pos < end && text.charCodeAt(pos) === QUOTE) {
        const openLine = line
        let value = ''
        pos++
        for (;;) {
          const close = text.indexOf('"', pos)
          if (close === -1 || close >= end)
            throw malformed(
              openLine,
              'a quoted field is never closed. End it with a double quote ("), and write a quote inside a quoted field as two ("").',
            )
          const piece = text.slice(pos, close)
          line += countLineBreaks(piece)
          value += piece
          if (close + 1 < end && text.charCodeAt(close + 1) === QUOTE) {
            value += '"'
            pos = close + 2
            continue
          }
          pos = close + 1
          break
        }
        if (pos < end) {
          const next = text.charCodeAt(pos)
          if (next !== COMMA && next !== CR && next !== LF)
            throw malformed(
              line,
              `unexpected "${text[pos]}" after the closing quote of field ${record.length + 1}. Put the whole value inside the quotes.`,
            )
        }
        record.push(value)
      } else {
        let i = pos
        while (i < end) {
          const c = text.charCodeAt(i)
          if (c === COMMA || c === CR || c === LF) break
          if (c === QUOTE)
            throw malformed(
              line,
              `field ${record.length + 1} contains a double quote but does not start with one. Quote the whole field and double the quote inside ("say ""hi""").`,
            )
          i++
        }
        record.push(text.slice(pos, i))
        pos = i
      }
      if (pos < end && text.charCodeAt(pos) === COMMA) {
        pos++
        continue
      }
      break
    }
    if (pos < end) {
      // At a line break: CRLF, LF or a lone CR.
      if (text.charCodeAt(pos) === CR && text.charCodeAt(pos + 1) === LF) pos += 2
      else pos += 1
      line++
    }
    if (header === undefined) {
      checkHeader(record)
      header = record
    } else if (record.length !== header.length) {
      if (record.length === 1 && record[0] === '')
        throw malformed(recordLine, 'the line is blank. Remove blank lines between records.')
      throw malformed(
        recordLine,
        `the row has ${record.length} field${record.length === 1 ? '' : 's'} but the header has ${header.length}. Give every row one value per header column (empty values as nothing between commas); quote values that contain commas or line breaks.`,
      )
    } else {
      rows.push(record)
    }
  }
  return { header: header ?? [], rows }
}

/** Parses CSV into one object per row, keyed by the header names. */
export function csvRecords(text: string): Record<string, string>[] {
  const { header, rows } = parseCsv(text)
  // Every row becomes an object with a key per column: refuse a huge header before building any.
  if (header.length > RECORD_FIELDS_MAX)
    throw new LiaisonError(
      'RECORD_TOO_MANY_FIELDS',
      `The CSV header has ${header.length} columns; at most ${RECORD_FIELDS_MAX} fields are allowed per record.`,
    )
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])))
}

function needsQuotes(value: string): boolean {
  return /[",\r\n]/.test(value) || value.charCodeAt(0) === BOM
}

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`
}

function formatCell(value: CsvValue): string {
  if (value === null) return ''
  if (typeof value === 'string') return needsQuotes(value) ? quote(value) : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return quote(value.join(','))
}

/**
 * Writes RFC 4180 CSV with CRLF line ends, quoting values that need it. Arrays (multi-value
 * picklists) become one quoted, comma-joined cell; null becomes an empty cell.
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header.map((name) => formatCell(name)).join(',')]
  rows.forEach((row, index) => {
    if (row.length !== header.length)
      throw new LiaisonError(
        'INTERNAL',
        `CSV row ${index + 1} has ${row.length} values but the header has ${header.length}; every row needs one value per column.`,
      )
    // A row of one empty value would be a blank line, which parsers skip: quote it instead.
    if (row.length === 1 && (row[0] === null || row[0] === '')) lines.push('""')
    else lines.push(row.map(formatCell).join(','))
  })
  return `${lines.join('\r\n')}\r\n`
}
