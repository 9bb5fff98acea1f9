// ssokit's Playwright fixture (written by `ssokit new playwright`): sign the
// browser in through ssokit's test API instead of the login form, inject a
// fault for one test, wait for provider events and read the tokens an app
// holds.
//
//   import { test, expect } from './ssokit';
//   test.use({ user: 'alice', claims: { roles: ['admin'] } });
//   test('the account app greets alice', async ({ page, ssokit }) => {
//     await page.goto(APP_A);                    // the app signs in silently
//     const held = await ssokit.tokens(page);    // what it got from the provider
//     expect(held.claims.roles).toEqual(['admin']);
//   });
//
// The provider is apps.ts's `provider` ($SSOKIT_PROVIDER wins), or
// test.use({ ssokitProvider: 'http://localhost:9401/' }). Its test API
// answers loopback callers only, so run the specs on the machine (or in the
// container network namespace) where `ssokit up` runs.
import { test as base, expect, type APIRequestContext, type BrowserContext, type Page, type Response } from '@playwright/test';
import { provider as defaultProvider } from './apps';

export type SsokitOptions = {
  /** sign the browser in as this user before the test (no login form) */
  user: string | undefined;
  /** extra claims for that session: in every token issued through it, and in userinfo */
  claims: Record<string, unknown> | undefined;
  /** the provider's issuer URL */
  ssokitProvider: string;
};

/** A fault, as `ssokit admin fault --help` describes it; durations as "500ms", "20s". */
export type Fault = {
  endpoint?: string; client_id?: string; error?: string; latency?: string;
  clock_skew?: string; access_token_ttl?: string; count?: number; for?: string;
};

/**
 * One thing the provider did. kind is one of login, login_failed, silent,
 * code, token, refresh, reuse (a used code or rotated refresh token came
 * back: its family was revoked), logout, backchannel (a back-channel logout
 * delivery; detail says how it went), frontchannel, error, fault,
 * keys_rotated, sessions_ended, disconnect (an app's FedCM approval
 * withdrawn). FedCM sign-ins are code or token events whose endpoint is
 * fedcm_assertion.
 */
export type ProviderEvent = {
  kind: string; time: string; client_id?: string; user?: string; sid?: string;
  endpoint?: string; detail?: string; token_type?: string;
};

/** The tokens an app received from the provider's token endpoint, as it holds them. */
export type HeldTokens = {
  client_id: string;
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number;
  /** the ID token's claims (decoded, not verified: the app verified them) */
  claims: Record<string, any>;
};

/** Events watched from the moment watch() was called. */
export type EventWatch = {
  /** the first event since watch() that matches (a kind, or a predicate) */
  waitFor(match: string | ((e: ProviderEvent) => boolean), timeout?: number): Promise<ProviderEvent>;
  /** every event seen so far */
  readonly seen: ProviderEvent[];
  close(): void;
};

/** ssokit's test API for one test. */
export class Ssokit {
  private faults = 0;
  private watches: EventWatch[] = [];
  private held = new Map<Page, HeldTokens>();
  private disco?: Record<string, any>;

  constructor(private readonly api: APIRequestContext, readonly provider: string) {}

  private url(path: string) {
    return this.provider.replace(/\/$/, '') + '/' + path;
  }

