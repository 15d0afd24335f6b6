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

import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/**
 * One entry of `integrations.mercurial` in app-config, after validation.
 *
 * @public
 */
export interface MercurialIntegrationConfig {
  /** The host (with port, when not the default one) as it appears in URLs. */
  host: string;
  /**
   * The URL under which repositories are served, without a trailing slash.
   * Repository paths are appended to it.
   */
  baseUrl: string;
  /**
   * What serves the repositories; the reader always sets it (`'hgweb'`
   * unless configured), absent means `'hgweb'`. The parts of the pack ask
   * the flavor's module (URLs here, the server client in
   * `integration-node`) rather than look at the name.
   */
  flavor?: MercurialFlavor;
  /**
   * The API of a hosted flavor, without a trailing slash: `{baseUrl}/api/v4`
   * for Heptapod, `{baseUrl}/_admin/api` for Kallithea unless configured;
   * absent for hgweb.
   */
  apiBaseUrl?: string;
  /** The user name for HTTP Basic authentication. */
  username?: string;
  /** The password for `username`. A secret. */
  password?: string;
  /** A bearer token for the HTTP requests Backstage makes. A secret. */
  token?: string;
  /** The same repositories over ssh. */
  ssh?: MercurialSshConfig;
  /** Where the server's repositories live on disk, when the backend shares it. */
  localRoot?: string;
  /**
   * `true` when the server serves one repository at `baseUrl` itself (`hg
   * serve -R repo`, a single-repository `hgweb.cgi`): its URLs are
   * `{baseUrl}/file/{rev}/{path}`, and its repository path is `''`. Absent
   * (or `false`) for a server of several repositories below `baseUrl`.
   */
  singleRepository?: boolean;
  /**
   * Where short-lived credentials come from, when not the static `password`
   * or `token`: the `tokenFile`, `credentialCommand` or `oauth2` of the
   * entry (at most one of them, never together with `password` or `token`).
   */
  credentialSource?: MercurialCredentialSource;
  /**
   * At most this many concurrent HTTP requests to this server; absent when
   * not configured (the hgweb client then applies its default, 8).
   */
  maxConcurrentRequests?: number;
  /**
   * Whose credentials the requests made for a signed-in person use:
   * `'caller'` asks the credentials service for that person's (history, the
   * README route, scaffolder writes for the task's initiator), so the hg
   * server's own access rules decide what they see; absent (or
   * `'service'`) uses the entry's own. Reads by the catalog, TechDocs and
   * discovery are always the entry's own.
   */
  readAs?: MercurialReadAs;
}

/**
 * The `flavor` of an `integrations.mercurial` entry: what serves its
 * repositories.
 *
 * @public
 */
export type MercurialFlavor = 'hgweb' | 'heptapod' | 'kallithea';

/** The flavors, in the order error messages list them. @public */
export const MERCURIAL_FLAVORS: readonly MercurialFlavor[] = [
  'hgweb',
  'heptapod',
  'kallithea',
];

/** Where a hosted flavor's API is when `apiBaseUrl` is not configured. */
const DEFAULT_API_PATHS: Partial<Record<MercurialFlavor, string>> = {
  heptapod: '/api/v4',
  kallithea: '/_admin/api',
};

/**
 * `readAs` of an `integrations.mercurial` entry.
 *
 * @public
 */
export type MercurialReadAs = 'service' | 'caller';

/**
 * `tokenFile`: a file holding a token (e.g. a Kubernetes projected
 * service-account token or a Vault agent's sink), read again whenever it
 * changes.
 *
 * @public
 */
export interface MercurialTokenFileSource {
  type: 'tokenFile';
  /** The absolute path of the file. */
  path: string;
}

/**
 * `credentialCommand`: a program that prints credentials as JSON, run
 * without a shell.
 *
 * @public
 */
export interface MercurialCredentialCommandSource {
  type: 'command';
  /** The program (`command[0]`) and its arguments; never run through a shell. */
  command: string[];
  /** How long the program may run, in milliseconds (default 10 000). */
  timeoutMs: number;
}

/**
 * `oauth2`: an OAuth 2.0 client credentials grant against an identity
 * provider's token endpoint.
 *
 * @public
 */
