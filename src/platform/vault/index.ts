export { createUser, findUserId, type NewUser, resetPassword } from './user-accounts.js'
export { SYSTEM_ACTOR, VAULT_ENVIRONMENTS, Vault, type VaultConfig, type VaultEnvironment } from './vault.js'
