import { Link } from 'react-aria-components'
import { useObjects } from '../api/metadata'
import { ErrorMessage } from '../app/ErrorMessage'
import { objectPath } from '../app/router'
import { useSession } from '../app/session'

/** Every object of the vault (GET /metadata/vobjects), by label. */
export function HomePage() {
  const { vault } = useSession()
  const objects = useObjects()
  return (
    <main>
      <h1>{vault.name}</h1>
      <h2>Objects</h2>
      <ErrorMessage error={objects.error} />
      <ul className="object-index">
        {[...(objects.data ?? [])]
          .sort((a, b) => (a.label_plural ?? a.label).localeCompare(b.label_plural ?? b.label))
          .map((o) => (
            <li key={o.name}>
              <Link href={objectPath(o.name)}>{o.label_plural ?? o.label}</Link>
            </li>
          ))}
      </ul>
    </main>
  )
}
