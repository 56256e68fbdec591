import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useState } from 'react'
import { RouterProvider } from 'react-aria-components'
import { LoginPage } from '../pages/LoginPage'
import { Layout } from './Layout'
import { openSession, SESSION_KEY } from './open-session'
import { navigate } from './router'
import { type Session, SessionProvider } from './session'

type State =
  | { readonly kind: 'checking' }
  | { readonly kind: 'login' }
  | { readonly kind: 'ready'; session: Session }

/** Signs in (or resumes the session this browser keeps for the vault), then shows the pages. */
export function App() {
  const [state, setState] = useState<State>({ kind: 'checking' })
  const queryClient = useQueryClient()

  const ended = useCallback(() => {
    localStorage.removeItem(SESSION_KEY)
    queryClient.clear()
    setState({ kind: 'login' })
  }, [queryClient])

  const start = useCallback(
    async (sessionId: string) => {
      const session = await openSession(sessionId, ended)
      localStorage.setItem(SESSION_KEY, sessionId)
      setState({ kind: 'ready', session })
    },
    [ended],
  )

  useEffect(() => {
    const stored = localStorage.getItem(SESSION_KEY)
    if (stored === null) setState({ kind: 'login' })
    else start(stored).catch(ended)
  }, [start, ended])

  return (
    <RouterProvider navigate={navigate}>
      {state.kind === 'checking' ? (
        <p className="loading">Loading…</p>
      ) : state.kind === 'login' ? (
        <LoginPage onSession={start} />
      ) : (
        <SessionProvider session={state.session}>
          <Layout />
        </SessionProvider>
      )}
    </RouterProvider>
  )
}