export interface MercurialOAuth2Source {
  type: 'oauth2';
  /** The token endpoint: https, or http on a loopback address. */
  tokenUrl: string;
  clientId: string;
  /** A secret. */
  clientSecret: string;
  /** Space-separated scopes to ask for, if any. */
  scope?: string;
  /** The audience (and RFC 8707 resource) to ask a token for, if any. */
  audience?: string;
}

/**
 * One of the credential sources an `integrations.mercurial` entry can have.
 *
 * @public
 */
export type MercurialCredentialSource =
  | MercurialTokenFileSource
  | MercurialCredentialCommandSource
  | MercurialOAuth2Source;

/** The timeout of a `credentialCommand` when none is configured. */
export const DEFAULT_CREDENTIAL_COMMAND_TIMEOUT_MS = 10_000;

/**
 * The `ssh` block of an `integrations.mercurial` entry.
 *
 * @public
 */
export interface MercurialSshConfig {
  /**
   * The ssh URL that repository paths are appended to, without a trailing
   * slash, e.g. `ssh://hg@hg.example.com//srv/hg`; with `singleRepository`,
   * the ssh URL of the repository itself.
   */
  url: string;
  /** The private key. A secret. */
  privateKey: string;
  /** known_hosts lines; without them, the machine's known_hosts files are used. */
  knownHosts?: string;
}

/** The app-config path of the Mercurial integrations. */
export const MERCURIAL_CONFIG_KEY = 'integrations.mercurial';

