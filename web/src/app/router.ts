import { useSyncExternalStore } from 'react'

/**
 * The app's routes, all under /ui so they never meet the API (/api), the operations routes or the
 * docs; the vault serves index.html for every /ui path, so each is a deep link that survives a reload.
 */
export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'objects'; readonly object: string }
  | { readonly page: 'new'; readonly object: string }
  | { readonly page: 'record'; readonly object: string; readonly id: string }
  | { readonly page: 'documents' }
  | { readonly page: 'document'; readonly id: string; readonly tab: 'details' | 'metrics' }
  | { readonly page: 'connections' }
  | { readonly page: 'queues' }
  | { readonly page: 'exceptions' }
  | { readonly page: 'trace'; readonly object: string; readonly id: string }
  | { readonly page: 'not-found'; readonly path: string }

export function matchRoute(path: string): Route {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent)
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'ui')) return { page: 'home' }
  if (parts[0] !== 'ui') return { page: 'not-found', path }
  const [, section, a, b] = parts
  if (section === 'objects' && a !== undefined && parts.length === 3) return { page: 'objects', object: a }
  if (section === 'objects' && a !== undefined && b === 'new' && parts.length === 4)
    return { page: 'new', object: a }
  if (section === 'objects' && a !== undefined && b !== undefined && parts.length === 4)
    return { page: 'record', object: a, id: b }
  if (section === 'documents' && parts.length === 2) return { page: 'documents' }
  if (section === 'documents' && a !== undefined && parts.length === 3)
    // `?tab=metrics`: a presentation's CLM Content Metrics, as a link to share.
    return {
      page: 'document',
      id: a,
      tab: new URLSearchParams(path.split('?')[1] ?? '').get('tab') === 'metrics' ? 'metrics' : 'details',
    }
  if (section === 'connections' && parts.length === 2) return { page: 'connections' }
  if (section === 'queues' && parts.length === 2) return { page: 'queues' }
  if (section === 'exceptions' && parts.length === 2) return { page: 'exceptions' }
  if (section === 'trace' && a !== undefined && b !== undefined && parts.length === 4)
    return { page: 'trace', object: a, id: b }
  return { page: 'not-found', path }
}

export function objectPath(object: string, id?: string): string {
  return id === undefined
    ? `/ui/objects/${encodeURIComponent(object)}`
    : `/ui/objects/${encodeURIComponent(object)}/${encodeURIComponent(id)}`
}

const listeners = new Set<() => void>()

function notify(): void {
  for (const listener of listeners) listener()
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify)

/** Moves to a path of the app without a reload (react-aria's links call it too). */
export function navigate(to: string): void {
  if (to === location.pathname + location.search) return
  history.pushState(null, '', to)
  window.scrollTo(0, 0)
  notify()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The current path and query; re-renders on navigate and on the browser's back and forward. */
export function useLocationPath(): string {
  return useSyncExternalStore(
    subscribe,
    () => location.pathname + location.search,
    () => '/',
  )
}
