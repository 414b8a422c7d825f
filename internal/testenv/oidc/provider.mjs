// provider.mjs runs the npm oidc-provider package as an OAuth 2.0 / OpenID
// Connect authorization server for tests. It is started by the Go package
// internal/testenv/oidc; it is not part of the library.
//
// It listens on 127.0.0.1 (port from TOOLGATE_OIDC_PORT, default: a free
// port), prints one JSON line {"issuer": "..."} on stdout when ready, and
// serves, next to the standard endpoints (discovery, jwks, token, ...):
//
//   POST /__admin/clients   register or replace a confidential client
//   POST /__admin/rotate    rotate the signing keys (new keys sign, old keys
//                           stay published unless {"drop_old": true})
//   POST /__admin/mint      sign an access token with arbitrary claims
//   GET  /__admin/stats     token request counters and recorded exchanges
//   POST /__admin/reset     reset the counters
//
// Admin requests need "Authorization: Bearer $TOOLGATE_OIDC_ADMIN_TOKEN".
//
// Access tokens are JWTs (RFC 9068) for the resource (RFC 8707) named by the
// "resource" or "audience" parameter, or the client's default resource.
// RFC 8693 token exchange is registered as an extension grant; it accepts
// subject tokens signed by this provider.
//
// The package is found through NODE_PATH (the Go helper points it at the
// directory scripts/setup/oidc.sh installs into).

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const modulesDir = process.env.NODE_PATH?.split(path.delimiter).find(Boolean);
if (!modulesDir) {
  console.error('provider.mjs: NODE_PATH must point at the node_modules holding oidc-provider');
  process.exit(2);
}
const require = createRequire(path.join(modulesDir, 'noop.js'));
const load = (spec) => import(pathToFileURL(require.resolve(spec)).href);
const pkgDir = path.dirname(require.resolve('oidc-provider/package.json'));
const lib = (file) => import(pathToFileURL(path.join(pkgDir, 'lib', file)).href);

const { default: Provider, errors } = await load('oidc-provider');
const jose = await load('jose');
// Internal modules: the package has no public API to replace signing keys at
// runtime, which key-rotation tests need.
const { default: instance } = await lib('helpers/weak_cache.js');
const { default: initializeKeystore } = await lib('helpers/initialize_keystore.js');

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TT_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const TT_ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const TT_REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
const KNOWN_TOKEN_TYPES = new Set([TT_ACCESS_TOKEN, TT_JWT, TT_ID_TOKEN, TT_REFRESH_TOKEN,
  'urn:ietf:params:oauth:token-type:saml1', 'urn:ietf:params:oauth:token-type:saml2']);

const adminToken = process.env.TOOLGATE_OIDC_ADMIN_TOKEN || '';
const defaultTTL = 300;

// --- signing keys ----------------------------------------------------------

let generation = 0;
function newKeys() {
  generation += 1;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const suffix = `${generation}-${crypto.randomBytes(4).toString('hex')}`;
  return [
    { ...rsa, kid: `rsa-${suffix}`, alg: 'RS256', use: 'sig' },
    { ...ec, kid: `ec-${suffix}`, alg: 'ES256', use: 'sig' },
  ];
}
let currentKeys = newKeys();
let previousKeys = [];

// --- runtime state ---------------------------------------------------------

const store = new Map(); // adapter storage: `${model}:${id}` -> payload
const clientSettings = new Map(); // client_id -> { alg, ttl, resource }
const stats = {
  token_requests: 0, by_grant: {}, by_client: {}, by_status: {}, by_auth_method: {}, exchanges: [],
};

class MemoryAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload) { store.set(this.key(id), payload); }
  async find(id) { return store.get(this.key(id)); }
  async findByUserCode() { return undefined; }
  async findByUid() { return undefined; }
  async consume(id) { const p = store.get(this.key(id)); if (p) p.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId() {}
}

const settingsOf = (client) => clientSettings.get(client?.clientId) || {};

