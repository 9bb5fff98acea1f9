import { defineConfig, loadEnv } from 'vite'
import react from '@vitejs/plugin-react'
import { federation } from '@module-federation/vite'
import pkg from './package.json'

// A remote: remoteEntry.js exposes ./Widget (src/Widget.tsx) to the host, which
// renders it with the host's auth contract. index.html is the same remote run
// standalone, with its own client (src/App.tsx). Served under a path of the
// ssokit proxy, like the react template.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '')
  const port = Number(env.SSOKIT_PORT || 5173)
  return {
    base: env.VITE_SSOKIT_BASE || '/',
    plugins: [
      federation({
        // the name the host's remotes.json knows it by
        name: pkg.name.replaceAll('-', '_'),
        filename: 'remoteEntry.js',
        exposes: { './Widget': './src/Widget.tsx' },
        shared: { react: { singleton: true }, 'react-dom': { singleton: true } },
        dts: false,
      }),
      react(),
    ],
    server: { host: 'localhost', port, strictPort: true },
    preview: { host: 'localhost', port, strictPort: true },
    build: { target: 'esnext', rollupOptions: { input: { main: 'index.html', silent: 'silent-callback.html' } } },
  }
})
