import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import { DOCUMENT_FORM_TYPES, documentAccess, documentFields, readDocumentForm } from './document-form.js'
import {
  BINDER_ANSWER,
  BINDER_NODE,
  BINDER_NODE_MOVE,
  BINDER_NODE_PARAMS,
  DOCUMENT_FIELDS,
  DOCUMENT_PARAMS,
  idAnswer,
} from './document-schemas.js'
import { viewBody } from './document-view.js'
import { send } from './envelope.js'
import { sessionOf } from './guards.js'
import { pathParams } from './request-schemas.js'

/** Binders (platform/documents/binder-service.ts): a binder is a document with ordered nodes. */
export async function binderRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()

  app.post(
    '/objects/binders',
    {
      config: documentAccess('create'),
      preValidation: readDocumentForm,
      schema: {
        summary: 'Create a binder (name__v, type__v, lifecycle__v, fields; like a document without a file)',
        tags: ['documents'],
        consumes: DOCUMENT_FORM_TYPES,
        params: pathParams({}),
        body: DOCUMENT_FIELDS,
        response: idAnswer({ responseMessage: 'successfully created binder', id: 3 }),
      },
    },
    async (request, reply) => {
      if (request.upload !== undefined)
        throw new LiaisonError('BODY_MALFORMED', 'A binder has no file of its own; send its fields only.')
      const id = await app.vault.binders.create(sessionOf(request).actor, {
        fields: documentFields(request.body),
      })
      return send(reply, { responseStatus: 'SUCCESS', responseMessage: 'successfully created binder', id })
    },
  )

  app.get(
    '/objects/binders/:id',
    {
      schema: {
        summary: 'Retrieve a binder (latest version) and its nodes in order',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: BINDER_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, id } = request.params
      const view = await app.vault.binders.get(id)
      return send(reply, { ...viewBody(version, id, view), binder: { nodes: view.nodes } })
    },
  )

  app.post(
    '/objects/binders/:id/documents',
    {
      config: documentAccess('edit'),
      preValidation: readDocumentForm,
      schema: {
        summary: 'Add a document to a binder (document_id__v, order__v)',
        tags: ['documents'],
        consumes: DOCUMENT_FORM_TYPES,
        params: DOCUMENT_PARAMS,
        body: BINDER_NODE,
        response: idAnswer({ id: 1, order__v: 1 }),
      },
    },
    async (request, reply) => {
      const node = await app.vault.binders.addDocument(
        sessionOf(request).actor,
        request.params.id,
        request.body,
      )
      return send(reply, { responseStatus: 'SUCCESS', id: node.id, order__v: node.order })
    },
  )

  app.post(
    '/objects/binders/:id',
    {
      config: documentAccess('edit'),
      schema: {
        summary:
          'Create a binder version: the next minor version, in the starting state, fields carried over',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: idAnswer({ id: 3, major_version_number__v: 1, minor_version_number__v: 1 }),
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const version = await app.vault.binders.addVersion(sessionOf(request).actor, id)
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseMessage: 'successfully created binder version',
        id,
        major_version_number__v: version.major,
        minor_version_number__v: version.minor,
      })
    },
  )

  app.put(
    '/objects/binders/:id/documents/:node_id',
    {
      config: documentAccess('edit'),
      preValidation: readDocumentForm,
      schema: {
        summary:
          'Move a node of a binder to another position (order__v); the nodes are numbered 1, 2, 3 … again',
        tags: ['documents'],
        consumes: DOCUMENT_FORM_TYPES,
        params: BINDER_NODE_PARAMS,
        body: BINDER_NODE_MOVE,
        response: idAnswer({ id: 1, order__v: 1 }),
      },
    },
    async (request, reply) => {
      const { id, node_id } = request.params
      const order = await app.vault.binders.moveNode(
        sessionOf(request).actor,
        id,
        node_id,
        request.body?.order__v,
      )
      return send(reply, { responseStatus: 'SUCCESS', id: node_id, order__v: order })
    },
  )

  app.delete(
    '/objects/binders/:id/documents/:node_id',
    {
      config: documentAccess('edit'),
      schema: {
        summary: 'Remove a node from a binder (the document itself stays)',
        tags: ['documents'],
        params: BINDER_NODE_PARAMS,
        response: idAnswer({ id: 1 }),
      },
    },
    async (request, reply) => {
      const { id, node_id } = request.params
      await app.vault.binders.removeNode(sessionOf(request).actor, id, node_id)
      return send(reply, { responseStatus: 'SUCCESS', id: node_id })
    },
  )
}
