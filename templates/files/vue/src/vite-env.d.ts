/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_SSOKIT_ISSUER: string
  readonly VITE_SSOKIT_CLIENT_ID: string
  readonly VITE_SSOKIT_API_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
