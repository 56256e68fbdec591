import { LiaisonError } from '../errors/index.js'
import type {
  DocumentLifecycleDefinition,
  DocumentLifecycleStateDefinition,
  DocumentTypeDefinition,
  ProfileDefinition,
} from '../metadata/index.js'

/** The starting state of a lifecycle (its first state when none is marked so). */
export function startingStateOf(lifecycle: DocumentLifecycleDefinition): DocumentLifecycleStateDefinition {
  const state = lifecycle.states.find((s) => s.stateType === 'starting_state__sys') ?? lifecycle.states[0]
  if (state === undefined)
    throw new LiaisonError('METADATA_INVALID', `Lifecycle ${lifecycle.name} has no states.`)
  return state
}

/** A state of a lifecycle by name; METADATA_INVALID when the lifecycle lacks it. */
export function stateOf(
  lifecycle: DocumentLifecycleDefinition,
  name: string,
): DocumentLifecycleStateDefinition {
  const state = lifecycle.states.find((s) => s.name === name)
  if (state === undefined)
    throw new LiaisonError('METADATA_INVALID', `Lifecycle ${lifecycle.name} has no state ${name}.`)
  return state
}

/**
 * The document types and lifecycles of one vault's profile, and their lookup: by name or label for
 * what a client sends (failing with the names it could use), by name for what is stored.
 */
export class DocumentDefinitions {
  readonly #types: ReadonlyMap<string, DocumentTypeDefinition>
  readonly #lifecycles: ReadonlyMap<string, DocumentLifecycleDefinition>

  constructor(profile: Pick<ProfileDefinition, 'documentTypes' | 'documentLifecycles'>) {
    this.#types = new Map((profile.documentTypes ?? []).map((t) => [t.name, t]))
    this.#lifecycles = new Map((profile.documentLifecycles ?? []).map((l) => [l.name, l]))
  }

  get types(): readonly DocumentTypeDefinition[] {
    return [...this.#types.values()]
  }

  get lifecycles(): readonly DocumentLifecycleDefinition[] {
    return [...this.#lifecycles.values()]
  }

  /** The type a client names (`type__v`, by name or label). */
  type(name: unknown): DocumentTypeDefinition {
    if (typeof name !== 'string' || name.trim() === '')
      throw new LiaisonError(
        'PARAMETER_MISSING',
        'Send type__v, the document type (e.g. reference_document__v).',
      )
    const type = this.#types.get(name) ?? [...this.#types.values()].find((t) => t.label === name)
    if (type === undefined)
      throw new LiaisonError(
        'DOCUMENT_TYPE_UNKNOWN',
        `This vault has no document type "${name}"; use one of ${[...this.#types.keys()].join(', ') || '(none)'}.`,
      )
    return type
  }

  /** The lifecycle a client names (`lifecycle__v`, by name or label); it must be one of the type's. */
  lifecycle(type: DocumentTypeDefinition, name: unknown): DocumentLifecycleDefinition {
    if (typeof name !== 'string' || name.trim() === '')
      throw new LiaisonError(
        'PARAMETER_MISSING',
        `Send lifecycle__v; type ${type.name} uses ${type.lifecycles.join(', ')}.`,
      )
    const lifecycle =
      this.#lifecycles.get(name) ?? [...this.#lifecycles.values()].find((l) => l.label === name)
    if (lifecycle === undefined || !type.lifecycles.includes(lifecycle.name))
      throw new LiaisonError(
        'DOCUMENT_LIFECYCLE_UNKNOWN',
        `Document type ${type.name} has no lifecycle "${name}"; use ${type.lifecycles.join(', ')}.`,
      )
    return lifecycle
  }

  /** The lifecycle a stored document is on, if the profile still defines it. */
  findLifecycle(name: string): DocumentLifecycleDefinition | undefined {
    return this.#lifecycles.get(name)
  }

  /** The lifecycle a stored document is on; METADATA_INVALID when the profile lacks it. */
  storedLifecycle(name: string): DocumentLifecycleDefinition {
    const lifecycle = this.#lifecycles.get(name)
    if (lifecycle === undefined)
      throw new LiaisonError('METADATA_INVALID', `Lifecycle ${name} is not defined.`)
    return lifecycle
  }
}
