import { type FormEvent, useState } from 'react'
import { Button, Form, Input, Label, TextField } from 'react-aria-components'
import { logIn } from '../api/client'
import { ErrorMessage } from '../app/ErrorMessage'

/** Username and password for POST /auth; a refusal shows the API's message. */
export function LoginPage({ onSession }: { onSession: (sessionId: string) => Promise<void> }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(undefined)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const { sessionId } = await logIn(username, password)
      await onSession(sessionId)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <h1>Liaison</h1>
      <p>Log in to this vault with a user from world.json.</p>
      <Form onSubmit={submit}>
        <TextField name="username" value={username} onChange={setUsername} isRequired autoComplete="username">
          <Label>Username</Label>
          <Input />
        </TextField>
        <TextField
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          autoComplete="current-password"
        >
          <Label>Password</Label>
          <Input />
        </TextField>
        <ErrorMessage error={error} />
        <Button type="submit" isDisabled={busy}>
          Log in
        </Button>
      </Form>
    </main>
  )
}
