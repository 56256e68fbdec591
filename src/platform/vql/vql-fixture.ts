import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { ManualClock } from '../clock/index.js'
import { MetadataRegistry, type ProfileDefinition } from '../metadata/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import type { VqlContext } from './vql-types.js'

/**
 * A small vault for VQL tests: cases (lifecycle, picklists single and multi, numbers, Yes/No,
 * dates, long text) and their requests (a reference), plus products nobody may read.
 * Rows are written directly, following the record service's storage conventions.
 */
export const VQL_TEST_PROFILE: ProfileDefinition = {
  name: 'vqltest',
  label: 'VQL test',
  picklists: [
    {
      name: 'status__v',
      label: 'Status',
      values: [
        { name: 'active__v', label: 'Active' },
        { name: 'inactive__v', label: 'Inactive' },
      ],
    },
    {
      name: 'country__v',
      label: 'Country',
      values: [
        { name: 'us__v', label: 'United States' },
        { name: 'ca__v', label: 'Canada' },
        { name: 'gb__v', label: 'United Kingdom' },
      ],
    },
    {
      name: 'priority__v',
      label: 'Priority',
      values: [
        { name: 'high__v', label: 'High' },
        { name: 'low__v', label: 'Low' },
      ],
    },
  ],
  objects: [
    {
      name: 'case__v',
      label: 'Case',
      labelPlural: 'Cases',
      prefix: 'CAS',
      plural: 'cases',
      fields: [
        { name: 'subject__v', label: 'Subject', type: 'String' },
        { name: 'notes__v', label: 'Notes', type: 'LongText' },
        { name: 'amount__v', label: 'Amount', type: 'Number' },
        { name: 'urgent__v', label: 'Urgent', type: 'Boolean' },
        { name: 'due_date__v', label: 'Due Date', type: 'Date' },
        { name: 'priority__v', label: 'Priority', type: 'Picklist', picklist: 'priority__v' },
        {
          name: 'countries__v',
          label: 'Countries',
          type: 'Picklist',
          picklist: 'country__v',
          multiValue: true,
        },
        { name: 'product__v', label: 'Product', type: 'Object', object: 'product__v' },
      ],
      lifecycle: {
        name: 'case_lifecycle__v',
        label: 'Case Lifecycle',
        states: [
          { name: 'new_state__v', label: 'New', stateType: 'initial_state__sys' },
          { name: 'open_state__v', label: 'Open', stateType: 'in_progress_state__sys' },
          { name: 'closed_state__v', label: 'Closed', stateType: 'complete_state__sys' },
          { name: 'cancelled_state__v', label: 'Cancelled', stateType: 'cancelled_state__sys' },
        ],
        actions: [],
      },
    },
    {
      name: 'case_request__v',
      label: 'Case Request',
      labelPlural: 'Case Requests',
      prefix: 'CRQ',
      plural: 'case_requests',
      fields: [
        { name: 'case__v', label: 'Case', type: 'Object', object: 'case__v' },
        { name: 'description__v', label: 'Description', type: 'String' },
        { name: 'quantity__v', label: 'Quantity', type: 'Number' },
      ],
    },
    {
      name: 'product__v',
      label: 'Product',
      labelPlural: 'Products',
      prefix: 'PRD',
      plural: 'products',
      fields: [],
    },
  ],
  permissions: {},
}

export const NOW = '2026-03-18T12:00:00.000Z'

type Values = Record<string, string | number | null>

function system(id: string, name: string, modified: string): Values {
  return {
    id,
    name__v: name,
    status__v: 'active__v',
    created_date__v: '2026-01-01T00:00:00.000Z',
    created_by__v: 'user-1',
    modified_date__v: modified,
    modified_by__v: 'user-1',
    global_id__sys: `vault_${id}`,
    link__sys: `vault_${id}`,
  }
}

