import { LiaisonError } from '../errors/index.js'
import type { SourcePosition } from './ast.js'

/** A query that parses but names something that does not exist or combines things Vault refuses. */
export function invalidQuery(message: string, pos?: SourcePosition): LiaisonError {
  const where = pos === undefined ? '' : ` (line ${pos.line}, column ${pos.column})`
  return new LiaisonError('QUERY_INVALID', `${message}${where}`, {
    details: pos === undefined ? {} : { line: pos.line, column: pos.column },
  })
}