// authMethodOf names the client authentication a token request used.
function authMethodOf(ctx) {
  if (/^basic /i.test(ctx.get('authorization'))) return 'client_secret_basic';
  if (ctx.oidc?.params?.client_secret) return 'client_secret_post';
  return 'none';
}

// --- provider --------------------------------------------------------------

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.TOOLGATE_OIDC_PORT || 0), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: currentKeys },
  scopes: ['openid', 'offline_access'],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  ttl: {
    ClientCredentials: (ctx, token, client) => token.resourceServer?.accessTokenTTL
      || settingsOf(client).ttl || defaultTTL,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, client) => ctx.oidc.params.audience || settingsOf(client).resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource, client) => {
        const s = settingsOf(client);
        return {
          audience: resource,
          scope: client.scope || '',
          accessTokenTTL: s.ttl || defaultTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: s.alg || 'RS256' } },
        };
      },
    },
  },
});
provider.proxy = false;

// Client credentials: accept "audience" (as Auth0 and AgentCore-style
// configurations send it) as an alias of "resource".
instance(provider).grantTypeParams.get('client_credentials').add('audience');
instance(provider).grantTypeParams.get(undefined).add('audience');

// --- RFC 8693 token exchange -------------------------------------------------

async function verifySubjectToken(token) {
  const jwks = jose.createLocalJWKSet(instance(provider).jwks);
  const { payload } = await jose.jwtVerify(token, jwks, { issuer, algorithms: ['RS256', 'ES256'] });
  return payload;
}

async function signAccessToken(claims, alg = 'RS256', ttl = defaultTTL) {
  const { keystore } = instance(provider);
  const [jwk] = keystore.selectForSign({ alg, use: 'sig' });
  if (!jwk) throw new Error(`no signing key for ${alg}`);
  const key = keystore.getKeyObject(jwk);
  const now = Math.floor(Date.now() / 1000);
  return new jose.SignJWT({ iss: issuer, iat: now, exp: now + ttl, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt' })
    .sign(key);
}

const exchangeParams = ['audience', 'resource', 'scope', 'requested_token_type',
  'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type'];

provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
  const { params, client } = ctx.oidc;
  const record = { client_id: client.clientId, auth_method: authMethodOf(ctx), params: {} };
  for (const name of ['grant_type', ...exchangeParams]) {
    if (params[name] !== undefined) record.params[name] = params[name];
  }
  stats.exchanges.push(record);

  // RFC 8693 section 2.1.
  if (!params.subject_token) throw new errors.InvalidRequest('missing required parameter \'subject_token\'');
  if (!params.subject_token_type) throw new errors.InvalidRequest('missing required parameter \'subject_token_type\'');
  if (!KNOWN_TOKEN_TYPES.has(params.subject_token_type)) throw new errors.InvalidRequest('unsupported subject_token_type');
  if (params.actor_token && !params.actor_token_type) throw new errors.InvalidRequest('actor_token_type is required with actor_token');
  if (!params.actor_token && params.actor_token_type) throw new errors.InvalidRequest('actor_token_type must not be sent without actor_token');
  if (params.requested_token_type && ![TT_ACCESS_TOKEN, TT_JWT].includes(params.requested_token_type)) {
    throw new errors.InvalidRequest('unsupported requested_token_type');
  }
  if (![TT_ACCESS_TOKEN, TT_JWT].includes(params.subject_token_type)) {
    throw new errors.InvalidRequest('only access_token and jwt subject tokens are accepted');
  }
  let subject;
  try {
    subject = await verifySubjectToken(params.subject_token);
  } catch (err) {
    throw new errors.InvalidGrant(`subject_token is invalid: ${err.code || err.message}`);
  }
  let actor;
  if (params.actor_token) {
    try {
      actor = await verifySubjectToken(params.actor_token);
    } catch (err) {
      throw new errors.InvalidGrant(`actor_token is invalid: ${err.code || err.message}`);
    }
  }
  const audience = params.audience || params.resource || settingsOf(client).resource;
  if (!audience) throw new errors.InvalidTarget('audience or resource is required');

  const s = settingsOf(client);
  const ttl = s.ttl || defaultTTL;
  const claims = {
    sub: subject.sub,
    aud: audience,
    client_id: client.clientId,
    act: { sub: actor?.sub || client.clientId },
  };
  if (params.scope) claims.scope = params.scope;
  const token = await signAccessToken(claims, s.alg || 'RS256', ttl);
  ctx.body = {
    access_token: token,
    issued_token_type: params.requested_token_type === TT_JWT ? TT_JWT : TT_ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: ttl,
    ...(params.scope ? { scope: params.scope } : {}),
  };
}, exchangeParams);

