import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The web app: built into web/dist by `npm run build` (and so by `npm install`), served by every
 * vault at `/`. During development `npx vite web` proxies the API to a vault of the world.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The budget test measures the gzipped size itself; skipping it here keeps the build quick.
    reportCompressedSize: false,
    // One chunk for the first page is the plan (its budget: 350 kB gzipped, tested); heavy pages load lazily.
    chunkSizeWarningLimit: 1_000,
  },
  server: {
    proxy: { '/api': process.env.LIAISON_VAULT_URL ?? 'http://127.0.0.1:4101' },
  },
})
