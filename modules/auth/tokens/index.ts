/** PyFaaS API tokens: the format, the store service, the `tokens` auth module and the first admin token. */
export { TokenSchema, type TokenRecord } from './entity';
export { checkTokenFormat, generateToken, hashToken, looksLikePlatformToken, tokenHint, TOKEN_PREFIX } from './format';
export {
  createTokenSchema,
  principalOf,
  TokenNotFoundError,
  TokenService,
  tokenView,
  type CreateTokenInput,
  type EnsureTokenFields,
  type TokenView,
} from './service';
export { createTokensAuth, tokensAuth, type TokensAuth, type TokensAuthDeps, type TokensAuthOptions } from './module';
export { ADMIN_TOKEN_FILE, BOOTSTRAP_TOKEN_NAME, ensureAdminToken, type EnsureAdminTokenDeps } from './bootstrap';
