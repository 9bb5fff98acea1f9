// A small configuration of panva's oidc-provider for ssokit's interop
// test: two first-party public clients (PKCE), any login accepted by the
// development interactions, consent asked of "shell" only.
//
//   node server.mjs PORT     → issuer http://localhost:PORT, listening on 127.0.0.1
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 3000);
const issuer = `http://localhost:${port}`;
const app = (name, p) => ({
  client_id: name,
  token_endpoint_auth_method: 'none',
  application_type: 'web',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [`http://localhost:${p}/callback`],
  post_logout_redirect_uris: [`http://localhost:${p}/`],
});

const provider = new Provider(issuer, {
  clients: [app('shell', 5101), app('account', 5102)],
  cookies: { keys: ['ssokit-interop-test-only'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, email: `${id}@example.com`, email_verified: true, name: id }; } };
  },
  // The shell app asks for consent the first time; the other first-party
  // apps are pre-approved, so silent authentication needs no interaction.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    if (ctx.oidc.client.clientId === 'shell') return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid offline_access profile email');
    await grant.save();
    return grant;
  },
  // Public SPAs get refresh tokens without offline_access (which needs
  // prompt=consent), as SPA SDKs with refresh tokens expect.
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
