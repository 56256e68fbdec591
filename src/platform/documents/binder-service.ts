import type { Kysely, Transaction } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { DocumentView } from './document-reads.js'
import type { DocumentService } from './document-service.js'
import type { DocumentActor, DocumentChange, DocumentDraft } from './document-types.js'
import { DOCUMENTS_AUDIT_OBJECT, DocumentWrites } from './document-writes.js'

/**
 * Binders: a binder is a document (same ids, types, lifecycles and versions) flagged binder__v,
 * with ordered nodes that each point to a document. Glossary:
 * - node: one entry of a binder (`binder_node`), at a position `order__v` unique in its binder.
 */

/** One node of a binder, as GET /objects/binders/{id} answers it. */
export interface BinderNode {
  readonly id: number
  readonly parent_id__sys: 'rootNode'
  readonly order__v: number
  readonly type__v: 'document'
  readonly document_id__v: number
  readonly name__v: string | null
}

export interface BinderView extends DocumentView {
  readonly nodes: readonly BinderNode[]
}

/** What POST /objects/binders/{id}/documents sends. */
export interface BinderNodeInput {
  readonly document_id__v?: unknown
  readonly order__v?: unknown
}

function fail(code: 'PARAMETER_MISSING' | 'FIELD_TYPE' | 'RECORD_NOT_FOUND', message: string): never {
  throw new LiaisonError(code, message)
}

