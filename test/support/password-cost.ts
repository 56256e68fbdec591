import type { PasswordCost } from '../../src/platform/security/index.js'

/**
 * The scrypt cost test vaults declare (VaultConfig.passwordCost): tests create and log in users by
 * the hundred, and the production cost (PASSWORD_COST, about 350 ms a hash) would add minutes to
 * the suite. Vaults the CLI starts (world, serve) never take it.
 */
export const TEST_PASSWORD_COST: PasswordCost = Object.freeze({ n: 4_096, r: 8, p: 1 })
