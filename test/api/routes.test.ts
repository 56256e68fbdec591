import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { openTestVault, type TestVault } from '../support/test-vault.js'

let t: TestVault

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
})

afterAll(async () => {
  await t.close()
})

/** Routes that answer without a session, each for a reason a reviewer can check. */
const OPEN_ROUTES = new Map<string, string>([
  ['GET /api', 'lists API versions (Vault: no session)'],
  ['POST /api/:version/auth', 'logs in'],
  ['GET /api/openapi.json', 'the API description'],
])

describe('every route of the API', () => {
  it('needs a session unless it is a known open route or authenticates its own signed traffic', () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api') && !r.url.startsWith('/api/docs'))
    expect(routes.length).toBeGreaterThan(20)
    const open = routes
      .filter((r) => !r.session)
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !OPEN_ROUTES.has(r))
    // Signed vault-to-vault endpoints verify an Ed25519 signature instead of a session (B2).
    expect(
      open.every((r) => /\/services\/connections\/(handshake|inbound)/.test(r)),
      open.join('\n'),
    ).toBe(true)
  })

  it('keeps the contract routes of spec/api.md behind the session', () => {
    const guarded = new Set(t.app.routeTable.filter((r) => r.session).map((r) => `${r.method} ${r.url}`))
    for (const route of [
      'GET /api/:version/metadata/vobjects',
      'GET /api/:version/metadata/vobjects/:object',
      'POST /api/:version/metadata/vobjects/:object/fields',
      'GET /api/:version/vobjects/:object/:id',
      'POST /api/:version/vobjects/:object',
      'PUT /api/:version/vobjects/:object',
      'DELETE /api/:version/vobjects/:object',
      'GET /api/:version/vobjects/:object/:id/actions',
      'GET /api/:version/vobjects/:object/:id/actions/:action',
      'POST /api/:version/vobjects/:object/:id/actions/:action',
      'POST /api/:version/vobjects/:object/actions/:action',
      'GET /api/:version/vobjects/:object/:id/audittrail',
      'POST /api/:version/query',
      'GET /api/:version/query/:cursor',
      'POST /api/:version/query/:cursor',
      'GET /api/:version/vobjects/:object',
      'GET /api/:version/objects/users',
      'GET /api/:version/objects/users/me',
      'GET /api/:version/objects/users/me/permissions',
      'GET /api/:version/objects/users/:id',
      'GET /api/:version/metadata/objects/users',
      'GET /api/:version/metadata/objects/documents/properties',
      'GET /api/:version/limits',
      'GET /api/:version/configuration/Objecttype',
      'GET /api/:version/objects/domain',
      'GET /api/:version/objects/domains',
      'GET /api/:version/delegation/vaults',
      'DELETE /api/:version/session',
      'GET /api/:version/services/queues',
      'POST /api/:version/services/connections/:api_name/actions/run/:integration_point',
      'POST /api/:version/objects/documents',
      'GET /api/:version/objects/documents/:id',
      'PUT /api/:version/objects/documents/:id',
      'POST /api/:version/objects/documents/:id',
      'GET /api/:version/objects/documents/:id/versions/:major/:minor',
      'PUT /api/:version/objects/documents/:id/versions/:major/:minor/lifecycle_actions/:action',
      'GET /api/:version/objects/documents/:id/file',
      'GET /api/:version/objects/documents/:id/renditions/:type',
      'GET /api/:version/objects/documents/:id/audittrail',
      'GET /api/:version/metadata/audittrail',
      'GET /api/:version/metadata/audittrail/:type',
      'GET /api/:version/audittrail/:type',
      'GET /api/:version/objects/deletions/vobjects/:object',
      'GET /api/:version/objects/deletions/documents',
      'GET /api/:version/objects/documents/deletions',
    ])
      expect(guarded, route).toContain(route)
  })

  it('names the permission each guarded route checks before it reads the request', () => {
    const checked = Object.fromEntries(
      t.app.routeTable
        .filter((r) => r.permission !== undefined)
        .map((r) => [`${r.method} ${r.url}`, r.permission]),
    )
    expect(checked).toEqual({
      'POST /api/:version/metadata/vobjects/:object/fields': 'admin__sys',
      'POST /api/:version/objects/documents': 'create documents',
      'PUT /api/:version/objects/documents/:id': 'edit documents',
      'POST /api/:version/objects/documents/:id': 'edit documents',
      'PUT /api/:version/objects/documents/:id/versions/:major/:minor/lifecycle_actions/:action':
        'edit documents',
      'DELETE /api/:version/objects/documents/:id': 'delete documents',
      // The file downloads a connected vault's signed calls may use (its grants decide).
      'GET /api/:version/objects/documents/:id/file': 'read documents',
      'GET /api/:version/objects/documents/:id/versions/:major/:minor/file': 'read documents',
      'GET /api/:version/objects/documents/batch/files': 'read documents',
      'POST /api/:version/objects/binders': 'create documents',
      'POST /api/:version/objects/binders/:id/documents': 'edit documents',
      'PUT /api/:version/objects/binders/:id/documents/:node_id': 'edit documents',
      'POST /api/:version/objects/binders/:id': 'edit documents',
      'DELETE /api/:version/objects/binders/:id/documents/:node_id': 'edit documents',
      'POST /api/:version/objects/documents/:id/actions/:action': 'create documents',
      'POST /api/:version/objects/documents/:id/versions/:major/:minor/relationships': 'edit documents',
      'GET /api/:version/objects/domains': 'admin__sys',
      'POST /api/:version/services/connections': 'admin__sys',
      'POST /api/:version/services/connections/accept': 'admin__sys',
      'POST /api/:version/services/connections/:api_name/actions/run/:integration_point': 'admin__sys',
      'GET /api/:version/services/queues': 'admin__sys',
      'GET /api/:version/services/queues/:name': 'admin__sys',
      'PUT /api/:version/services/queues/:name/actions/disable_delivery': 'admin__sys',
      'PUT /api/:version/services/queues/:name/actions/enable_delivery': 'admin__sys',
      'POST /api/:version/services/connections/:api_name/rules/:integration_rule/dry_run': 'admin__sys',
      // Audit trails are the System Administrator's; deleted document ids need document read.
      'GET /api/:version/metadata/audittrail': 'admin__sys',
      'GET /api/:version/metadata/audittrail/:type': 'admin__sys',
      'GET /api/:version/audittrail/:type': 'admin__sys',
      'GET /api/:version/objects/deletions/documents': 'read documents',
      'GET /api/:version/objects/documents/deletions': 'read documents',
      // B21: who reads the metrics reads their report; recalculating them is a repair for admins.
      'GET /api/:version/reports/clm_content_metrics': 'read clm_content_metrics__v',
      'POST /api/:version/reports/clm_content_metrics/actions/recalculate': 'admin__sys',
    })
    // A permission is checked behind the session guard only.
    expect(t.app.routeTable.filter((r) => r.permission !== undefined && !r.session)).toEqual([])
  })
})