function isValidHost(host: string): boolean {
  if (!host || /[\s/?#@\\]/.test(host)) {
    return false;
  }
  const check = new URL('http://example.com');
  check.host = host;
  return check.host === host;
}

function describe(entry: string | undefined, host: string | undefined) {
  const where = entry ?? MERCURIAL_CONFIG_KEY;
  return host ? `${where} (host '${host}')` : where;
}

/**
 * Reads and validates one entry of `integrations.mercurial`.
 *
 * @param config - the entry
 * @param options - `entry` names the entry in error messages, e.g.
 *   `integrations.mercurial[1]`
 * @throws Error naming the entry and the key, when a value is invalid
 * @public
 */
export function readMercurialIntegrationConfig(
  config: Config,
  options?: { entry?: string },
): MercurialIntegrationConfig {
  const entry = options?.entry;
  const host = config.getString('host');
  const where = describe(entry, host);
  if (!isValidHost(host)) {
    throw new Error(
      `Invalid ${describe(entry, undefined)} config: 'host' must be a host name with an optional port, as it appears in URLs (e.g. 'hg.example.com' or 'hg.example.com:8000'), got '${host}'`,
    );
  }

  let baseUrl = config.getOptionalString('baseUrl');
  if (baseUrl === undefined) {
    baseUrl = `https://${host}`;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new Error(
        `Invalid ${where} config: 'baseUrl' must be an absolute http(s) URL, got '${baseUrl}'`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(
        `Invalid ${where} config: 'baseUrl' must use http or https, got '${parsed.protocol}' in '${baseUrl}'`,
      );
    }
    if (parsed.host !== host) {
      throw new Error(
        `Invalid ${where} config: the host of 'baseUrl' ('${parsed.host}') differs from 'host' ('${host}')`,
      );
    }
    if (parsed.search || parsed.hash || parsed.username || parsed.password) {
      throw new Error(
        `Invalid ${where} config: 'baseUrl' must not contain credentials, a query or a fragment`,
      );
    }
    baseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  }

  const username = config.getOptionalString('username')?.trim() || undefined;
  const password = config.getOptionalString('password')?.trim() || undefined;
  const token = config.getOptionalString('token')?.trim() || undefined;
  if (password && !username) {
    throw new Error(
      `Invalid ${where} config: 'password' is set but 'username' is not; a password needs a user name`,
    );
  }
  const flavor = readFlavor(config, where);
  if (password && token && flavor !== 'kallithea') {
    throw new Error(
      `Invalid ${where} config: 'password' and 'token' are both set; use one of them`,
    );
  }
  if (flavor === 'heptapod' && password) {
    throw new Error(
      `Invalid ${where} config: a 'heptapod' entry takes a personal, project or group access token as 'token' (or from a credential source), not 'username' and 'password': Heptapod's API does not accept passwords`,
    );
  }
  const apiBaseUrl = readApiBaseUrl(config, where, flavor, baseUrl);

  const credentialSource = readCredentialSource(config, where, {
    // Kallithea's password is for hg commands only; a source gives its API key.
    password: flavor === 'kallithea' ? undefined : password,
    token,
  });
  const maxConcurrentRequests = readMaxConcurrentRequests(config, where);
  const readAs = readReadAs(config, where, {
    password,
    token,
    credentialSource,
  });

  const ssh = readSsh(config, where);
  const localRoot = config.getOptionalString('localRoot');
  if (localRoot !== undefined && !localRoot.startsWith('/')) {
    throw new Error(
      `Invalid ${where} config: 'localRoot' must be an absolute path, got '${localRoot}'`,
    );
  }

  const singleRepository = readSingleRepository(config, where);
  if (flavor !== 'hgweb' && (singleRepository || localRoot !== undefined)) {
    throw new Error(
      `Invalid ${where} config: '${singleRepository ? 'singleRepository' : 'localRoot'}' is only for the 'hgweb' flavor; a '${flavor}' server hosts many repositories and creates them through its API`,
    );
  }
  if (singleRepository && localRoot !== undefined) {
    throw new Error(
      `Invalid ${where} config: 'localRoot' cannot be combined with 'singleRepository: true'; a single-repository server has no directory of repositories to create new ones in`,
    );
  }

  return {
    host,
    baseUrl,
    flavor,
    ...(apiBaseUrl && { apiBaseUrl }),
    username,
    password,
    token,
    ...(ssh && { ssh }),
    ...(localRoot && { localRoot: localRoot.replace(/\/+$/, '') || '/' }),
    ...(singleRepository && { singleRepository: true }),
    ...(credentialSource && { credentialSource }),
    ...(maxConcurrentRequests !== undefined && { maxConcurrentRequests }),
    ...(readAs === 'caller' && { readAs }),
  };
}

function readFlavor(config: Config, where: string): MercurialFlavor {
  const flavor = config.getOptional('flavor') ?? 'hgweb';
  if (!MERCURIAL_FLAVORS.includes(flavor as MercurialFlavor)) {
    throw new Error(
      `Invalid ${where} config: 'flavor' must be one of ${MERCURIAL_FLAVORS.map(f => `'${f}'`).join(', ')}, got ${JSON.stringify(flavor)}`,
    );
  }
  return flavor as MercurialFlavor;
}

function readApiBaseUrl(
  config: Config,
  where: string,
  flavor: MercurialFlavor,
  baseUrl: string,
): string | undefined {
  const configured = config.getOptionalString('apiBaseUrl');
  const defaultPath = DEFAULT_API_PATHS[flavor];
  if (!defaultPath) {
    if (configured !== undefined) {
      throw new Error(
        `Invalid ${where} config: 'apiBaseUrl' is only for the 'heptapod' and 'kallithea' flavors; an '${flavor}' entry has no API`,
      );
    }
    return undefined;
  }
  if (configured === undefined) {
    return `${baseUrl}${defaultPath}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(configured);
  } catch {
    throw new Error(
      `Invalid ${where} config: 'apiBaseUrl' must be an absolute http(s) URL, got '${configured}'`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(
      `Invalid ${where} config: 'apiBaseUrl' must use http or https, got '${parsed.protocol}'`,
    );
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new Error(
      `Invalid ${where} config: 'apiBaseUrl' must not contain credentials, a query or a fragment`,
    );
  }
  if (parsed.host !== new URL(baseUrl).host) {
    throw new Error(
      `Invalid ${where} config: the host of 'apiBaseUrl' ('${parsed.host}') differs from 'host' ('${new URL(baseUrl).host}'); the entry's credentials go only to its own host`,
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function readReadAs(
  config: Config,
  where: string,
  credentials: {
    password?: string;
    token?: string;
    credentialSource?: MercurialCredentialSource;
  },
): MercurialReadAs {
  const readAs = config.getOptionalString('readAs') ?? 'service';
  if (readAs !== 'service' && readAs !== 'caller') {
    throw new Error(
      `Invalid ${where} config: 'readAs' must be 'service' or 'caller', got '${readAs}'`,
    );
  }
  if (readAs === 'caller') {
    const sources: Record<string, string> = {
      tokenFile: "a 'tokenFile'",
      oauth2: "'oauth2' client credentials",
    };
    let shared: string | undefined;
    if (credentials.password) {
      shared = "a static 'password'";
    } else if (credentials.token) {
      shared = "a static 'token'";
    } else if (credentials.credentialSource) {
      shared = sources[credentials.credentialSource.type];
    }
    if (shared) {
      throw new Error(
        `Invalid ${where} config: 'readAs: caller' needs credentials minted per person, but the entry has only ${shared}, which is the same for everyone; use a 'credentialCommand' (it gets "onBehalfOf" on its stdin) or a credentials service that reads onBehalfOf, or set 'readAs: service'`,
      );
    }
  }
  return readAs;
}

const SOURCE_KEYS = ['tokenFile', 'credentialCommand', 'oauth2'] as const;

function readCredentialSource(
  config: Config,
  where: string,
  statics: { password?: string; token?: string },
): MercurialCredentialSource | undefined {
  const present = SOURCE_KEYS.filter(key => config.has(key));
  if (present.length > 1) {
    throw new Error(
      `Invalid ${where} config: ${present.map(k => `'${k}'`).join(' and ')} are set together; configure one credential source per entry`,
    );
  }
  const [key] = present;
  if (!key) {
    return undefined;
  }
  for (const staticKey of ['password', 'token'] as const) {
    if (statics[staticKey]) {
      throw new Error(
        `Invalid ${where} config: '${key}' cannot be combined with '${staticKey}'; the credentials come either from a source or from app-config, not both`,
      );
    }
  }
  if (key === 'tokenFile') {
    const path = config.getOptional('tokenFile');
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new Error(
        `Invalid ${where} config: 'tokenFile' must be an absolute path, got ${JSON.stringify(path)}`,
      );
    }
    return { type: 'tokenFile', path };
  }
  if (key === 'credentialCommand') {
    return readCredentialCommand(config, where);
  }
  return readOAuth2(config, where);
}

function readCredentialCommand(
  config: Config,
  where: string,
): MercurialCredentialCommandSource {
  const command = config.getOptional('credentialCommand.command');
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.some(arg => typeof arg !== 'string') ||
    !command[0]
  ) {
    throw new Error(
      `Invalid ${where} config: 'credentialCommand.command' must be a non-empty list of strings, the program and its arguments (it is run without a shell), e.g. ['/usr/local/bin/hg-credentials', '--audience', 'hg']`,
    );
  }
  let timeoutMs = DEFAULT_CREDENTIAL_COMMAND_TIMEOUT_MS;
  if (config.has('credentialCommand.timeout')) {
    try {
      timeoutMs = durationToMilliseconds(
        readDurationFromConfig(config.getConfig('credentialCommand'), {
          key: 'timeout',
        }),
      );
    } catch (error) {
      throw new Error(
        `Invalid ${where} config: 'credentialCommand.timeout' must be a duration such as { seconds: 10 } or '10s': ${(error as Error).message}`,
      );
    }
    if (!(timeoutMs > 0)) {
      throw new Error(
        `Invalid ${where} config: 'credentialCommand.timeout' must be longer than zero`,
      );
    }
  }
  return { type: 'command', command: command as string[], timeoutMs };
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]'
  );
}

