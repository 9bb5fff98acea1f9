// The example spec (written by `ssokit new playwright`): single sign-on
// across two of your apps, with `ssokit up` running. The apps are the first
// two in apps.ts (or $APP_A and $APP_B). Every `ssokit new` template shows
// its state in #status[data-status] (loading, signed-in, signed-out, error)
// and has #login and #logout buttons; change the locators below for your
// own pages.
import { test, expect } from './ssokit';
import { APP_A, APP_B } from './apps';

test.skip(!APP_A || !APP_B, 'needs two apps: add them with `ssokit new`, then `ssokit new playwright --force`, or set APP_A and APP_B');

const status = (page: import('@playwright/test').Page) => page.locator('#status');

test.describe('signed in as alice', () => {
  // Signed in through the test API: no login form, as if alice had signed
  // in once already; every app then signs in silently.
  test.use({ user: 'alice', claims: { roles: ['admin'] } });

  test('one sign-in, every app signed in, one sign-out everywhere', async ({ page, context, ssokit }) => {
    await page.goto(APP_A!);
    await expect(status(page)).toHaveAttribute('data-status', 'signed-in');
    const a = await ssokit.tokens(page);
    expect(a.claims.sub).toBe('alice');
    expect(a.claims.roles).toEqual(['admin']); // the session's extra claims

    // The second app, in another tab: signed in without a form or a visible redirect.
    const pageB = await context.newPage();
    await pageB.goto(APP_B!);
    await expect(status(pageB)).toHaveAttribute('data-status', 'signed-in');
    await expect(pageB).toHaveURL(APP_B!);
    const b = await ssokit.tokens(pageB);
    expect(b.client_id).not.toBe(a.client_id);
    expect(b.claims.sid).toBe(a.claims.sid); // one SSO session

    // Sign out at the first app: the provider ends the session and every app follows.
    const events = await ssokit.watch();
    await page.locator('#logout').click();
    await events.waitFor(e => e.kind === 'logout' && e.user === 'alice');
    await expect(status(page)).toHaveAttribute('data-status', 'signed-out');
    await expect(status(pageB)).toHaveAttribute('data-status', 'signed-out');
    expect(await ssokit.sessions()).toEqual([]);
  });

  test('a fault for one test', async ({ page, ssokit }) => {
    // The next silent sign-in is refused, as if the session had expired.
    await ssokit.fault({ endpoint: 'authorize', error: 'login_required', count: 1 });
    await page.goto(APP_A!);
    await expect(status(page)).toHaveAttribute('data-status', 'signed-out');
    await expect(page.locator('#login')).toBeVisible();
    await page.reload(); // the fault is spent: signed in again
    await expect(status(page)).toHaveAttribute('data-status', 'signed-in');
  });

  test('a replayed refresh token is caught', async ({ page, ssokit, request }) => {
    await page.goto(APP_A!);
    await expect(status(page)).toHaveAttribute('data-status', 'signed-in');
    const held = await ssokit.tokens(page);
    expect(held.refresh_token, 'the app asked for offline_access').toBeTruthy();
    const { token_endpoint } = await ssokit.discovery();
    const refresh = () => request.post(token_endpoint, {
      form: { grant_type: 'refresh_token', refresh_token: held.refresh_token!, client_id: held.client_id },
    });
    const events = await ssokit.watch();
    expect((await refresh()).ok()).toBe(true); // rotated: the app's copy is spent now
    expect((await refresh()).status()).toBe(400); // spent twice: a stolen token, the family is revoked
    const reuse = await events.waitFor(e => e.kind === 'reuse' && e.client_id === held.client_id);
    expect(reuse.user).toBe('alice');
  });
});

test('without a user, the login form signs in and the other app follows', async ({ page, context }) => {
  await page.goto(APP_A!);
  await expect(status(page)).toHaveAttribute('data-status', 'signed-out');
  await page.locator('#login').click();
  await page.locator('input[name=username]').fill('alice');
  await page.locator('input[name=password]').fill('alice');
  await page.locator('#submit').click();
  await expect(status(page)).toHaveAttribute('data-status', 'signed-in');
  const pageB = await context.newPage();
  await pageB.goto(APP_B!);
  await expect(status(pageB)).toHaveAttribute('data-status', 'signed-in');
});
