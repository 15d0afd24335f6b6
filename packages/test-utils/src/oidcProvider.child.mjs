/*
 * Copyright 2026 The Backstage Mercurial Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

// The OpenID provider of startOidcProvider (oidcProvider.ts), run in its own
// node process because oidc-provider is ESM-only. It gets its settings as the
// first message on its IPC channel (not in argv, where `ps` would show the
// client secrets), listens on a free 127.0.0.1 port, and reports on stdout,
// one JSON object a line: {"event":"listening","issuer"} once, then
// {"event":"token","clientId","expiresIn"} for each access token it issues
// and {"event":"token-error","clientId","error"} for each refused request.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const settings = await new Promise(resolve => process.once('message', resolve));
const ttl = settings.accessTokenTtlSeconds;
const report = event => process.stdout.write(`${JSON.stringify(event)}\n`);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'test-key',
  alg: 'RS256',
  use: 'sig',
};

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: settings.clients.map(c => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: settings.scopes.join(' '),
  })),
  scopes: settings.scopes,
  jwks: { keys: [signingKey] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => settings.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (!settings.resources.includes(resourceIndicator)) {
          throw new errors.InvalidTarget();
        }
        return {
          audience: resourceIndicator,
          scope: settings.scopes.join(' '),
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  ttl: { ClientCredentials: ttl, AccessToken: ttl },
});
provider.on('grant.success', ctx => {
  report({
    event: 'token',
    clientId: ctx.oidc.client?.clientId,
    expiresIn: ctx.body?.expires_in,
  });
});
provider.on('grant.error', (ctx, error) => {
  report({
    event: 'token-error',
    clientId: ctx.oidc.client?.clientId,
    error: error.error ?? error.message,
  });
});
server.on('request', provider.callback());

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A flush: the answer follows, on stdout, every event reported before it.
process.on('message', message => {
  if (message?.ping !== undefined) {
    report({ event: 'pong', ping: message.ping });
  }
});
// The IPC channel closes when the parent goes away: do not outlive it.
process.on('disconnect', stop);

report({ event: 'listening', issuer });
