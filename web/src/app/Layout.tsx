import { Button, Link } from 'react-aria-components'
import { ConnectionsPage } from '../pages/ConnectionsPage'
import { DocumentPage } from '../pages/DocumentPage'
import { DocumentsPage } from '../pages/DocumentsPage'
import { ExceptionsPage } from '../pages/ExceptionsPage'
import { HomePage } from '../pages/HomePage'
import { ObjectListPage } from '../pages/ObjectListPage'
import { QueuesPage } from '../pages/QueuesPage'
import { RecordPage } from '../pages/RecordPage'
import { TracePage } from '../pages/TracePage'
import { matchRoute, objectPath, type Route, useLocationPath } from './router'
import { isAdmin, useSession } from './session'

/** The objects each profile's people work with most, first in the navigation. */
const MAIN_OBJECTS: Record<string, readonly [object: string, label: string][]> = {
  crm: [
    ['medical_inquiry__v', 'Medical Inquiries'],
    ['account__v', 'Accounts'],
  ],
  medical: [
    ['case__v', 'Cases'],
    ['case_request__v', 'Case Requests'],
    ['case_contact__v', 'Case Contacts'],
  ],
}

function Header() {
  const { vault, user, logOut } = useSession()
  return (
    <header className="app-header">
      <Link href="/" className="brand">
        Liaison
      </Link>
      <div className="vault">
        <span className="vault-name">{vault.name}</span>
        <span className="badge profile">{vault.profileLabel}</span>
        {vault.sandbox ? (
          <span className="badge sandbox">Sandbox</span>
        ) : (
          <span className="badge">Production</span>
        )}
      </div>
      <div className="user">
        <span title={user.username}>{user.name}</span>
        <Button onPress={() => void logOut()}>Log out</Button>
      </div>
    </header>
  )
}

/** What an admin watches of the connection. */
const ADMIN_PAGES: Record<string, readonly [path: string, label: string][]> = {
  crm: [
    ['/ui/connections', 'Connections'],
    ['/ui/queues', 'Queues'],
    ['/ui/exceptions', 'Exceptions'],
    ['/ui/objects/connection_settings__v', 'Connection Settings'],
    ['/ui/objects/integration_rule__sys', 'Integration Rules'],
    ['/ui/objects/user__sys', 'Users'],
  ],
  medical: [
    ['/ui/connections', 'Connections'],
    ['/ui/queues', 'Queues'],
    ['/ui/exceptions', 'Exceptions'],
    ['/ui/objects/connection_country__v', 'Connection Countries'],
    ['/ui/objects/integration_rule__sys', 'Integration Rules'],
    ['/ui/objects/user__sys', 'Users'],
  ],
}

function Navigation() {
  const { vault, user } = useSession()
  return (
    <nav aria-label="Main" className="app-nav">
      <ul>
        {(MAIN_OBJECTS[vault.profile] ?? []).map(([object, label]) => (
          <li key={object}>
            <Link href={objectPath(object)}>{label}</Link>
          </li>
        ))}
        <li>
          <Link href="/ui/documents">Documents</Link>
        </li>
        <li>
          <Link href="/">All objects</Link>
        </li>
      </ul>
      {isAdmin(user.securityProfile) && (
        <>
          <h2 className="nav-heading">Admin</h2>
          <ul>
            {(ADMIN_PAGES[vault.profile] ?? []).map(([path, label]) => (
              <li key={path}>
                <Link href={path}>{label}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  )
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'home':
      return <HomePage />
    case 'objects':
      return <ObjectListPage key={route.object} object={route.object} />
    case 'new':
      return <RecordPage key={`${route.object}/new`} object={route.object} />
    case 'record':
      return <RecordPage key={`${route.object}/${route.id}`} object={route.object} id={route.id} />
    case 'documents':
      return <DocumentsPage />
    case 'document':
      return <DocumentPage key={route.id} id={route.id} tab={route.tab} />
    case 'trace':
      return <TracePage key={`${route.object}/${route.id}`} object={route.object} id={route.id} />
    case 'connections':
      return <ConnectionsPage />
    case 'queues':
      return <QueuesPage />
    case 'exceptions':
      return <ExceptionsPage />
    default:
      return (
        <main>
          <h1>Page not found</h1>
          <p>No page of this vault's app is at this address.</p>
        </main>
      )
  }
}

export function Layout() {
  const path = useLocationPath()
  return (
    <div className="app">
      <Header />
      <div className="app-body">
        <Navigation />
        <Page route={matchRoute(path)} />
      </div>
    </div>
  )
}
