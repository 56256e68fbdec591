import type { ShowStatementNode } from './ast.js'
import { invalidQuery } from './errors.js'
import type { QueryTarget, TargetRegistry } from './query-targets.js'
import type { VqlContext, VqlResponse } from './vql-types.js'

/** SHOW's LIKE: `%` matches any run anywhere (a leading `%` is allowed here), case-insensitively. */
function likeMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    else if (c === '%') source += '.*'
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  const re = new RegExp(`^${source}$`, 'is')
  return (name) => re.test(name)
}

function readableTarget(
  statement: ShowStatementNode,
  registry: TargetRegistry,
  ctx: VqlContext,
): QueryTarget {
  const name = statement.target ?? ''
  const target = registry.get(name)
  if (target === undefined || !ctx.canRead(target.securedAs))
    throw invalidQuery(`Unknown query target "${name}". SHOW TARGETS lists the targets.`, statement.pos)
  return target
}

/** SHOW TARGETS | FIELDS FROM t | RELATIONSHIPS FROM t [LIKE '…'] (v25.2+). */
export function runShow(
  statement: ShowStatementNode,
  registry: TargetRegistry,
  ctx: VqlContext,
): VqlResponse {
  const matches = likeMatcher(statement.like?.raw)
  const rows: Record<string, unknown>[] = []
  if (statement.subject === 'TARGETS') {
    for (const t of registry.all())
      if (ctx.canRead(t.securedAs)) rows.push({ name: t.name, label: t.label, label_plural: t.labelPlural })
  } else if (statement.subject === 'FIELDS') {
    for (const f of readableTarget(statement, registry, ctx).fields)
      rows.push({
        name: f.name,
        label: f.label,
        type: f.type,
        required: f.required,
        unique: f.unique,
        ...(f.maxLength === undefined ? {} : { max_length: f.maxLength }),
        ...(f.picklist === undefined ? {} : { picklist: f.picklist.name, multi_value: f.multiValue }),
        // Multi-value references exist on documents (country__v, product__v).
        ...(f.picklist === undefined && f.multiValue ? { multi_value: true } : {}),
        ...(f.object === undefined ? {} : { object: f.object }),
      })
  } else {
    const target = readableTarget(statement, registry, ctx)
    for (const r of target.relationships.values()) {
      const other = registry.get(r.target)
      if (other === undefined || !ctx.canRead(other.securedAs)) continue
      rows.push({
        name: r.name,
        label: r.direction === 'inbound' ? other.labelPlural : other.label,
        type: r.direction === 'inbound' ? 'reference_inbound' : 'reference_outbound',
        object: r.target,
        field: r.column,
      })
    }
  }
  const data = rows
    .filter((r) => matches(String(r.name)))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
  return {
    responseStatus: 'SUCCESS',
    responseDetails: { pagesize: data.length, pageoffset: 0, size: data.length, total: data.length },
    data,
  }
}
