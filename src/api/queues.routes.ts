import type { FastifyInstance } from 'fastify'
import { assertAdmin, envelopeSchema } from './connections.routes.js'
import { send } from './envelope.js'

const QUEUE_SUMMARY = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['outbound', 'inbound'] },
    status: { type: 'string' },
    connection: { type: 'string' },
    delivery: { type: 'string', enum: ['enabled', 'disabled'] },
    url: { type: 'string' },
  },
} as const

const QUEUE_DETAIL = {
  type: 'object',
  additionalProperties: true,
  properties: {
    ...QUEUE_SUMMARY.properties,
    messages_in_queue: {
      type: 'integer',
      description: 'Messages still to deliver (outbound) or process (inbound).',
    },
    messages_failed: {
      type: 'integer',
      description: 'Dead or failed messages, each with a User Exception Message.',
    },
    connections: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          name: { type: 'string' },
          remote_vault_name: { type: 'string' },
          remote_vault_id: { type: 'string' },
          last_message_delivered: { type: ['string', 'null'], enum: ['ok', 'error', null] },
          last_delivered_date: { type: ['string', 'null'] },
          error: {
            type: ['object', 'null'],
            additionalProperties: true,
            properties: {
              message_id: { type: 'string' },
              date_time: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const

/** Queues (spec/api.md; Vault's Queue API): one outbound and one inbound queue per connection. */
export async function queueRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/services/queues',
    {
      schema: {
        summary: 'List the queues (admin)',
        tags: ['queues'],
        response: envelopeSchema({ type: 'array', items: QUEUE_SUMMARY }),
      },
    },
    async (request, reply) => {
      assertAdmin(request)
      const { version } = request.params as { version: string }
      const queues = await app.vault.messaging.listQueues()
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: queues.map((q) => ({ ...q, url: `/api/${version}/services/queues/${q.name}` })),
      })
    },
  )

  app.get(
    '/services/queues/:name',
    {
      schema: {
        summary: 'Queue status: messages waiting, last delivery per connection, last error (admin)',
        tags: ['queues'],
        response: envelopeSchema(QUEUE_DETAIL),
      },
    },
    async (request, reply) => {
      assertAdmin(request)
      const { name } = request.params as { name: string }
      return send(reply, { responseStatus: 'SUCCESS', data: await app.vault.messaging.queue(name) })
    },
  )

  for (const [action, enabled] of [
    ['disable_delivery', false],
    ['enable_delivery', true],
  ] as const)
    app.put(
      `/services/queues/:name/actions/${action}`,
      {
        schema: {
          summary: enabled
            ? 'Restart delivery on an outbound queue; waiting messages go out in order (admin)'
            : 'Stop delivery on an outbound queue; messages keep queuing (admin)',
          tags: ['queues'],
          response: envelopeSchema(QUEUE_DETAIL),
        },
      },
      async (request, reply) => {
        const { actor } = assertAdmin(request)
        const { name } = request.params as { name: string }
        const queue = await app.vault.messaging.setDelivery(name, enabled, actor)
        return send(reply, { responseStatus: 'SUCCESS', data: queue })
      },
    )
}
