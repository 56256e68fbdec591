import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { type Json, type ServedVault, startServedVault } from '../support/served-vaults.js'

// FIND on documents as a Vault client sends it (issue 11): document metadata (name and text
// fields) and, for a text file, its content.

let medical: ServedVault

async function upload(
  name: string,
  title: string,
  file?: { text: string; type: string; name: string },
): Promise<number> {
  const form = new FormData()
  form.append('name__v', name)
  form.append('title__v', title)
  form.append('type__v', 'reference_document__v')
  form.append('lifecycle__v', 'medical_content_lifecycle__v')
  if (file !== undefined) form.append('file', new Blob([file.text], { type: file.type }), file.name)
  const body = await medical.call('POST', '/objects/documents', form)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return Number(body.id)
}

async function find(q: string): Promise<number[]> {
  const rows = await medical.query(q)
  return rows.map((r: Json) => Number(r.id)).sort((a, b) => a - b)
}

let leaflet: number
let notes: number
let pdf: number

beforeAll(async () => {
  medical = await startServedVault('medical-find-docs', medicalProfile)
  leaflet = await upload('Cholecap leaflet', 'Dosing for adults')
  notes = await upload('Study notes', 'Trial summary', {
    text: 'Observed hepatotoxicity in two patients.\nNo further findings.',
    type: 'text/plain',
    name: 'notes.txt',
  })
  pdf = await upload('Scanned letter', 'Correspondence', {
    text: '%PDF-1.4\n% hepatotoxicity\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n',
    type: 'application/pdf',
    name: 'letter.pdf',
  })
})

afterAll(async () => {
  await medical?.destroy()
})

describe('FIND on documents', () => {
  it("Submitting a Query: FIND ('text') FROM documents searches the name and text fields (SCOPE PROPERTIES by default)", async () => {
    expect(await find("SELECT id FROM documents FIND ('cholecap')")).toEqual([leaflet])
    expect(await find("SELECT id FROM documents FIND ('dosing adults')")).toEqual([leaflet])
    expect(await find("SELECT id FROM documents FIND ('trial OR correspondence')")).toEqual([notes, pdf])
    // Content is not a property.
    expect(await find("SELECT id FROM documents FIND ('hepatotoxicity')")).toEqual([])
  })

  it('Submitting a Query: SCOPE CONTENT and SCOPE ALL search a text file; a PDF adds no content', async () => {
    expect(await find("SELECT id FROM documents FIND ('hepatotoxicity' SCOPE CONTENT)")).toEqual([notes])
    expect(await find("SELECT id FROM documents FIND ('hepato*' SCOPE ALL)")).toEqual([notes])
    expect(await find("SELECT id FROM documents FIND ('cholecap' SCOPE CONTENT)")).toEqual([])
    expect(await find("SELECT id FROM documents FIND ('cholecap' SCOPE ALL) WHERE id > 0")).toEqual([leaflet])
  })

  it('Submitting a Query: FIND follows edits and deletes of documents', async () => {
    const edited = await medical.call(
      'PUT',
      `/objects/documents/${leaflet}`,
      new URLSearchParams({ title__v: 'Paediatric dosing' }),
    )
    expect(edited.responseStatus, JSON.stringify(edited)).toBe('SUCCESS')
    expect(await find("SELECT id FROM documents FIND ('paediatric')")).toEqual([leaflet])
    expect(await find("SELECT id FROM documents FIND ('adults')")).toEqual([])
    const deleted = await medical.call('DELETE', `/objects/documents/${notes}`)
    expect(deleted.responseStatus, JSON.stringify(deleted)).toBe('SUCCESS')
    expect(await find("SELECT id FROM documents FIND ('hepatotoxicity' SCOPE CONTENT)")).toEqual([])
  })

  it('Submitting a Query: a SCOPE of single fields on documents says which scopes work', async () => {
    const body = await medical.call(
      'POST',
      '/query',
      new URLSearchParams({ q: "SELECT id FROM documents FIND ('x' SCOPE title__v)" }),
    )
    expect(body.responseStatus).toBe('FAILURE')
    expect(String((body.errors as Json[])[0]!.message)).toContain('SCOPE PROPERTIES, CONTENT or ALL')
  })
})
