/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AUTH0_DOMAIN: string
  readonly VITE_AUTH0_CLIENT_ID: string
  readonly VITE_AUTH0_USE_REFRESH_TOKENS?: string
  readonly VITE_SSOKIT_API_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
