/**
 * One line an operator can act on for the failures of starting a vault process that are theirs to
 * fix (an address in use, a database that does not answer, refuses the login or does not exist),
 * instead of a driver's message or a stack trace. Anything else keeps its own message.
 */
export function operatorMessage(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown
    address?: unknown
    port?: unknown
    syscall?: unknown
    message?: unknown
  }
  const message = error instanceof Error ? error.message : String(error)
  const where =
    typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : ''
  if (e.code === 'EADDRINUSE' && e.syscall === 'listen')
    return `Another process already listens on ${where || 'that address'}: stop it, or start this vault on another --port.`
  if (e.code === 'EADDRNOTAVAIL' && e.syscall === 'listen')
    return `This machine has no address ${where || 'like that'} to listen on: give --host an address of this machine (127.0.0.1 or 0.0.0.0).`
  if (e.code === 'EACCES' && e.syscall === 'listen')
    return `This process may not listen on ${where || 'that port'} (ports below 1024 need privileges): choose a --port from 1024 up.`
  if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' || e.code === 'EHOSTUNREACH')
    return `The database at ${where || 'the --db address'} does not answer (${String(e.code)}): check that the PostgreSQL server runs and that --db names its host and port.`
  if (e.code === 'ENOTFOUND')
    return `The database host in --db is not known here (${message.replace(/^getaddrinfo ENOTFOUND /, '')}): correct the host name.`
  // PostgreSQL's own refusals, by SQLSTATE.
  if (e.code === '3D000')
    return `${message}: create it first (createdb), or correct the database name at the end of --db.`
  if (e.code === '28P01' || e.code === '28000')
    return `PostgreSQL refused the login in --db (${message}): correct the user and password, or the server's pg_hba.conf.`
  return message
}
