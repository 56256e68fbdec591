import {
  type TNull,
  type TObject,
  type TProperties,
  type TSchema,
  type TString,
  type TUnion,
  Type,
} from 'typebox'

/** `{version}` of every path under /api/{version}; the versioned scope checks its form (MALFORMED_URL). */
export const API_VERSION = Type.String({
  description: 'API version, e.g. v25.2; GET /api/ lists them.',
  examples: ['v25.2'],
})

/** The path parameters of a route under /api/{version}: the version and the route's own. */
export function pathParams<P extends TProperties>(properties: P): TObject<{ version: TString } & P> {
  return Type.Object({ version: API_VERSION, ...properties })
}

/**
 * A value that may also be sent as JSON null, read as absent. Null comes first: with type
 * coercion on, a null tried against a string first would become "".
 */
export function nullable<T extends TSchema>(schema: T): TUnion<[TNull, T]> {
  return Type.Union([Type.Null(), schema])
}

/** Text with surrounding blanks removed; blank text reads as absent, as Vault reads an empty field. */
export function trimmedText(value: string | null | undefined): string | undefined {
  const text = value?.trim()
  return text === undefined || text === '' ? undefined : text
}
