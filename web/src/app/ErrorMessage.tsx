/** A failure as a person reads it: the API's own message (ApiError), in an alert region. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null
  const message = error instanceof Error ? error.message : String(error)
  return (
    <p role="alert" className="error">
      {message}
    </p>
  )
}