function readOAuth2(config: Config, where: string): MercurialOAuth2Source {
  const oauth2 = config.getConfig('oauth2');
  const read = (name: string, required: boolean) => {
    const value = oauth2.getOptional(name);
    if (value === undefined && !required) {
      return undefined;
    }
    if (typeof value !== 'string' || !value.trim()) {
      // The value is not shown: it may be the client secret.
      throw new Error(
        `Invalid ${where} config: 'oauth2.${name}' ${required ? 'is required and must be' : 'must be'} a non-empty string`,
      );
    }
    return value.trim();
  };
  const tokenUrl = read('tokenUrl', true)!;
  const clientId = read('clientId', true)!;
  const clientSecret = read('clientSecret', true)!;
  const scope = read('scope', false);
  const audience = read('audience', false);

  let parsed: URL;
  try {
    parsed = new URL(tokenUrl);
  } catch {
    throw new Error(
      `Invalid ${where} config: 'oauth2.tokenUrl' must be an absolute https URL`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new Error(
      `Invalid ${where} config: 'oauth2.tokenUrl' must not contain credentials; use 'oauth2.clientId' and 'oauth2.clientSecret'`,
    );
  }
  if (
    parsed.protocol !== 'https:' &&
    !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))
  ) {
    throw new Error(
      `Invalid ${where} config: 'oauth2.tokenUrl' must use https (http only on a loopback address: 127.0.0.1, ::1, localhost), got '${parsed.protocol}' for host '${parsed.host}'`,
    );
  }
  return {
    type: 'oauth2',
    tokenUrl,
    clientId,
    clientSecret,
    ...(scope && { scope }),
    ...(audience && { audience }),
  };
}

