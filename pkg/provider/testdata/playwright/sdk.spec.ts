// The fixture of `ssokit new playwright` (templates/files/playwright), run
// by TestPlaywrightFixture against a provider and two micro-frontends
// using the unmodified oidc-client-ts and auth0-spa-js. It replaces the
// template's example spec (which drives `ssokit new` apps) with the SDKs'
// test hooks (window.app). APP_A and APP_B are the two apps' URLs.
import { test, expect } from './ssokit';

declare const app: any; // the apps' test hook (window.app)
const APP_A = process.env.APP_A!; // oidc-client-ts
const APP_B = process.env.APP_B!; // @auth0/auth0-spa-js

test.describe('signed in as alice', () => {
  test.use({ user: 'alice', claims: { roles: ['admin'] } });

  test('one sign-in, every app signed in, one sign-out everywhere', async ({ page, context, ssokit }) => {
    await page.goto(APP_A);
    const a = await page.evaluate(() => app.silent());
    expect(a.ok, a.error).toBe(true);
    expect(a.sub).toBe('alice');
    const held = await ssokit.tokens(page); // oidc-client-ts exchanged the code from the page
    expect(held.client_id).toBe('app-a');
    expect(held.claims.roles).toEqual(['admin']);

    const pageB = await context.newPage();
    await pageB.goto(APP_B);
    const b = await pageB.evaluate(() => app.token());
    expect(b.ok, b.error).toBe(true);

    const events = await ssokit.watch();
    await page.evaluate(() => { app.logout(); }); // navigates away: do not await it
    await events.waitFor(e => e.kind === 'logout' && e.user === 'alice');
    // both apps registered a back-channel logout URI: each got its logout token
    for (const client of ['app-a', 'app-b']) {
      const bc = await events.waitFor(e => e.kind === 'backchannel' && e.client_id === client);
      expect(bc.detail).toContain('answered 200');
    }
    expect(await ssokit.sessions()).toEqual([]);
    const after = await pageB.evaluate(() => app.token({ cacheMode: 'off' }));
    expect(after.error).toBe('login_required');
  });

  test('a fault for one test', async ({ page, ssokit }) => {
    await ssokit.fault({ endpoint: 'authorize', error: 'login_required', count: 1 });
    await page.goto(APP_A);
    expect((await page.evaluate(() => app.silent())).error).toBe('login_required');
    expect((await page.evaluate(() => app.silent())).ok).toBe(true);
  });

  test('the refresh token an app holds, replayed, is caught', async ({ page, ssokit, request }) => {
    await page.goto(APP_A + '?offline=1'); // scope offline_access
    expect((await page.evaluate(() => app.silent())).ok).toBe(true);
    const held = await ssokit.tokens(page);
    expect(held.refresh_token).toBeTruthy();
    const { token_endpoint } = await ssokit.discovery();
    const events = await ssokit.watch();
    const refresh = () => request.post(token_endpoint, { form: { grant_type: 'refresh_token', refresh_token: held.refresh_token!, client_id: held.client_id } });
    expect((await refresh()).ok()).toBe(true);
    expect((await refresh()).status()).toBe(400);
    expect((await events.waitFor('reuse')).client_id).toBe('app-a');
  });
});

test('without a user the browser is signed out', async ({ page }) => {
  await page.goto(APP_A);
  expect((await page.evaluate(() => app.silent())).error).toBe('login_required');
});