/** A whole number > 0 from a form or JSON value, or undefined when it is not one. */
function positiveWhole(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (!/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/**
 * Checks a document about to become a node of a binder, in the writing transaction; throwing a
 * LiaisonError refuses it and nothing changes. A higher layer adds them (what a presentation holds).
 */
export type BinderNodeGuard = (
  trx: Transaction<VaultDb>,
  node: { readonly binderId: number; readonly documentId: number },
) => Promise<void>

export class BinderService {
  readonly #guards: BinderNodeGuard[] = []
  readonly #storage: Storage
  readonly #clock: Clock
  readonly #writes: DocumentWrites
  readonly #documents: DocumentService

  constructor(options: {
    readonly storage: Storage
    readonly clock: Clock
    readonly documents: DocumentService
  }) {
    this.#storage = options.storage
    this.#clock = options.clock
    this.#writes = new DocumentWrites(options.storage, options.clock)
    this.#documents = options.documents
    // Nodes point at documents: when a binder or a bound document is deleted, its nodes go with
    // it in the same transaction (and the binders that lose a node say so in their audit trail).
    this.#documents.addChangeHook((trx, change) => this.#onDocumentChange(trx, change))
  }

  /** Adds a check every new node must pass (in the writing transaction). */
  addNodeGuard(guard: BinderNodeGuard): void {
    this.#guards.push(guard)
  }

  /** Creates a binder: a document of the given type and lifecycle with no nodes yet; answers its id. */
  async create(actor: DocumentActor, draft: DocumentDraft): Promise<number> {
    return this.#documents.create(actor, draft, { binder: true })
  }

  async #binder(db: Kysely<VaultDb>, id: number): Promise<void> {
    if (!Number.isSafeInteger(id) || id <= 0) fail('RECORD_NOT_FOUND', `"${id}" is not a binder id.`)
    const row = await db.selectFrom('document').select('binder__v').where('id', '=', id).executeTakeFirst()
    if (row === undefined) fail('RECORD_NOT_FOUND', `This vault has no binder ${id}.`)
    if (Number(row.binder__v) !== 1)
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Document ${id} is not a binder; create a binder with POST /objects/binders and add documents to it.`,
      )
  }

  /**
   * Adds a document to a binder at `order__v` (default: after the last node); answers the node id.
   * A position already taken, an unknown document or a binder inside itself changes nothing.
   */
  async addDocument(
    actor: DocumentActor,
    binderId: number,
    input: BinderNodeInput,
  ): Promise<{ id: number; order: number }> {
    if (input.document_id__v === undefined || input.document_id__v === '')
      fail('PARAMETER_MISSING', 'Send document_id__v, the id of the document to add to the binder.')
    const documentId = positiveWhole(input.document_id__v)
    if (documentId === undefined)
      fail(
        'FIELD_TYPE',
        `document_id__v must be a document id (a whole number), got "${String(input.document_id__v)}".`,
      )
    const given =
      input.order__v === undefined || input.order__v === '' ? undefined : positiveWhole(input.order__v)
    if (input.order__v !== undefined && input.order__v !== '' && given === undefined)
      fail('FIELD_TYPE', `order__v must be a whole number from 1, got "${String(input.order__v)}".`)
    return this.#writes.transaction(async (db) => {
      await this.#binder(db, binderId)
      if (documentId === binderId)
        throw new LiaisonError('OPERATION_NOT_ALLOWED', `Binder ${binderId} cannot contain itself.`)
      await this.#writes.assertReferenced(db, documentId, 'document_id__v', 'add an existing document.')
      for (const guard of this.#guards) await guard(db, { binderId, documentId })
      const nodes = await db
        .selectFrom('binder_node')
        .select(['order__v', 'document_id'])
        .where('binder_id', '=', binderId)
        .execute()
      const taken = nodes.find((n) => Number(n.order__v) === given)
      if (taken !== undefined)
        throw new LiaisonError(
          'UNIQUE_VIOLATION',
          `Binder ${binderId} already holds document ${String(taken.document_id)} at order__v ${given}; choose a free position.`,
        )
      const order = given ?? Math.max(0, ...nodes.map((n) => Number(n.order__v))) + 1
      const now = isoTimestamp(this.#clock)
      const inserted = await db
        .insertInto('binder_node')
        .values({
          binder_id: binderId,
          document_id: documentId,
          order__v: order,
          created_date: now,
          created_by: actor.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await this.#writes.audit(db, actor, [
        {
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(binderId),
          fieldName: 'binder_node',
          oldValue: null,
          newValue: `${documentId}@${order}`,
          description: `Added document ${documentId} to binder ${binderId} at position ${order}`,
        },
      ])
      await this.#nodesChanged(db, actor, binderId)
      return { id: Number(inserted.id), order }
    })
  }

  /**
   * Adds the binder's next minor version (Vault's Create Binder Version): its fields carried over,
   * in the lifecycle's starting state, so it can go through review and approval again.
   */
  async addVersion(actor: DocumentActor, binderId: number): Promise<{ major: number; minor: number }> {
    await this.#binder(this.#storage.db, binderId)
    return this.#documents.addVersion(actor, binderId)
  }

  /**
   * A change of nodes changes the binder: its latest version's modified date moves, so readers by
   * modified date (VQL, incremental pulls) see it, and the change hooks hear of it.
   */
  async #nodesChanged(db: Transaction<VaultDb>, actor: DocumentActor, binderId: number): Promise<void> {
    const doc = await db
      .selectFrom('document')
      .select(['latest_major', 'latest_minor'])
      .where('id', '=', binderId)
      .executeTakeFirstOrThrow()
    await db
      .updateTable('document_version')
      .set({ modified_date: isoTimestamp(this.#clock), modified_by: actor.userId })
      .where('document_id', '=', binderId)
      .where('major', '=', doc.latest_major)
      .where('minor', '=', doc.latest_minor)
      .execute()
    await this.#documents.notifyChangeIn(db, { documentId: binderId, kind: 'nodes', actor })
  }

  /** The node of a binder, or RECORD_NOT_FOUND naming the binder's nodes. */
  async #node(db: Kysely<VaultDb>, binderId: number, nodeId: number): Promise<{ document_id: number }> {
    await this.#binder(db, binderId)
    const node = await db
      .selectFrom('binder_node')
      .select(['id', 'document_id'])
      .where('binder_id', '=', binderId)
      .where('id', '=', nodeId)
      .executeTakeFirst()
    if (node === undefined)
      fail(
        'RECORD_NOT_FOUND',
        `Binder ${binderId} has no node ${nodeId}; GET /objects/binders/${binderId} lists its nodes.`,
      )
    return { document_id: Number(node.document_id) }
  }

  /** Removes one node from a binder (the document itself stays). */
  async removeNode(actor: DocumentActor, binderId: number, nodeId: number): Promise<void> {
    await this.#writes.transaction(async (db) => {
      const node = await this.#node(db, binderId, nodeId)
      await db.deleteFrom('binder_node').where('id', '=', nodeId).execute()
      await this.#writes.audit(db, actor, [
        {
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(binderId),
          fieldName: 'binder_node',
          oldValue: `${node.document_id}`,
          newValue: null,
          description: `Removed document ${node.document_id} from binder ${binderId}`,
        },
      ])
      await this.#nodesChanged(db, actor, binderId)
    })
  }

  /**
   * Moves one node to position `order__v` (1 = first; past the end = last); the binder's nodes are
   * numbered 1, 2, 3 … again in their new order.
   */
  async moveNode(actor: DocumentActor, binderId: number, nodeId: number, rawOrder: unknown): Promise<number> {
    if (rawOrder === undefined || rawOrder === '')
      fail('PARAMETER_MISSING', 'Send order__v, the position (from 1) to move the node to.')
    const wanted = positiveWhole(rawOrder)
    if (wanted === undefined)
      fail('FIELD_TYPE', `order__v must be a whole number from 1, got "${String(rawOrder)}".`)
    return this.#writes.transaction(async (db) => {
      const node = await this.#node(db, binderId, nodeId)
      const nodes = await db
        .selectFrom('binder_node')
        .select(['id', 'order__v'])
        .where('binder_id', '=', binderId)
        .orderBy('order__v')
        .execute()
      const others = nodes.filter((n) => Number(n.id) !== nodeId)
      const position = Math.min(wanted, others.length + 1)
      const ids = [...others.slice(0, position - 1), { id: nodeId }, ...others.slice(position - 1)].map((n) =>
        Number(n.id),
      )
      // Two steps, so the unique position of each node holds at every statement.
      for (const [i, id] of ids.entries())
        await db
          .updateTable('binder_node')
          .set({ order__v: -(i + 1) })
          .where('id', '=', id)
          .execute()
      await db
        .updateTable('binder_node')
        .set((eb) => ({ order__v: eb.neg(eb.ref('order__v')) }))
        .where('binder_id', '=', binderId)
        .where('order__v', '<', 0)
        .execute()
      await this.#writes.audit(db, actor, [
        {
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(binderId),
          fieldName: 'binder_node',
          oldValue: null,
          newValue: `${node.document_id}@${position}`,
          description: `Moved document ${node.document_id} to position ${position} of binder ${binderId}`,
        },
      ])
      await this.#nodesChanged(db, actor, binderId)
      return position
    })
  }

  /** A binder's latest version and its nodes in order. */
  async get(binderId: number): Promise<BinderView> {
    const db = this.#storage.db
    await this.#binder(db, binderId)
    const view = await this.#documents.get(binderId)
    const rows = await db
      .selectFrom('binder_node as n')
      .leftJoin('document as d', 'd.id', 'n.document_id')
      .leftJoin('document_version as v', (join) =>
        join
          .onRef('v.document_id', '=', 'd.id')
          .onRef('v.major', '=', 'd.latest_major')
          .onRef('v.minor', '=', 'd.latest_minor'),
      )
      .select(['n.id', 'n.order__v', 'n.document_id', 'v.name__v'])
      .where('n.binder_id', '=', binderId)
      .orderBy('n.order__v')
      .execute()
    return {
      ...view,
      nodes: rows.map((r) => ({
        id: Number(r.id),
        parent_id__sys: 'rootNode' as const,
        order__v: Number(r.order__v),
        type__v: 'document' as const,
        document_id__v: Number(r.document_id),
        name__v: r.name__v === null || r.name__v === undefined ? null : String(r.name__v),
      })),
    }
  }

  async #onDocumentChange(trx: Transaction<VaultDb>, change: DocumentChange): Promise<void> {
    if (change.kind !== 'delete') return
    const id = change.documentId
    const holders = await trx
      .selectFrom('binder_node')
      .select(['binder_id', 'order__v'])
      .where('document_id', '=', id)
      .where('binder_id', '!=', id)
      .execute()
    await trx.deleteFrom('binder_node').where('binder_id', '=', id).execute()
    await trx.deleteFrom('binder_node').where('document_id', '=', id).execute()
    await this.#writes.audit(
      trx,
      change.actor,
      holders.map((h) => ({
        action: 'Edit' as const,
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(h.binder_id),
        fieldName: 'binder_node',
        oldValue: `${id}@${String(h.order__v)}`,
        newValue: null,
        description: `Removed document ${id} from binder ${String(h.binder_id)} because the document was deleted`,
      })),
    )
    // The binders that lost a node changed: their readers (CLM publishing, say) hear of it.
    for (const binderId of new Set(holders.map((h) => Number(h.binder_id))))
      await this.#nodesChanged(trx, change.actor, binderId)
  }
}
