/** The text kept as a job's last error: the message, with the error's name when it is not a plain Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message === '' ? '(no message)' : error.message
    return error.name === 'Error' ? message : `${error.name}: ${message}`
  }
  return String(error)
}

/** A structured log the composition root passes in (the CLI's JSON log); the platform knows only this. */
export interface ErrorLogger {
  error(details: Readonly<Record<string, unknown>>, message: string): void
}

/** Default `onError` of the runners: their own failures must not pass silently. */
export function reportRunnerError(error: unknown): void {
  console.error('Liaison job runner:', error)
}

/** An `onError` that reports to `logger` when one is given, else to stderr. */
export function runnerErrorReporter(logger: ErrorLogger | undefined): (error: unknown) => void {
  if (logger === undefined) return reportRunnerError
  return (error) => logger.error({ err: error }, 'job runner error')
}
