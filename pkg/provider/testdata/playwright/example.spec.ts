// The example spec: signed in once through the test API, every app signs
// in silently; a fault for one test; signing out at one app signs the
// user out everywhere. APP_A and APP_B are two micro-frontends' URLs.
import { test, expect, appTokens } from './ssokit';

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
    const held = await appTokens(page);
    expect(JSON.parse(Buffer.from(held!.id_token!.split('.')[1], 'base64url').toString()).roles).toEqual(['admin']);

    const pageB = await context.newPage();
    await pageB.goto(APP_B);
    const b = await pageB.evaluate(() => app.token());
    expect(b.ok, b.error).toBe(true);

    const events = await ssokit.watch();
    await page.evaluate(() => { app.logout(); }); // navigates away: do not await it
    await events.waitFor(e => e.kind === 'logout' && e.user === 'alice');
    events.close();
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
});

test('without a user the browser is signed out', async ({ page }) => {
  await page.goto(APP_A);
  expect((await page.evaluate(() => app.silent())).error).toBe('login_required');
});