  /** call the test API (/_ssokit/…); a refusal throws with the provider's reason */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.api.fetch(this.url('_ssokit/' + path), {
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

  /** the provider's discovery document (token_endpoint, end_session_endpoint, …) */
  async discovery(): Promise<Record<string, any>> {
    if (!this.disco) {
      const res = await this.api.get(this.url('.well-known/openid-configuration')).catch((e: Error) => {
        throw new Error(`ssokit: cannot reach the provider at ${this.provider} (${e.message.split('\n')[0]}): is \`ssokit up\` running? (set SSOKIT_PROVIDER if it is elsewhere)`);
      });
      if (!res.ok()) throw new Error(`ssokit: no discovery document at ${this.provider} (${res.status()}): is \`ssokit up\` running?`);
      this.disco = await res.json();
    }
    return this.disco!;
  }

  /** create an SSO session; returns its sid and a storageState for the provider's origin */
  signIn(user: string, claims?: Record<string, unknown>) {
    return this.call<{ sid: string; storage_state: { cookies: any[]; origins: any[] } }>('POST', 'signin', { user, claims });
  }

  /** tokens exactly as the provider issues them (see `ssokit admin mint --help`), for API tests */
  mint(req: {
    user?: string; client_id?: string; audience?: string; scope?: string;
    claims?: Record<string, unknown>; lifetime?: string; expired?: boolean; sid?: string;
  }) {
    return this.call<{ access_token: string; id_token?: string; refresh_token?: string; expires_in: number; sid?: string }>('POST', 'tokens', req);
  }

  /** install a fault for this test only: faults are cleared when a test that added one ends */
  async fault(f: Fault) {
    this.faults++;
    return this.call<{ id: number }>('POST', 'faults', f);
  }

  /** live SSO sessions */
  sessions() { return this.call<Array<{ sid: string; user: string; clients: string[] }>>('GET', 'sessions'); }
  /** end every SSO session (each app's logout notifications are sent) */
  endSessions() { return this.call<{ ended: number }>('DELETE', 'sessions'); }
  /** sessions, tokens, faults, users and clients back to ssokit.yaml */
  reset() { return this.call('POST', 'reset'); }

  /**
   * Start watching the provider's events now, then act, then wait:
   *
   *   const events = await ssokit.watch();
   *   await page.locator('#logout').click();
   *   await events.waitFor(e => e.kind === 'backchannel' && e.client_id === 'orders');
   */
  async watch(): Promise<EventWatch> {
    const ctl = new AbortController();
    const res = await fetch(this.url('_ssokit/events'), { signal: ctl.signal });
    if (!res.ok || !res.body) throw new Error(`ssokit events: ${res.status}`);
    const seen: ProviderEvent[] = [];
    const waiters: Array<{ match: (e: ProviderEvent) => boolean; resolve: (e: ProviderEvent) => void }> = [];
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
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
      } catch { /* closed */ }
    })();
    const w: EventWatch = {
      seen,
      waitFor(match, timeout = 10_000) {
        const m = typeof match === 'string' ? (e: ProviderEvent) => e.kind === match : match;
        const hit = seen.find(m);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`ssokit: no matching provider event within ${timeout} ms; seen: ${seen.map(e => e.kind).join(', ') || 'none'}`)), timeout);
          waiters.push({ match: m, resolve: e => { clearTimeout(t); resolve(e); } });
        });
      },
      close() { ctl.abort(); },
    };
    this.watches.push(w);
    return w;
  }

  /**
   * The tokens the app in page holds: the last successful answer of the
   * provider's token endpoint to that page (or its iframes), merged over the
   * previous ones (a refresh may not repeat the ID token). It works whatever
   * the app does with them, memory included, where no storage can be read.
   * Waits up to timeout ms for the app to get some.
   */
  async tokens(page: Page, timeout = 10_000): Promise<HeldTokens> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const h = this.held.get(page);
      if (h) return h;
      if (Date.now() > deadline) throw new Error(`ssokit: the page at ${page.url()} received no tokens from the provider within ${timeout} ms`);
      await new Promise(r => setTimeout(r, 50));
    }
  }

  /** @internal record the token endpoint's answers to every page of context */
  async observe(context: BrowserContext) {
    const tokenEndpoint = String((await this.discovery()).token_endpoint);
    context.on('response', (res: Response) => void this.record(res, tokenEndpoint));
  }

  private async record(res: Response, tokenEndpoint: string) {
    const req = res.request();
    if (req.method() !== 'POST' || res.url().split('?')[0] !== tokenEndpoint || !res.ok()) return;
    let page: Page;
    let body: any;
    try {
      page = req.frame().page();
      body = await res.json();
    } catch { return; } // a worker's request, or the page went away
    if (!body?.access_token) return;
    const form = new URLSearchParams(req.postData() ?? '');
    const prev = this.held.get(page);
    const idToken = body.id_token ?? prev?.id_token;
    this.held.set(page, {
      client_id: form.get('client_id') ?? prev?.client_id ?? '',
      access_token: body.access_token,
      id_token: idToken,
      refresh_token: body.refresh_token ?? prev?.refresh_token,
      expires_in: body.expires_in,
      claims: idToken ? decodeJWT(idToken) : {},
    });
  }

  /** @internal */
  async cleanup() {
    for (const w of this.watches) w.close();
    if (this.faults > 0) await this.call('DELETE', 'faults');
  }
}

/** a JWT's payload, decoded (not verified) */
export function decodeJWT(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export const test = base.extend<SsokitOptions & { ssokit: Ssokit }>({
  user: [undefined, { option: true }],
  claims: [undefined, { option: true }],
  ssokitProvider: [defaultProvider, { option: true }],
  ssokit: async ({ ssokitProvider, playwright }, use) => {
    const api = await playwright.request.newContext();
    const s = new Ssokit(api, ssokitProvider);
    await use(s);
    await s.cleanup();
    await api.dispose();
  },
  // The browser context: signed in when `user` is set (the provider's
  // session cookies, exactly as its login form sets them), and watched for
  // the tokens its apps receive (ssokit.tokens).
  context: async ({ context, user, claims, ssokit }, use) => {
    await ssokit.observe(context);
    if (user) {
      const { storage_state } = await ssokit.signIn(user, claims);
      await context.addCookies(storage_state.cookies);
    }
    await use(context);
  },
});

export { expect };
