import { defineConfig, loadEnv } from 'vite'
import react from '@vitejs/plugin-react'
import { federation } from '@module-federation/vite'
import pkg from './package.json'
// The remotes this host loads; `ssokit new mf-remote NAME` adds one (and Vite
// restarts when the file changes). Each: name (the remote's federation name),
// app (its ssokit.yaml app) and entry (its remoteEntry.js under the proxy).
import remotesFile from './remotes.json'

interface Remote {
  name: string
  app: string
  entry: string
}

// Served under a path of the ssokit proxy (http://localhost:9000/<name>/), like
// the react template; silent-callback.html is a second entry for oidc-client-ts.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '')
  const port = Number(env.SSOKIT_PORT || 5173)
  const remotes: Remote[] = remotesFile.remotes
  return {
    base: env.VITE_SSOKIT_BASE || '/',
    plugins: [
      federation({
        name: pkg.name.replaceAll('-', '_'),
        remotes: Object.fromEntries(remotes.map((r) => [r.name, { type: 'module', name: r.name, entry: r.entry }])),
        // One React for the host and every remote: hooks break with two.
        shared: { react: { singleton: true }, 'react-dom': { singleton: true } },
        dts: false,
      }),
      react(),
    ],
    define: { __SSOKIT_REMOTES__: JSON.stringify(remotes) },
    server: { host: 'localhost', port, strictPort: true },
    preview: { host: 'localhost', port, strictPort: true },
    build: { target: 'esnext', rollupOptions: { input: { main: 'index.html', silent: 'silent-callback.html' } } },
  }
})
