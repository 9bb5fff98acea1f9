import { defineConfig, loadEnv } from 'vite'

// The app lives under a path of the ssokit proxy (http://localhost:9000/<name>/),
// so Vite serves and builds everything under that base. The proxy forwards the
// path unchanged (no prefix stripping), which keeps hot reload working too.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '')
  const port = Number(env.SSOKIT_PORT || 5173)
  return {
    base: env.VITE_SSOKIT_BASE || '/',
    // localhost, not 127.0.0.1: the URL Vite prints is then the dev origin
    // `ssokit new` registered, on the same site as the provider (localhost);
    // to a browser 127.0.0.1 is another site, and not a registered origin.
    server: { host: 'localhost', port, strictPort: true },
    preview: { host: 'localhost', port, strictPort: true },
  }
})
