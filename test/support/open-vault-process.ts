// Opens a vault in its own process and prints its id: used to start several processes on one database.
import { medicalProfile } from '../../src/apps/medical/index.js'
import { parseDatabaseUrl } from '../../src/platform/storage/index.js'
import { Vault } from '../../src/platform/vault/index.js'

const [url, keyFile] = process.argv.slice(2)
if (url === undefined) throw new Error('usage: open-vault-process.ts DATABASE_URL [KEY_FILE]')
const vault = await Vault.open({
  name: 'medical',
  profile: medicalProfile,
  environment: 'production',
  database: parseDatabaseUrl(url),
  keyFile,
})
process.stdout.write(`${vault.id}\n`)
await vault.close()