// --- admin API ----------------------------------------------------------------

async function readJSON(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function publicKeys(keys) {
  return keys.map(({ kid, alg }) => ({ kid, alg }));
}

async function admin(ctx) {
  if (!adminToken || ctx.get('authorization') !== `Bearer ${adminToken}`) {
    ctx.status = 401;
    ctx.body = { error: 'unauthorized' };
    return;
  }
  const route = `${ctx.method} ${ctx.path}`;
  switch (route) {
    case 'POST /__admin/clients': {
      const body = await readJSON(ctx.req);
      if (!body.client_id) throw new Error('client_id is required');
      const scopes = (body.scope || '').split(' ').filter(Boolean);
      const { configuration } = instance(provider);
      for (const s of scopes) configuration.scopes.add(s);
      const grantTypes = body.grant_types || ['client_credentials'];
      const metadata = {
        client_id: body.client_id,
        client_secret: body.client_secret,
        token_endpoint_auth_method: body.token_endpoint_auth_method || 'client_secret_basic',
        grant_types: grantTypes,
        response_types: [],
        redirect_uris: [],
        ...(scopes.length ? { scope: scopes.join(' ') } : {}),
      };
      store.set(`Client:${body.client_id}`, metadata);
      clientSettings.set(body.client_id, {
        alg: body.access_token_alg || 'RS256',
        ttl: body.access_token_ttl || defaultTTL,
        resource: body.default_resource,
      });
      // Validate now, so a bad registration fails here and not at /token.
      await provider.Client.find(body.client_id);
      ctx.body = { client_id: body.client_id };
      return;
    }
    case 'POST /__admin/rotate': {
      const body = await readJSON(ctx.req);
      previousKeys = body.drop_old ? [] : currentKeys;
      currentKeys = newKeys();
      initializeKeystore.call(provider, { keys: [...currentKeys, ...previousKeys] });
      ctx.body = { current: publicKeys(currentKeys), previous: publicKeys(previousKeys) };
      return;
    }
    case 'POST /__admin/mint': {
      const body = await readJSON(ctx.req);
      const { alg = 'RS256', ttl = defaultTTL, header, ...claims } = body;
      ctx.body = { access_token: await signAccessToken(claims, alg, ttl) };
      return;
    }
    case 'GET /__admin/stats':
      ctx.body = { ...stats, keys: { current: publicKeys(currentKeys), previous: publicKeys(previousKeys) } };
      return;
    case 'POST /__admin/reset':
      stats.token_requests = 0;
      stats.by_grant = {};
      stats.by_client = {};
      stats.by_status = {};
      stats.by_auth_method = {};
      stats.exchanges = [];
      ctx.body = {};
      return;
    default:
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
  }
}

const bump = (m, k) => { m[k] = (m[k] || 0) + 1; };

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/__admin/')) {
    try {
      await admin(ctx);
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: String(err.message || err) };
    }
    return;
  }
  const isToken = ctx.method === 'POST' && ctx.path === '/token';
  try {
    await next();
  } finally {
    if (isToken) {
      stats.token_requests += 1;
      bump(stats.by_grant, ctx.oidc?.params?.grant_type || 'unknown');
      bump(stats.by_client, ctx.oidc?.client?.clientId || 'unknown');
      bump(stats.by_status, String(ctx.status));
      bump(stats.by_auth_method, authMethodOf(ctx));
    }
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Exit when the parent goes away (stdin is a pipe held by the Go helper).
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
