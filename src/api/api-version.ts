import { LiaisonError } from '../platform/errors/index.js'

/** API versions answered by GET /api/, and the only ones calls are answered on, as Vault does. */
export const LISTED_API_VERSIONS = ['v24.1', 'v24.2', 'v24.3', 'v25.1', 'v25.2', 'v25.3', 'v26.1'] as const

const LISTED: ReadonlySet<string> = new Set(LISTED_API_VERSIONS)

/** The version of a path under /api/{version}/, or undefined when the path is not under one. */
export function versionOfPath(path: string): string | undefined {
  return /^\/api\/(v[^/?]*)(\/|$)/.exec(path)?.[1]
}

/** Refuses a version GET /api/ does not list (MALFORMED_URL, naming the versions it does). */
export function assertApiVersion(version: string): string {
  if (!LISTED.has(version))
    throw new LiaisonError(
      'URL_MALFORMED',
      `API version "${version}" is not supported here; use one of ${LISTED_API_VERSIONS.join(', ')} (GET /api/ lists them).`,
    )
  return version
}
