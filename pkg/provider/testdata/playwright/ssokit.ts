// ssokit's Playwright fixture: sign the browser in through ssokit's test
// API instead of the login form, inject faults, wait for provider events
// and read the tokens an app holds.
//
//   import { test, expect } from './ssokit';
//   test.use({ user: 'alice', claims: { roles: ['admin'] } });
//   test('the account app greets alice', async ({ page }) => { … });
//
// The provider is $SSOKIT_PROVIDER (default http://localhost:9400/), or
// test.use({ ssokitProvider: 'http://localhost:9401/' }). Its admin API
// answers loopback callers only.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

export type SsokitOptions = {
  /** sign the browser in as this user before the test (no login form) */
  user: string | undefined;
  /** extra claims for that session: in every token issued through it, and in userinfo */
  claims: Record<string, unknown> | undefined;
  /** the provider's URL */
  ssokitProvider: string;
};

export type Fault = {
  endpoint?: string; client_id?: string; error?: string; latency?: string;
  clock_skew?: string; access_token_ttl?: string; count?: number; for?: string;
};

export type ProviderEvent = {
  kind: string; time: string; client_id?: string; user?: string; sid?: string;
  endpoint?: string; detail?: string; token_type?: string;
};

/** The test API of one provider. */
export class Ssokit {
  private faults = 0;
  constructor(private readonly api: APIRequestContext, readonly provider: string) {}

  /** call the admin API; a refusal throws with the provider's reason */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.provider.replace(/\/$/, '') + '/_ssokit/' + path;
    const res = await this.api.fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-Ssokit-Admin': '1' },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok()) {
      let reason = text;
      try { reason = JSON.parse(text).error_description || reason; } catch { /* not JSON */ }
      throw new Error(`ssokit ${method} /_ssokit/${path}: ${res.status()} ${reason}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** create an SSO session; returns its sid and a storageState for the provider's origin */
  signIn(user: string, claims?: Record<string, unknown>) {
    return this.call<{ sid: string; storage_state: { cookies: any[]; origins: any[] } }>('POST', 'signin', { user, claims });
  }

  /** tokens exactly as the provider issues them (see `ssokit admin mint --help`) */
  mint(req: { user?: string; client_id?: string; audience?: string; scope?: string;
    claims?: Record<string, unknown>; lifetime?: string; expired?: boolean; sid?: string }) {
    return this.call<{ access_token: string; id_token?: string; refresh_token?: string; expires_in: number; sid?: string }>('POST', 'tokens', req);
  }

  /** install a fault for this test; every fault is cleared when a test that added one ends */
  async fault(f: Fault) {
    this.faults++;
    return this.call<{ id: number }>('POST', 'faults', f);
  }

  sessions() { return this.call<Array<{ sid: string; user: string; clients: string[] }>>('GET', 'sessions'); }
  reset() { return this.call('POST', 'reset'); }

  /**
   * Start listening to the provider's events now; waitFor resolves with
   * the first later event that matches, e.g. a back-channel logout
   * delivered or a refresh-token reuse detected.
   */
  async watch() {
    const ctl = new AbortController();
    const res = await fetch(this.provider.replace(/\/$/, '') + '/_ssokit/events', { signal: ctl.signal });
    if (!res.ok || !res.body) throw new Error(`ssokit events: ${res.status}`);
    const seen: ProviderEvent[] = [];
    const waiters: Array<{ match: (e: ProviderEvent) => boolean; resolve: (e: ProviderEvent) => void }> = [];
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i); buf = buf.slice(i + 2);
            const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).join('\n');
            if (!data) continue;
            const e = JSON.parse(data) as ProviderEvent;
            seen.push(e);
            for (const w of waiters.splice(0)) (w.match(e) ? w.resolve(e) : waiters.push(w));
          }
        }
      } catch { /* aborted */ }
    })();
    return {
      waitFor(match: (e: ProviderEvent) => boolean, timeout = 10_000): Promise<ProviderEvent> {
        const hit = seen.find(match);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('ssokit: no matching provider event within ' + timeout + ' ms; seen: ' + seen.map(e => e.kind).join(', '))), timeout);
          waiters.push({ match, resolve: e => { clearTimeout(t); resolve(e); } });
        });
      },
      close() { ctl.abort(); },
    };
  }

  /** @internal */
  async cleanup() {
    if (this.faults > 0) await this.call('DELETE', 'faults');
  }
}

/**
 * The tokens an app holds in its storage: oidc-client-ts keeps its user in
 * sessionStorage (oidc.user:…), auth0-spa-js with cacheLocation
 * 'localstorage' in localStorage (@@auth0spajs@@…). Tokens kept in memory
 * (auth0-spa-js's default) cannot be read from outside.
 */
export async function appTokens(page: Page): Promise<{ access_token?: string; id_token?: string; refresh_token?: string } | null> {
  return page.evaluate(() => {
    for (const store of [sessionStorage, localStorage]) {
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i)!;
        if (!k.startsWith('oidc.user:') && !k.startsWith('@@auth0spajs@@')) continue;
        try {
          const v = JSON.parse(store.getItem(k)!);
          const b = v.body ?? v;
          if (b.access_token || b.id_token) return { access_token: b.access_token, id_token: b.id_token, refresh_token: b.refresh_token };
        } catch { /* not a token entry */ }
      }
    }
    return null;
  });
}

export const test = base.extend<SsokitOptions & { ssokit: Ssokit }>({
  user: [undefined, { option: true }],
  claims: [undefined, { option: true }],
  ssokitProvider: [process.env.SSOKIT_PROVIDER || 'http://localhost:9400/', { option: true }],
  ssokit: async ({ ssokitProvider, playwright }, use) => {
    const api = await playwright.request.newContext();
    const s = new Ssokit(api, ssokitProvider);
    await use(s);
    await s.cleanup();
    await api.dispose();
  },
  // a signed-in browser: the provider's session cookies, as the login form would set them
  context: async ({ context, user, claims, ssokit }, use) => {
    if (user) {
      const { storage_state } = await ssokit.signIn(user, claims);
      await context.addCookies(storage_state.cookies);
    }
    await use(context);
  },
});

export { expect };
