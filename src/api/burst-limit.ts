import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Hook of the guarded scope, run after the session guard: counts the call against the vault's
 * burst limit and holds it when over. Only calls with a valid session or a verified signature
 * get here, so unauthenticated traffic cannot spend the budget of the vault's real callers.
 * A connected vault's signed calls count against its connection's own budget, not people's.
 */
export async function applyBurstLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const remote = request.session?.actor.remote
  const burst = request.server.vault.burst
  const ticket = remote === undefined ? burst.take() : burst.takeForConnection(remote.connectionId)
  void reply.header('X-VaultAPI-BurstLimit', String(ticket.limit))
  void reply.header('X-VaultAPI-BurstLimitRemaining', String(ticket.remaining))
  if (ticket.delayMs > 0) {
    void reply.header('X-VaultAPI-ResponseDelay', String(ticket.delayMs))
    await new Promise((resolve) => setTimeout(resolve, ticket.delayMs))
  }
}
