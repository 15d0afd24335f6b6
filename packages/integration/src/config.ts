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

import { Config } from '@backstage/config';

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
}

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
  if (password && token) {
    throw new Error(
      `Invalid ${where} config: 'password' and 'token' are both set; use one of them`,
    );
  }

  const ssh = readSsh(config, where);
  const localRoot = config.getOptionalString('localRoot');
  if (localRoot !== undefined && !localRoot.startsWith('/')) {
    throw new Error(
      `Invalid ${where} config: 'localRoot' must be an absolute path, got '${localRoot}'`,
    );
  }

  const singleRepository = readSingleRepository(config, where);
  if (singleRepository && localRoot !== undefined) {
    throw new Error(
      `Invalid ${where} config: 'localRoot' cannot be combined with 'singleRepository: true'; a single-repository server has no directory of repositories to create new ones in`,
    );
  }

  return {
    host,
    baseUrl,
    username,
    password,
    token,
    ...(ssh && { ssh }),
    ...(localRoot && { localRoot: localRoot.replace(/\/+$/, '') || '/' }),
    ...(singleRepository && { singleRepository: true }),
  };
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
