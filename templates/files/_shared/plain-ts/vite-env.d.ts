/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_SSOKIT_ISSUER: string
  readonly VITE_SSOKIT_CLIENT_ID: string
  readonly VITE_SSOKIT_FALLBACK?: string
  readonly VITE_SSOKIT_IFRAME?: string
  readonly VITE_SSOKIT_FEDCM?: string
  readonly VITE_SSOKIT_STORAGE_ACCESS?: string
  readonly VITE_SSOKIT_API_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
