import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { send } from './envelope.js'
import { dataResponse, NULLABLE_TEXT, openObject } from './envelope-schema.js'
import { CONNECTION_ADMIN, sessionOf } from './guards.js'
import { pathParams } from './request-schemas.js'

const QUEUE_SUMMARY = {
  name: Type.String(),
  type: Type.String({ enum: ['outbound', 'inbound'] }),
  status: Type.String(),
  connection: Type.String(),
  delivery: Type.String({ enum: ['enabled', 'disabled'] }),
  url: Type.String(),
}

const QUEUE_DETAIL = openObject({
  ...QUEUE_SUMMARY,
  messages_in_queue: Type.Integer({
    description: 'Messages still to deliver (outbound) or process (inbound).',
  }),
  messages_failed: Type.Integer({
    description: 'Dead or failed messages, each with a User Exception Message.',
  }),
  connections: Type.Array(
    openObject({
      name: Type.String(),
      remote_vault_name: Type.String(),
      remote_vault_id: Type.String(),
      last_message_delivered: Type.Union([Type.String({ enum: ['ok', 'error'] }), Type.Null()]),
      last_delivered_date: NULLABLE_TEXT,
      error: Type.Union([
        openObject({ message_id: Type.String(), date_time: Type.String(), message: Type.String() }),
        Type.Null(),
      ]),
    }),
  ),
})

const QUEUE_EXAMPLE = {
  name: 'medical_crm__v_outbound_queue',
  type: 'outbound',
  status: 'active__v',
  connection: 'medical_crm__v',
  delivery: 'enabled',
  messages_in_queue: 0,
  messages_failed: 0,
  connections: [
    {
      name: 'medical_crm__v',
      remote_vault_name: 'crm-na',
      remote_vault_id: '1002',
      last_message_delivered: 'ok',
      last_delivered_date: '2025-05-01T09:30:00.000Z',
      error: null,
    },
  ],
}

const QUEUE_NAME = Type.String({
  description: 'Queue name, from GET /services/queues.',
  examples: ['medical_crm__v_outbound_queue'],
})

/** Queues (spec/api.md; Vault's Queue API): one outbound and one inbound queue per connection. */
export async function queueRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/services/queues',
    {
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'List the queues (admin)',
        tags: ['queues'],
        params: pathParams({}),
        response: dataResponse(Type.Array(openObject(QUEUE_SUMMARY)), {
          responseStatus: 'SUCCESS',
          data: [
            {
              name: QUEUE_EXAMPLE.name,
              type: 'outbound',
              status: 'active__v',
              connection: 'medical_crm__v',
              delivery: 'enabled',
              url: '/api/v25.2/services/queues/medical_crm__v_outbound_queue',
            },
          ],
        }),
      },
    },
    async (request, reply) => {
      const { version } = request.params
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
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'Queue status: messages waiting, last delivery per connection, last error (admin)',
        tags: ['queues'],
        params: pathParams({ name: QUEUE_NAME }),
        response: dataResponse(QUEUE_DETAIL, { responseStatus: 'SUCCESS', data: QUEUE_EXAMPLE }),
      },
    },
    async (request, reply) => {
      const { name } = request.params
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
        config: { permission: CONNECTION_ADMIN },
        schema: {
          summary: enabled
            ? 'Restart delivery on an outbound queue; waiting messages go out in order (admin)'
            : 'Stop delivery on an outbound queue; messages keep queuing (admin)',
          tags: ['queues'],
          params: pathParams({ name: QUEUE_NAME }),
          response: dataResponse(QUEUE_DETAIL, {
            responseStatus: 'SUCCESS',
            data: { ...QUEUE_EXAMPLE, delivery: enabled ? 'enabled' : 'disabled' },
          }),
        },
      },
      async (request, reply) => {
        const { actor } = sessionOf(request)
        const { name } = request.params
        const queue = await app.vault.messaging.setDelivery(name, enabled, actor)
        return send(reply, { responseStatus: 'SUCCESS', data: queue })
      },
    )
}
