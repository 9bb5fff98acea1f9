import { defineConfig, loadEnv } from 'vite'
import react from '@vitejs/plugin-react'

// The app lives under a path of the ssokit proxy (http://localhost:9000/<name>/),
// which is also its backend-for-frontend: open it there, not on the dev
// server's own port, since the session, the sign-in and the API calls are
// the proxy's (<base>_ssokit/session, <base>_ssokit/login, <base>api/…).
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '')
  const port = Number(env.SSOKIT_PORT || 5173)
  return {
    base: env.VITE_SSOKIT_BASE || '/',
    plugins: [react()],
    server: { host: 'localhost', port, strictPort: true },
    preview: { host: 'localhost', port, strictPort: true },
  }
})
