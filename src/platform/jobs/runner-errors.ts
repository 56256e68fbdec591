/** The text kept as a job's last error: the message, with the error's name when it is not a plain Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message === '' ? '(no message)' : error.message
    return error.name === 'Error' ? message : `${error.name}: ${message}`
  }
  return String(error)
}

/** Default `onError` of the runners: their own failures must not pass silently. */
export function reportRunnerError(error: unknown): void {
  console.error('Liaison job runner:', error)
}