function readMaxConcurrentRequests(
  config: Config,
  where: string,
): number | undefined {
  const raw = config.getOptional('maxConcurrentRequests');
  if (raw === undefined) {
    return undefined;
  }
  let value: number | undefined;
  try {
    // Like every number in app-config, '4' (from an environment variable) is 4.
    value = config.getOptionalNumber('maxConcurrentRequests');
  } catch {
    value = undefined;
  }
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new Error(
      `Invalid ${where} config: 'maxConcurrentRequests' must be a positive integer, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

function readSingleRepository(config: Config, where: string): boolean {
  try {
    return config.getOptionalBoolean('singleRepository') ?? false;
  } catch {
    throw new Error(
      `Invalid ${where} config: 'singleRepository' must be true or false, got ${JSON.stringify(config.getOptional('singleRepository'))}`,
    );
  }
}

function readSsh(
  config: Config,
  where: string,
): MercurialSshConfig | undefined {
  const ssh = config.getOptionalConfig('ssh');
  if (!ssh) {
    return undefined;
  }
  const url = ssh.getString('url');
  // ssh://[user@]host[:port]/path — taken apart by hand: `new URL` does not
  // know the ssh scheme's rules and would hide a leading '-'.
  const match = /^ssh:\/\/(?:([^@/]*)@)?([^/:@]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!match) {
    throw new Error(
      `Invalid ${where} config: 'ssh.url' must look like ssh://[user@]host[:port]/path, got '${url}'`,
    );
  }
  const [, user, sshHost] = match;
  if (user?.includes(':')) {
    throw new Error(
      `Invalid ${where} config: 'ssh.url' must not contain a password; use 'ssh.privateKey'`,
    );
  }
  if (user?.startsWith('-') || sshHost.startsWith('-')) {
    throw new Error(
      `Invalid ${where} config: the user and host of 'ssh.url' must not start with '-'`,
    );
  }
  const privateKey = ssh.getString('privateKey');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new Error(
      `Invalid ${where} config: 'ssh.privateKey' is not a private key (expected a '-----BEGIN ... PRIVATE KEY-----' block)`,
    );
  }
  return {
    url: url.replace(/\/+$/, ''),
    privateKey,
    knownHosts: ssh.getOptionalString('knownHosts'),
  };
}

/**
 * Reads and validates every entry of `integrations.mercurial`. Several entries
 * may share a host when their `baseUrl`s differ (the longest matching one wins
 * for a URL); the same `baseUrl` twice is an error.
 *
 * @param configs - the entries, as `config.getOptionalConfigArray('integrations.mercurial')`
 * @public
 */
export function readMercurialIntegrationConfigs(
  configs: Config[],
): MercurialIntegrationConfig[] {
  const result: MercurialIntegrationConfig[] = [];
  configs.forEach((c, index) => {
    const entry = `${MERCURIAL_CONFIG_KEY}[${index}]`;
    const read = readMercurialIntegrationConfig(c, { entry });
    const earlier = result.findIndex(r => r.baseUrl === read.baseUrl);
    if (earlier !== -1) {
      throw new Error(
        `Invalid ${entry} config: 'host' '${read.host}' with baseUrl '${read.baseUrl}' is already configured by ${MERCURIAL_CONFIG_KEY}[${earlier}]; list each server once`,
      );
    }
    result.push(read);
  });
  return result;
}