export const CASES: readonly Values[] = [
  {
    ...system('CAS000000000001', 'Alpha', '2026-03-18T08:00:00.000Z'),
    subject__v: 'Insulin pump question',
    notes__v: 'n'.repeat(300),
    amount__v: 10,
    urgent__v: 1,
    due_date__v: '2026-03-18',
    priority__v: 'high__v',
    countries__v: 'us__v,ca__v',
    state__v: 'open_state__v',
    product__v: 'PRD000000000001',
  },
  {
    ...system('CAS000000000002', 'Beta', '2026-03-01T00:00:00.000Z'),
    subject__v: 'Cholesterol levels',
    notes__v: 'short',
    amount__v: 20.5,
    urgent__v: 0,
    due_date__v: '2026-03-10',
    priority__v: 'low__v',
    countries__v: 'gb__v',
    state__v: 'closed_state__v',
  },
  {
    ...system('CAS000000000003', 'Gamma', '2025-12-31T23:59:59.000Z'),
    subject__v: null,
    notes__v: null,
    amount__v: null,
    urgent__v: null,
    due_date__v: null,
    priority__v: null,
    countries__v: null,
    state__v: 'new_state__v',
  },
  {
    ...system('CAS000000000004', "O'Brien", '2026-03-17T10:00:00.000Z'),
    subject__v: 'Diabetes and insulin',
    amount__v: 5,
    urgent__v: 1,
    due_date__v: '2026-04-02',
    priority__v: 'high__v',
    countries__v: 'ca__v',
    state__v: 'cancelled_state__v',
  },
  {
    ...system('CAS000000000005', 'alpha', '2026-03-18T11:59:00.000Z'),
    subject__v: 'Misc 100% sure_thing',
    amount__v: 30,
    urgent__v: 0,
    due_date__v: '2026-03-16',
    priority__v: 'low__v',
    countries__v: 'us__v',
    state__v: 'closed_state__v',
  },
]

export const REQUESTS: readonly Values[] = [
  {
    ...system('CRQ000000000001', 'R1', '2026-03-01T00:00:00.000Z'),
    case__v: 'CAS000000000001',
    description__v: 'req one',
    quantity__v: 1,
  },
  {
    ...system('CRQ000000000002', 'R2', '2026-03-02T00:00:00.000Z'),
    case__v: 'CAS000000000001',
    description__v: 'req two',
    quantity__v: 2,
  },
  {
    ...system('CRQ000000000003', 'R3', '2026-03-03T00:00:00.000Z'),
    case__v: 'CAS000000000002',
    description__v: 'req three',
    quantity__v: 3,
  },
  {
    ...system('CRQ000000000004', 'R4', '2026-03-04T00:00:00.000Z'),
    case__v: null,
    description__v: null,
    quantity__v: null,
  },
]

export interface VqlTestVault {
  readonly storage: Storage
  readonly registry: MetadataRegistry
  readonly clock: ManualClock
  context(options?: { userId?: string; unreadable?: readonly string[] }): VqlContext
  close(): Promise<void>
}

/** A fresh database with the test profile's tables and rows. */
export async function openVqlTestVault(): Promise<VqlTestVault> {
  const database: TestDatabase = await createTestDatabase('vql')
  const storage = createDatabase(database.config)
  await migrateToLatest(storage)
  const registry = await MetadataRegistry.open(storage, VQL_TEST_PROFILE)
  await storage.db
    .insertInto('case__v')
    .values([...CASES])
    .execute()
  await storage.db
    .insertInto('case_request__v')
    .values([...REQUESTS])
    .execute()
  await storage.db
    .insertInto('product__v')
    .values({ ...system('PRD000000000001', 'Secret', '2026-01-01T00:00:00.000Z') })
    .execute()
  const clock = new ManualClock(NOW)
  return {
    storage,
    registry,
    clock,
    context: (options = {}) => {
      const unreadable = new Set(options.unreadable ?? ['product__v'])
      return {
        storage,
        metadata: registry.current,
        clock,
        userId: options.userId ?? 'user-1',
        canRead: (name: string) => !unreadable.has(name),
      }
    },
    close: async () => {
      await storage.close()
      await database.drop()
    },
  }
}
