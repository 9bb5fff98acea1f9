import { defineConfig, loadEnv } from 'vite'
import react from '@vitejs/plugin-react'

// The app lives under a path of the ssokit proxy (http://localhost:9000/<name>/),
// so Vite serves and builds everything under that base. silent-callback.html
// is a second entry: oidc-client-ts loads it in a hidden iframe.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '')
  const port = Number(env.SSOKIT_PORT || 5173)
  return {
    base: env.VITE_SSOKIT_BASE || '/',
    plugins: [react()],
    server: { host: '127.0.0.1', port, strictPort: true },
    preview: { host: '127.0.0.1', port, strictPort: true },
    build: { rollupOptions: { input: { main: 'index.html', silent: 'silent-callback.html' } } },
  }
})
