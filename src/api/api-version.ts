import { LiaisonError } from '../platform/errors/index.js'

/** API versions answered by GET /api/; any `vYY.N` is accepted on calls (spec/api.md). */
export const LISTED_API_VERSIONS = ['v24.1', 'v24.2', 'v24.3', 'v25.1', 'v25.2', 'v25.3', 'v26.1'] as const

const VERSION_RE = /^v\d{1,2}\.\d{1,2}$/

export function assertApiVersion(version: string): string {
  if (!VERSION_RE.test(version))
    throw new LiaisonError(
      'URL_MALFORMED',
      `"${version}" is not an API version; use one such as v25.2 (GET /api/ lists them).`,
    )
  return version
}
